"""Next-token scores at the answer's positions only: the output layer never sees the prompt.

Gemma 3's output layer maps 640 features onto 262,144 tokens. Over a whole 512-token sequence
that is 86 G multiply-adds forward (three times that with the backward pass), more than the
transformer below it, and on a CPU trl's fused head scores every position (it keeps only the
labelled ones on CUDA/XPU with Triton). Training needs the positions whose next-token label is
not -100, the assistant's tagged answer, so here the backbone runs on the whole sequence, its
hidden states are gathered at those positions, and only there the output layer is applied.

The output layer is applied as a module (`get_output_embeddings()`), so tied embeddings and a
LoRA on it work unchanged; Gemma's final logit soft-capping is applied as its forward does.

- `completion_scores`: log-probability (and entropy, top-1 hit) of every labelled token;
- `CompletionOnlySFTTrainer`: trl's SFTTrainer whose `compute_loss` is the cross-entropy on
  those positions (the same number as the model's full-logits loss);
- `install_compact_fused_head`: GRPO's `fused_lm_head=True` calls score completion tokens only.

On CUDA/XPU with Triton, trl's fused head already keeps only the labelled positions, in
vocabulary tiles that use less memory than this; both stay out of its way there.
"""

from __future__ import annotations

import functools
import logging
import types
from dataclasses import dataclass
from typing import Any

import torch
from trl import SFTTrainer

logger = logging.getLogger(__name__)

IGNORE = -100


@dataclass(frozen=True)
class CompletionScores:
    """Scores of the labelled tokens, in row-major order of `mask`."""

    log_probs: torch.Tensor  # (n,) log p(label) under the (temperature-scaled) model
    entropy: torch.Tensor | None  # (n,) entropy of the next-token distribution, when asked
    is_top1: torch.Tensor  # (n,) whether the label is the most probable token (no gradient)
    mask: torch.Tensor  # (batch, seq_len - 1) bool: which next-token labels were scored


def library_compacts(device: torch.device) -> bool:
    """Whether trl's fused head already projects only the labelled positions on `device` (its
    Triton kernels on CUDA/XPU, in vocabulary tiles: less memory than the cut here). Elsewhere
    it scores every position, and the cut is what makes a CPU step affordable."""
    from transformers.utils import is_triton_available

    return device.type in ("cuda", "xpu") and is_triton_available()


def causal_lm(model: Any) -> Any:
    """The transformers causal LM inside a PEFT wrapper (its modules hold the LoRA layers)."""
    from peft import PeftModel

    return model.get_base_model() if isinstance(model, PeftModel) else model


def supports_cut(model: Any) -> bool:
    """Whether `completion_scores` computes exactly what the model's own forward does.

    Logit scalings other than Gemma's soft-capping (Cohere's `logit_scale`, Granite's
    `logits_scaling`, …) are not reproduced here; those models keep the library's path.
    """
    lm = causal_lm(model)
    config = lm.config.get_text_config()
    scaled = any(
        getattr(config, name, None) not in (None, 1.0)
        for name in ("logit_scale", "logits_scaling", "output_multiplier", "lm_head_multiplier")
    )
    return not scaled and lm.get_output_embeddings() is not None and lm.base_model is not lm


def head_logits(model: Any, hidden: torch.Tensor) -> torch.Tensor:
    """The model's logits for hidden states (n, d): output layer, then soft-capping if any."""
    lm = causal_lm(model)
    logits = lm.get_output_embeddings()(hidden)
    cap = getattr(lm.config.get_text_config(), "final_logit_softcapping", None)
    if cap is not None:
        logits = torch.tanh(logits / cap) * cap
    return logits


def completion_scores(
    model: Any,
    input_ids: torch.Tensor,
    labels: torch.Tensor,
    attention_mask: torch.Tensor | None = None,
    *,
    temperature: float = 1.0,
    entropy: bool = False,
    **backbone_kwargs: Any,
) -> CompletionScores:
    """Score the next-token labels that are not -100, projecting only their hidden states.

    `labels` are aligned with `input_ids` (the model's convention: position t predicts
    labels[t + 1]). The backbone sees the whole sequence; the output layer sees only the
    positions with a label, in float32 for the softmax.
    """
    lm = causal_lm(model)
    outputs = lm.base_model(
        input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **backbone_kwargs
    )
    hidden = outputs.last_hidden_state[:, :-1]
    targets = labels[:, 1:].to(hidden.device)
    mask = targets != IGNORE
    logits = head_logits(lm, hidden[mask]).float()
    if temperature != 1.0:
        logits = logits / temperature
    log_z = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets[mask].unsqueeze(-1)).squeeze(-1)
    log_probs = picked - log_z
    ent = None
    if entropy:
        probs = torch.softmax(logits, dim=-1)
        ent = log_z - (probs * logits).sum(-1)
    with torch.no_grad():
        is_top1 = logits.argmax(-1) == targets[mask]
    return CompletionScores(log_probs, ent, is_top1, mask)


def completion_loss(
    model: Any,
    inputs: dict[str, Any],
    num_items_in_batch: torch.Tensor | int | None = None,
) -> tuple[torch.Tensor, CompletionScores]:
    """Cross-entropy on the labelled tokens: summed, divided by `num_items_in_batch` (the label
    count of the whole accumulated batch, as the Trainer passes it) or by their own count."""
    scores = completion_scores(
        model,
        inputs["input_ids"],
        inputs["labels"],
        inputs.get("attention_mask"),
        entropy=True,
    )
    n = scores.log_probs.numel() if num_items_in_batch is None else num_items_in_batch
    denominator = torch.as_tensor(n, device=scores.log_probs.device).clamp(min=1)
    return -scores.log_probs.sum() / denominator, scores


class CompletionOnlySFTTrainer(SFTTrainer):
    """SFTTrainer whose loss projects only the answer's positions through the output layer.

    Where trl's own fused head already does that (`library_compacts`: CUDA/XPU with Triton),
    and for batches it cannot cut exactly (padding-free packing, a custom `compute_loss_func`, label
    smoothing, another `loss_type`, a distributed wrapper around the model) go to trl's own
    `compute_loss`.
    """

    def _can_cut(self, model: Any, inputs: dict[str, Any], return_outputs: bool) -> bool:
        return (
            not return_outputs
            and "attention_mask" in inputs
            and "labels" in inputs
            and self.compute_loss_func is None
            and self.label_smoother is None
            and getattr(self.args, "loss_type", "nll") == "nll"
            and not getattr(self, "aux_loss_enabled", False)
            and self.accelerator.unwrap_model(model) is model
            and not library_compacts(inputs["input_ids"].device)
            and supports_cut(model)
        )

    def compute_loss(
        self,
        model: Any,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: torch.Tensor | int | None = None,
    ) -> Any:
        if not self._can_cut(model, inputs, return_outputs):
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        loss, scores = completion_loss(model, inputs, num_items_in_batch)
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes  # as trl: DDP averages the gradients
        # trl's metrics, from the same scores: entropy, token accuracy, tokens seen.
        mode = "train" if self.model.training else "eval"
        n = max(1, scores.log_probs.numel())
        with torch.no_grad():
            assert scores.entropy is not None
            self._metrics[mode]["entropy"].append(float(scores.entropy.sum()) / n)
            self._metrics[mode]["mean_token_accuracy"].append(float(scores.is_top1.sum()) / n)
        if mode == "train":
            self._total_train_tokens += int(inputs["attention_mask"].sum())
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
        return loss


def install_compact_fused_head(model: Any, temperature: float = 1.0) -> bool:
    """Make trl's `fused_lm_head=True` calls (GRPO's log-probabilities) score only labelled
    tokens where trl's own head scores every position (CPUs). Call after the trainer patched
    the model; returns False (and changes nothing) where trl already compacts, where the exact
    cut is not possible, or where trl's protocol is not the one this was written for."""
    try:
        from trl.trainer.utils import FusedCausalLMOutput
    except ImportError:
        return False
    lm = causal_lm(model)
    fused = lm.forward
    if library_compacts(lm.device) or not supports_cut(lm):
        return False
    if not isinstance(fused, types.MethodType):
        return False

    # The original signature stays visible: `generate` validates its kwargs against it.
    @functools.wraps(type(lm).forward)
    def forward(
        self: Any,
        *args: Any,
        fused_lm_head: bool = False,
        labels: torch.Tensor | None = None,
        shift_labels: torch.Tensor | None = None,
        num_items_in_batch: Any = None,
        **kwargs: Any,
    ) -> Any:
        plain = (
            not fused_lm_head
            or args
            or labels is None
            or shift_labels is not None
            or kwargs.get("output_router_logits")
            or "input_ids" not in kwargs
        )
        if plain:
            return fused(
                *args,
                fused_lm_head=fused_lm_head,
                labels=labels,
                shift_labels=shift_labels,
                num_items_in_batch=num_items_in_batch,
                **kwargs,
            )
        kwargs.pop("use_cache", None)
        input_ids = kwargs.pop("input_ids")
        attention_mask = kwargs.pop("attention_mask", None)
        scores = completion_scores(
            self,
            input_ids,
            labels,
            attention_mask,
            temperature=temperature,
            entropy=True,
            **kwargs,
        )
        mask = scores.mask

        def spread(values: torch.Tensor) -> torch.Tensor:
            return values.new_zeros(mask.shape).masked_scatter(mask, values)

        log_probs = spread(scores.log_probs)
        assert scores.entropy is not None
        count = mask.sum().clamp(min=1) if num_items_in_batch is None else num_items_in_batch
        return FusedCausalLMOutput(
            loss=-log_probs.sum() / count,
            log_probs=log_probs,
            entropy=spread(scores.entropy),
            is_top1=spread(scores.is_top1),
            label_mask=mask,
        )

    lm.forward = types.MethodType(forward, lm)
    logger.info("output layer applied at completion tokens only (%s)", type(lm).__name__)
    return True
