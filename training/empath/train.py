"""Supervised warm-up then GRPO, on one LoRA adapter, with checkpoints and plottable metrics.

Layout of `run.output_dir`:

    base/                 the tiny base model (source = 'tiny' only)
    sft/checkpoint-N/     periodic checkpoints of the warm-up; sft/final/ the adapter after it
    grpo/checkpoint-N/    the same for GRPO; grpo/final/ the trained adapter
    metrics.jsonl         one JSON object per logging step: stage, step, loss, learning rate,
                          and for GRPO the mean and std of every reward component
    config.json           the resolved config of the last invocation

A finished stage (its final/ folder exists) is skipped when `run.resume` is on; an interrupted
one continues from its last checkpoint.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.empath.base_model import load_base
from training.empath.config import Config
from training.empath.data import EmpathData, grpo_rows, load_data, prompt_builder, sft_rows
from training.empath.rewards import trl_reward_funcs

if TYPE_CHECKING:
    from empath_desktop.chat.prompts import PromptBuilder

logger = logging.getLogger(__name__)

FINAL = "final"


def seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def device_summary() -> str:
    """Where training runs: the first CUDA device when torch sees one (the Trainer then uses
    it, with bf16/fp16 as configured), else the CPU and its torch threads."""
    import torch

    if torch.cuda.is_available():
        return f"CUDA ({torch.cuda.get_device_name(0)})"
    return f"CPU ({torch.get_num_threads()} threads; no CUDA device visible to torch)"


def final_adapter(cfg: Config) -> Path:
    """The adapter the export should merge: GRPO's if that stage ran, else the warm-up's."""
    out = Path(cfg.run.output_dir)
    for stage in ("grpo", "sft"):
        if (out / stage / FINAL).exists():
            return out / stage / FINAL
    raise FileNotFoundError(f"no trained adapter in {out}: run `train` first")


def _metrics_callback(path: Path, stage: str) -> Any:
    from transformers import TrainerCallback

    class MetricsToJsonl(TrainerCallback):
        """Appends every log of the trainer to metrics.jsonl (reward components included)."""

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if not logs or not state.is_world_process_zero:
                return
            row = {"stage": stage, "step": state.global_step, "time": time.time(), **logs}
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    return MetricsToJsonl()


def _last_checkpoint(stage_dir: Path, resume: bool) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    if not resume or not stage_dir.exists():
        return None
    return get_last_checkpoint(str(stage_dir))


def _common_args(cfg: Config, stage_dir: Path) -> dict[str, Any]:
    """TrainingArguments shared by both stages."""
    import torch

    return {
        "output_dir": str(stage_dir),
        "seed": cfg.run.seed,
        "data_seed": cfg.run.seed,
        "save_strategy": "steps",
        "save_steps": cfg.run.save_steps,
        "save_total_limit": cfg.run.save_total_limit,
        "logging_steps": cfg.run.logging_steps,
        "report_to": "none",
        "bf16": cfg.model.dtype == "bfloat16" and torch.cuda.is_available(),
        "fp16": cfg.model.dtype == "float16" and torch.cuda.is_available(),
        "use_cpu": not torch.cuda.is_available(),
        "dataloader_num_workers": 0,
    }


def _lora_config(cfg: Config) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=list(cfg.lora.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def _load_for_training(cfg: Config) -> tuple[Any, Any]:
    """The base model with a fresh LoRA adapter (unsloth's fast path when asked and present)."""
    if cfg.model.unsloth_if_installed and importlib.util.find_spec("unsloth") is not None:
        from unsloth import FastLanguageModel

        model, tokenizer = FastLanguageModel.from_pretrained(
            cfg.model.source, max_seq_length=cfg.sft.max_length, load_in_4bit=False
        )
        model = FastLanguageModel.get_peft_model(
            model,
            r=cfg.lora.r,
            lora_alpha=cfg.lora.alpha,
            lora_dropout=cfg.lora.dropout,
            target_modules=list(cfg.lora.target_modules),
            random_state=cfg.run.seed,
        )
        return model, tokenizer
    from peft import get_peft_model

    model, tokenizer = load_base(cfg)
    return get_peft_model(model, _lora_config(cfg)), tokenizer


def tokenize_transcript_rows(rows: list[dict[str, Any]], tokenizer: Any) -> list[dict[str, Any]]:
    """Prompt and completion tokenized apart, then concatenated, with a completion mask.

    The app's transcript ends with "EMPATH: " and llama.cpp tokenizes exactly that before the
    model writes "<react>". Tokenizing prompt + completion as one string would merge the
    trailing space into the completion's first token, training on a context the app never
    sends.
    """
    out = []
    for row in rows:
        prompt = tokenizer(row["prompt"])["input_ids"]
        completion = tokenizer(row["completion"], add_special_tokens=False)["input_ids"]
        completion = [*completion, tokenizer.eos_token_id]
        out.append(
            {
                "input_ids": prompt + completion,
                "completion_mask": [0] * len(prompt) + [1] * len(completion),
            }
        )
    return out


@dataclass(frozen=True, slots=True)
class StageInputs:
    """What a stage's trainer is built from: the same for both stages."""

    data: EmpathData
    builder: PromptBuilder  # the app's, with the configured persona and few-shot examples
    args: dict[str, Any]  # TrainingArguments shared by both stages (`_common_args`)
    callbacks: list[Any]


def _run_stage(
    cfg: Config,
    stage: str,
    model: Any,
    tokenizer: Any,
    make_trainer: Callable[[Any, StageInputs], Any],
) -> Any:
    """One stage's skeleton: data, shared arguments and metrics in; train (resuming from the
    stage's last checkpoint); the adapter and tokenizer saved to `<stage>/final/`. Returns the
    trained model. `make_trainer(model, inputs)` builds what differs between the stages."""
    out = Path(cfg.run.output_dir)
    stage_dir = out / stage
    inputs = StageInputs(
        data=load_data(
            Path(cfg.data.data_dir) if cfg.data.data_dir else None,
            [Path(p) for p in cfg.data.extra_files],
        ),
        builder=prompt_builder(cfg.data.persona, cfg.data.few_shot),
        args=_common_args(cfg, stage_dir),
        callbacks=[_metrics_callback(out / "metrics.jsonl", stage)],
    )
    trainer = make_trainer(model, inputs)
    trainer.train(resume_from_checkpoint=_last_checkpoint(stage_dir, cfg.run.resume))
    trainer.save_model(str(stage_dir / FINAL))
    tokenizer.save_pretrained(str(stage_dir / FINAL))
    return trainer.model


def run_sft(cfg: Config, model: Any, tokenizer: Any) -> Any:
    """The supervised warm-up on the exemplary turns, loss on the answers only."""
    from datasets import Dataset
    from trl import SFTConfig

    from training.empath.completion_head import CompletionOnlySFTTrainer

    def make_trainer(model: Any, inputs: StageInputs) -> Any:
        rows = sft_rows(inputs.data, inputs.builder, cfg.model.prompt_style)
        logger.info("SFT warm-up on %d exemplary turns", len(rows))
        if cfg.model.prompt_style == "transcript":
            rows = tokenize_transcript_rows(rows, tokenizer)
        args = SFTConfig(
            **inputs.args,
            num_train_epochs=cfg.sft.epochs,
            max_steps=cfg.sft.max_steps,
            learning_rate=cfg.sft.learning_rate,
            per_device_train_batch_size=cfg.sft.batch_size,
            gradient_accumulation_steps=cfg.sft.grad_accum,
            max_length=cfg.sft.max_length,
            lr_scheduler_type="cosine",
            warmup_steps=0.1,
            completion_only_loss=True,
        )
        # The loss projects only the answer's positions through the 262k-token output layer.
        return CompletionOnlySFTTrainer(
            model=model,
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            callbacks=inputs.callbacks,
        )

    return _run_stage(cfg, "sft", model, tokenizer, make_trainer)


def run_grpo(cfg: Config, model: Any, tokenizer: Any) -> Any:
    """GRPO on the prompts, rewarded by `rewards.trl_reward_funcs`."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from training.empath.completion_head import install_compact_fused_head

    g = cfg.grpo

    def make_trainer(model: Any, inputs: StageInputs) -> Any:
        rows = grpo_rows(inputs.data, inputs.builder, cfg.model.prompt_style)
        random.Random(cfg.run.seed).shuffle(rows)
        if cfg.data.max_prompts is not None:
            rows = rows[: cfg.data.max_prompts]
        logger.info("GRPO on %d prompts", len(rows))
        use_vllm = g.vllm_if_installed and importlib.util.find_spec("vllm") is not None
        args = GRPOConfig(
            **inputs.args,
            max_steps=g.max_steps,
            learning_rate=g.learning_rate,
            per_device_train_batch_size=g.batch_size,
            gradient_accumulation_steps=g.grad_accum,
            num_generations=g.num_generations,
            max_completion_length=g.max_completion_length,
            temperature=g.temperature,
            beta=g.beta,
            max_grad_norm=g.max_grad_norm,
            lr_scheduler_type=g.lr_scheduler,
            warmup_steps=g.warmup_ratio,
            reward_weights=list(cfg.rewards.as_tuple()),
            use_vllm=use_vllm,
            vllm_mode="colocate",
            log_completions=False,
        )
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=trl_reward_funcs(),
            args=args,
            train_dataset=Dataset.from_list(rows),
            processing_class=tokenizer,
            callbacks=inputs.callbacks,
        )
        # Log-probabilities of the completion tokens only, not of the prompt, on CPUs too.
        for scorer in (trainer.model, getattr(trainer, "ref_model", None)):
            if scorer is not None:
                install_compact_fused_head(scorer, temperature=g.temperature)
        return trainer

    return _run_stage(cfg, "grpo", model, tokenizer, make_trainer)


def train(cfg: Config) -> Path:
    """Run the configured stages; returns the folder of the final adapter."""
    from peft import PeftModel

    out = Path(cfg.run.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=2))
    seed_everything(cfg.run.seed)

    stages = [s for s, on in (("sft", cfg.sft.enabled), ("grpo", cfg.grpo.enabled)) if on]
    done = {s for s in stages if cfg.run.resume and (out / s / FINAL).exists()}
    todo = [s for s in stages if s not in done]
    if not todo:
        logger.info("all stages already finished in %s", out)
        return final_adapter(cfg)

    previous = [s for s in stages if s in done]
    if previous:
        # Continue the adapter of the last finished stage rather than starting a fresh one.
        base, tokenizer = load_base(cfg)
        model = PeftModel.from_pretrained(base, str(out / previous[-1] / FINAL), is_trainable=True)
    else:
        model, tokenizer = _load_for_training(cfg)
    for stage in todo:
        logger.info("stage %s", stage)
        model = (run_sft if stage == "sft" else run_grpo)(cfg, model, tokenizer)
    return final_adapter(cfg)
