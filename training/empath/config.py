"""Configuration of a training run: frozen dataclasses, read from TOML, overridable on the CLI.

Every field carries a docstring (shown by `--help`, CleanRL style). A TOML file sets any subset
of the sections below; `load_config` rejects unknown keys so a typo never silently trains with
a default.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from training.empath.rewards import RewardWeights


@dataclass(frozen=True)
class TinyModelArgs:
    """A small random Llama built from a config, with a SentencePiece tokenizer trained on the
    dataset: no download, seconds to train on CPU, and convertible to GGUF like a real model."""

    vocab_size: int = 2048
    """SentencePiece BPE vocabulary size (byte fallback included)."""
    hidden_size: int = 256
    """Width; a multiple of 256 lets every matrix take the Q4_K format."""
    intermediate_size: int = 768
    """MLP width."""
    num_layers: int = 4
    """Transformer blocks."""
    num_heads: int = 4
    """Attention heads."""
    num_kv_heads: int = 2
    """Key/value heads (grouped-query attention, as in the real models)."""
    max_positions: int = 2048
    """Context length."""


@dataclass(frozen=True)
class ModelArgs:
    source: str = "tiny"
    """'tiny' (built from `tiny`), 'embedded' (the app's Gemma 3 270M GGUF, dequantised), a
    path to a .gguf file, or a Hugging Face model id or directory (loaded offline if cached)."""
    prompt_style: Literal["transcript", "chat"] = "transcript"
    """'transcript' for base models (User:/EMPATH: lines), 'chat' for instruct models."""
    dtype: Literal["float32", "bfloat16", "float16"] = "float32"
    """Weights dtype while training."""
    attn_implementation: str | None = None
    """Attention kernel passed to transformers ('eager', 'sdpa', …); None: its default."""
    unsloth_if_installed: bool = False
    """Load with unsloth's FastLanguageModel when the package is importable (GPU runs)."""
    tiny: TinyModelArgs = field(default_factory=TinyModelArgs)
    """Shape of the tiny model (source = 'tiny')."""


@dataclass(frozen=True)
class LoraArgs:
    r: int = 64
    """LoRA rank."""
    alpha: int = 64
    """LoRA scaling numerator (alpha / r scales the update)."""
    dropout: float = 0.0
    """Dropout on the LoRA input."""
    target_modules: tuple[str, ...] = (
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    )
    """Linear layers that get adapters: all attention and MLP projections."""


@dataclass(frozen=True)
class DataArgs:
    data_dir: str | None = None
    """Dataset folder (prompts.jsonl, turns.jsonl, …); None: assets/data/empath."""
    extra_files: tuple[str, ...] = ()
    """More local JSONL files: published react-respond-reflect (`text`) or chat (`messages`)."""
    persona: str = "empath"
    """Persona card whose system text and few-shot examples frame every prompt."""
    few_shot: int | None = None
    """Few-shot examples of the card kept in prompts; None: all of them, exactly as the app."""
    max_prompts: int | None = None
    """Use at most this many training prompts (smoke runs)."""


@dataclass(frozen=True)
class SftArgs:
    enabled: bool = True
    """Run the supervised warm-up on the exemplary turns before GRPO."""
    epochs: float = 2.0
    """Passes over the exemplary turns."""
    max_steps: int = -1
    """Stop after this many optimiser steps (-1: by epochs)."""
    learning_rate: float = 2e-4
    """Peak learning rate (LoRA)."""
    batch_size: int = 4
    """Per-device batch size."""
    grad_accum: int = 1
    """Gradient accumulation steps."""
    max_length: int = 2048
    """Truncate prompt + completion to this many tokens."""


@dataclass(frozen=True)
class GrpoArgs:
    enabled: bool = True
    """Run GRPO after the warm-up."""
    max_steps: int = 250
    """Optimiser steps."""
    learning_rate: float = 5e-6
    """Peak learning rate."""
    num_generations: int = 8
    """Completions sampled per prompt (the group GRPO normalises within)."""
    batch_size: int = 8
    """Per-device batch size in completions; a multiple of num_generations."""
    grad_accum: int = 1
    """Gradient accumulation steps."""
    max_completion_length: int = 192
    """Tokens generated per completion."""
    temperature: float = 0.9
    """Sampling temperature of the rollouts."""
    beta: float = 0.0
    """KL coefficient against the reference model (0: no reference copy kept)."""
    max_grad_norm: float = 0.1
    """Gradient clipping."""
    lr_scheduler: str = "cosine"
    """Learning-rate schedule."""
    warmup_ratio: float = 0.1
    """Fraction of steps spent warming up."""
    vllm_if_installed: bool = False
    """Generate rollouts with vLLM (colocated) when the package is importable (GPU runs)."""


@dataclass(frozen=True)
class RunArgs:
    output_dir: str = "runs/empath"
    """Where checkpoints, adapters, metrics and exports go."""
    seed: int = 0
    """Seed for python, numpy, torch, sampling and data order."""
    save_steps: int = 50
    """Checkpoint every this many optimiser steps."""
    save_total_limit: int = 3
    """Checkpoints kept per stage."""
    logging_steps: int = 1
    """Log metrics every this many steps."""
    resume: bool = True
    """Continue from the last checkpoint of an interrupted run; skip finished stages."""


@dataclass(frozen=True)
class ExportArgs:
    merged: bool = True
    """`all` writes the adapter merged into the base as one quantised GGUF (`--model`)."""
    lora: bool = False
    """`all` writes the adapter as a GGUF LoRA over the base GGUF (`export-lora`)."""
    install_adapter: bool = False
    """Copy the GGUF LoRA of an embedded-model run to assets/models/, where the app loads it
    over the embedded model; off: the export says where to copy it."""
    lora_outtype: Literal["f32", "f16", "bf16", "q8_0"] = "f16"
    """Tensor type of the GGUF LoRA."""
    quantization: str = "Q4_K_M"
    """llama.cpp quantisation type of the exported GGUF (and of a converted base)."""
    keep_f16: bool = False
    """Keep the unquantised f16 GGUF next to the quantised one."""
    converter_dir: str | None = None
    """A llama.cpp checkout with convert_hf_to_gguf.py and convert_lora_to_gguf.py; None: the
    copies in the source distribution of the installed llama-cpp-python (fetched once from
    PyPI, then cached)."""
    sdist: str | None = None
    """A downloaded llama_cpp_python-<installed version>.tar.gz to take the converters from
    instead of fetching it (machines without network)."""


@dataclass(frozen=True)
class EvalArgs:
    models: tuple[str, ...] = ("embedded",)
    """GGUF files to evaluate side by side ('embedded': the app's default model; 'X+L.gguf':
    X with the GGUF LoRA L applied)."""
    split: Literal["train", "eval"] = "eval"
    """Which prompts: the held-out split by default."""
    limit: int | None = None
    """Evaluate only the first N prompts of the split."""
    few_shot: int | None = None
    """Few-shot examples in prompts (None: all of the persona card's, as in the app)."""
    max_tokens: int = 256
    """Tokens generated per turn."""
    temperature: float = 0.7
    """Sampling temperature (the app's default)."""
    top_p: float = 0.95
    """Nucleus sampling."""
    n_ctx: int = 4096
    """llama.cpp context size."""
    n_threads: int | None = None
    """CPU threads for llama.cpp; None: its default."""
    output_dir: str | None = None
    """Where the report goes; None: <run.output_dir>/eval."""


@dataclass(frozen=True)
class Config:
    run: RunArgs = field(default_factory=RunArgs)
    """Output, seeds, checkpoints."""
    model: ModelArgs = field(default_factory=ModelArgs)
    """Base model and prompt style."""
    lora: LoraArgs = field(default_factory=LoraArgs)
    """Adapter shape."""
    data: DataArgs = field(default_factory=DataArgs)
    """Dataset and prompts."""
    sft: SftArgs = field(default_factory=SftArgs)
    """Supervised warm-up."""
    grpo: GrpoArgs = field(default_factory=GrpoArgs)
    """Reinforcement stage."""
    rewards: RewardWeights = field(default_factory=RewardWeights)
    """Weights of the reward components."""
    export: ExportArgs = field(default_factory=ExportArgs)
    """GGUF export."""
    eval: EvalArgs = field(default_factory=EvalArgs)
    """Evaluation."""


class ConfigError(Exception):
    """A config file with an unknown key or a value of the wrong type."""


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table")
        return _build(tp, value, where)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list")
        return tuple(value)
    if origin is Literal:
        if value not in typing.get_args(tp):
            raise ConfigError(f"{where}: {value!r} is not one of {typing.get_args(tp)}")
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(tp, type) and not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    return value


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - names
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(names)}")
    return cls(**{k: _coerce(hints[k], v, f"{where}.{k}") for k, v in table.items()})


def load_config(path: str | Path | None) -> Config:
    """The config of a TOML file (missing keys keep their defaults); None: all defaults."""
    if path is None:
        return Config()
    with Path(path).open("rb") as f:
        table = tomllib.load(f)
    return _build(Config, table, str(path))
