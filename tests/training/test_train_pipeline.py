"""End to end on CPU: tiny model SFT + 2 GRPO steps, GGUF export loaded by llama-cpp-python,
the GPU config for one step, and the tokenizer rebuilt from the embedded GGUF.

These need the [train] extras (CI installs them) and run in a few minutes on two cores.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from training.empath.config import Config, TinyModelArgs, load_config

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "empath" / "configs"

pytestmark = [
    pytest.mark.train,
    # Deprecation notices raised inside transformers/trl/peft about their own internals.
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::UserWarning"),
]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def _smoke(tmp_path: Path) -> Config:
    cfg = load_config(CONFIGS / "smoke.toml")
    return replace(cfg, run=replace(cfg.run, output_dir=str(tmp_path / "smoke")))


def test_smoke_train_export_eval(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from empath_desktop.llm.backend import open_llama
    from empath_desktop.llm.model_files import check_gguf
    from training.empath.evaluate import evaluate
    from training.empath.export import export
    from training.empath.rewards import COMPONENTS
    from training.empath.train import train

    cfg = _smoke(tmp_path)
    out = Path(cfg.run.output_dir)
    adapter = train(cfg)
    assert adapter == out / "grpo" / "final"

    # The warm-up moved the adapter (LoRA B starts at zero).
    weights = load_file(str(out / "sft" / "final" / "adapter_model.safetensors"))
    assert any(float(t.abs().sum()) > 0 for k, t in weights.items() if "lora_B" in k)

    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    grpo = [r for r in rows if r["stage"] == "grpo" and "loss" in r]
    assert [r["step"] for r in grpo] == [1, 2]
    assert all(f"rewards/{c}/mean" in grpo[0] for c in COMPONENTS)
    assert any(r["stage"] == "sft" and "loss" in r for r in rows)
    assert (out / "grpo" / "checkpoint-2").is_dir()

    # Resume: a finished run is not trained again; a lost final folder is rebuilt from the
    # last checkpoint without new steps.
    assert train(cfg) == adapter
    import shutil

    shutil.rmtree(adapter)
    assert train(cfg) == adapter and (adapter / "adapter_model.safetensors").exists()

    gguf = export(cfg)
    assert gguf.name == "smoke-q4_k_m.gguf" and not list(out.glob("*-f16.gguf"))
    check_gguf(gguf)  # what the app runs before loading a --model file
    llm = open_llama(str(gguf), n_ctx=512, seed=0, verbose=False)
    try:
        text = llm.create_completion("User: Hi!\nEMPATH:", max_tokens=8, temperature=0.0)
        assert text["usage"]["completion_tokens"] > 0
    finally:
        llm.close()

    cfg = replace(cfg, eval=replace(cfg.eval, models=(str(gguf),)))
    report = json.loads((evaluate(cfg) / "report.json").read_text())
    result = report["results"][gguf.name]
    assert result["n"] == 2 and set(result["rewards"]) == {*COMPONENTS, "total"}


def test_gpu_config_runs_a_step_on_cpu(tmp_path: Path) -> None:
    """The Qwen 3B config as shipped (chat prompts, bf16, r=64, unsloth/vLLM only if present),
    with the tiny chat-templated model standing in for the download."""
    from training.empath.train import train

    cfg = load_config(CONFIGS / "qwen3b_gpu.toml")
    tiny = TinyModelArgs(
        vocab_size=512,
        hidden_size=64,
        intermediate_size=128,
        num_layers=1,
        num_heads=2,
        num_kv_heads=1,
        max_positions=2048,
    )
    cfg = replace(
        cfg,
        run=replace(cfg.run, output_dir=str(tmp_path / "gpu")),
        model=replace(cfg.model, source="tiny", tiny=tiny),
        data=replace(cfg.data, few_shot=0, max_prompts=2),
        sft=replace(cfg.sft, max_steps=1, batch_size=2, grad_accum=1),
        grpo=replace(
            cfg.grpo,
            max_steps=1,
            num_generations=2,
            batch_size=2,
            grad_accum=1,
            max_completion_length=8,
        ),
    )
    assert train(cfg).name == "final"


@pytest.mark.model
def test_embedded_vocabulary_survives_conversion_exactly(
    default_model: Path, tmp_path: Path
) -> None:
    """The rebuilt tokenizer.model gets the converter through; the transplant then restores
    the base GGUF's vocabulary byte for byte (whitespace pieces included)."""
    import gguf
    import sentencepiece as spm

    from empath_desktop.llm.backend import open_llama
    from training.empath.base_model import transplant_vocabulary, write_sentencepiece_from_gguf

    target = tmp_path / "tokenizer.model"
    write_sentencepiece_from_gguf(default_model, target)
    assert spm.SentencePieceProcessor(model_file=str(target)).vocab_size() == 262144

    # A stand-in for the converter's output: the tiny smoke GGUF would do, but the embedded
    # file itself is at hand; the transplant must keep its tensors and metadata intact.
    out = tmp_path / "out.gguf"
    transplant_vocabulary(default_model, default_model, out)
    assert len(gguf.GGUFReader(str(out)).tensors) == len(
        gguf.GGUFReader(str(default_model)).tensors
    )
    llm = open_llama(str(out), vocab_only=True, verbose=False)
    ref = open_llama(str(default_model), vocab_only=True, verbose=False)
    try:
        text = "User: I got the job!\nEMPATH: <react>*beaming smile*</react>  two  spaces 🙂"
        assert llm.tokenize(text.encode()) == ref.tokenize(text.encode())
    finally:
        llm.close()
        ref.close()


def test_transcript_rows_keep_the_prompt_tokens_the_app_sends() -> None:
    import tempfile

    from transformers import AutoTokenizer

    from training.empath.data import load_data, prompt_builder, sft_rows
    from training.empath.tiny_model import build_tiny_model
    from training.empath.train import tokenize_transcript_rows

    with tempfile.TemporaryDirectory() as tmp:
        tiny = TinyModelArgs(
            vocab_size=512,
            hidden_size=32,
            intermediate_size=64,
            num_layers=1,
            num_heads=2,
            num_kv_heads=1,
            max_positions=512,
        )
        corpus = ["User: hello there\nEMPATH: <react>*smile*</react>"] * 20
        tokenizer = AutoTokenizer.from_pretrained(
            str(build_tiny_model(Path(tmp), tiny, corpus, seed=0))
        )
    rows = sft_rows(load_data(), prompt_builder(few_shot=0), "transcript")[:3]
    for row, tok in zip(rows, tokenize_transcript_rows(rows, tokenizer), strict=True):
        prompt = tokenizer(row["prompt"])["input_ids"]
        assert tok["input_ids"][: len(prompt)] == prompt
        assert tok["completion_mask"] == [0] * len(prompt) + [1] * (
            len(tok["input_ids"]) - len(prompt)
        )
        assert tok["input_ids"][-1] == tokenizer.eos_token_id
