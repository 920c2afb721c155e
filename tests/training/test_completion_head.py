"""The output layer applied at the answer's positions only gives the full-logits numbers.

Small random models built from configs (no tokenizer, no download): a tied-embedding Llama as
the smoke runs use, and a tied Gemma 3 with final logit soft-capping, each with a LoRA adapter
whose B matrices are not zero, so the adapter changes the result being compared.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [
    pytest.mark.train,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]

VOCAB = 301


def _llama() -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


def _gemma() -> Any:
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        sliding_window=8,
        final_logit_softcapping=5.0,  # small, so the cap actually bends these random logits
        tie_word_embeddings=True,
        attn_implementation="eager",
    )
    return Gemma3ForCausalLM(config)


def _with_lora(model: Any) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=4,
        lora_alpha=8,
        target_modules=["q_proj", "v_proj", "up_proj"],
        init_lora_weights=False,  # random B: the adapter is not a no-op
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def _batch() -> dict[str, Any]:
    """Two right-padded rows: a prompt (label -100), then an answer, then padding."""
    import torch

    g = torch.Generator().manual_seed(0)
    input_ids = torch.randint(3, VOCAB, (2, 24), generator=g)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 17:] = 0
    labels = input_ids.clone()
    labels[0, :10] = -100
    labels[1, :6] = -100
    labels[attention_mask == 0] = -100
    input_ids[attention_mask == 0] = 0
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def _grads(model: Any) -> dict[str, Any]:
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("build", [_llama, _gemma], ids=["llama-tied", "gemma3-softcap"])
def test_cut_loss_equals_full_logits_loss_and_gradients(build: Any) -> None:
    import torch

    from training.empath.completion_head import completion_loss, supports_cut

    torch.manual_seed(0)
    model = _with_lora(build())
    assert supports_cut(model)
    batch = _batch()

    full = model(**batch).loss
    full.backward()
    full_grads = _grads(model)
    model.zero_grad()

    cut, scores = completion_loss(model, batch)
    cut.backward()
    cut_grads = _grads(model)

    assert int(scores.mask.sum()) == int((batch["labels"][:, 1:] != -100).sum())
    assert abs(float(cut) - float(full)) < 1e-5
    assert full_grads.keys() == cut_grads.keys() and any("lora_B" in k for k in cut_grads)
    for name, grad in full_grads.items():
        torch.testing.assert_close(cut_grads[name], grad, rtol=1e-4, atol=1e-6, msg=name)

    # Gradient accumulation: the Trainer divides by the label count of the whole batch.
    halved, _ = completion_loss(model, batch, num_items_in_batch=2 * scores.mask.sum())
    assert abs(float(halved) - float(full) / 2) < 1e-5


def test_compact_fused_head_matches_trl_fused_head() -> None:
    """GRPO's log-probabilities and entropies (temperature-scaled) are unchanged by the cut."""
    import torch
    from trl.trainer.utils import add_fused_lm_head

    from training.empath.completion_head import install_compact_fused_head

    torch.manual_seed(0)
    base = _gemma()
    add_fused_lm_head(base, temperature=0.9, outputs=("log_probs", "entropy"))
    model = _with_lora(base)
    batch = _batch()
    reference = model(**batch, fused_lm_head=True)
    assert install_compact_fused_head(model, temperature=0.9)
    compact = model(**batch, fused_lm_head=True)
    assert torch.equal(compact.label_mask, reference.label_mask)
    torch.testing.assert_close(compact.log_probs, reference.log_probs, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(compact.entropy, reference.entropy, rtol=1e-5, atol=1e-5)
    assert abs(float(compact.loss) - float(reference.loss)) < 1e-5
    # Without the flag the model is the model: generation is untouched.
    plain = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    assert plain.logits.shape == (2, 24, VOCAB)


def test_sft_trainer_step_uses_the_cut_loss(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainer's own `compute_loss` on a collated batch equals the full-logits loss."""
    import tempfile
    from pathlib import Path

    import torch
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from training.empath.completion_head import CompletionOnlySFTTrainer
    from training.empath.config import TinyModelArgs
    from training.empath.tiny_model import build_tiny_model
    from training.empath.train import tokenize_transcript_rows

    tiny = TinyModelArgs(
        vocab_size=512,
        hidden_size=32,
        intermediate_size=64,
        num_layers=1,
        num_heads=2,
        num_kv_heads=1,
        max_positions=512,
    )
    with tempfile.TemporaryDirectory() as tmp:
        corpus = ["User: hello there\nEMPATH: <react>*smile*</react> fine"] * 20
        where = build_tiny_model(Path(tmp), tiny, corpus, seed=0)
        tokenizer = AutoTokenizer.from_pretrained(str(where))
        from transformers import AutoModelForCausalLM

        model = _with_lora(AutoModelForCausalLM.from_pretrained(str(where)))
    rows = tokenize_transcript_rows(
        [
            {"prompt": "User: hello there\nEMPATH: ", "completion": "<react>*smile*</react>"},
            {"prompt": "User: hi\nEMPATH: ", "completion": "<react>*nods*</react> fine"},
        ],
        tokenizer,
    )
    args = SFTConfig(
        output_dir=str(tmp_path),
        report_to="none",
        use_cpu=True,
        completion_only_loss=True,
        per_device_train_batch_size=2,
        max_steps=1,
    )
    trainer = CompletionOnlySFTTrainer(
        model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer
    )
    batch = next(iter(trainer.get_train_dataloader()))

    def library_path(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("fell back to trl's compute_loss")

    monkeypatch.setattr(SFTTrainer, "compute_loss", library_path)
    assert (batch["labels"] == -100).any()  # the prompt is masked
    with torch.no_grad():
        cut = trainer.compute_loss(trainer.model, dict(batch))
        logits = trainer.model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).logits
    full = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.size(-1)), batch["labels"][:, 1:].reshape(-1)
    )
    assert abs(float(cut) - float(full)) < 1e-5
    assert trainer._metrics["train"]["mean_token_accuracy"]
