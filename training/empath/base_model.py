"""Loading the base model for training and export, wherever it comes from.

Sources (`ModelArgs.source`): 'tiny' (built offline from a config), 'embedded' (the app's
Gemma 3 270M GGUF), a .gguf path (transformers dequantises it), or a Hugging Face id/folder.

The export needs a SentencePiece `tokenizer.model` beside the merged weights for models whose
llama.cpp vocabulary is SentencePiece (Llama-style, Gemma). A tiny model has one. For a GGUF
source it is rebuilt from the GGUF's own vocabulary (`write_sentencepiece_from_gguf`) so the
converter can run, and afterwards the export's `tokenizer.*` metadata is replaced by the base
file's (`transplant_vocabulary`): SentencePiece escapes spaces, so whitespace pieces that
llama.cpp matches literally would not survive the round trip byte for byte otherwise.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from training.empath.config import Config
from training.empath.tiny_model import TOKENIZER_MODEL, build_tiny_model

logger = logging.getLogger(__name__)


def _gguf_path(source: str) -> Path | None:
    if source == "embedded":
        from empath_desktop.llm.model_files import default_model_path

        return default_model_path()
    if source.endswith(".gguf"):
        return Path(source).expanduser()
    return None


def tiny_corpus() -> list[str]:
    """Text the tiny model's tokenizer is trained on: the dataset and the app's prompt."""
    from training.empath.data import load_data, prompt_builder, render_exchange_body

    data = load_data()
    builder = prompt_builder()
    texts = [builder.transcript((), (), "")]
    texts += [p.text for p in data.prompts]
    texts += [f"{e.prompt.text}\n{render_exchange_body(e.exchange)}" for e in data.examples]
    return texts


def base_dir(cfg: Config) -> Path:
    """Folder of the tiny base model of a run (tiny sources only)."""
    return Path(cfg.run.output_dir) / "base"


def load_base(cfg: Config) -> tuple[Any, Any]:
    """(model, tokenizer) of the configured source, in the configured dtype, offline-friendly."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    m = cfg.model
    dtype = getattr(torch, m.dtype)
    kwargs: dict[str, Any] = {"dtype": dtype}
    if m.attn_implementation:
        kwargs["attn_implementation"] = m.attn_implementation
    gguf = _gguf_path(m.source)
    if m.source == "tiny":
        where = build_tiny_model(base_dir(cfg), m.tiny, tiny_corpus(), cfg.run.seed)
        tokenizer = AutoTokenizer.from_pretrained(str(where))
        model = AutoModelForCausalLM.from_pretrained(str(where), **kwargs)
    elif gguf is not None:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, **kwargs
        )
        # transformers dequantises GGUF weights into plain tensors but still marks the model
        # as GGUF-quantised, which makes the Trainer refuse it and the saved config lie.
        if getattr(model, "hf_quantizer", None) is not None:
            model.hf_quantizer.remove_quantization_config(model)
    else:
        tokenizer = AutoTokenizer.from_pretrained(m.source)
        model = AutoModelForCausalLM.from_pretrained(m.source, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def write_sentencepiece_from_gguf(gguf: Path, target: Path) -> None:
    """Rebuild a SentencePiece model file from a GGUF's `tokenizer.ggml.*` vocabulary.

    llama.cpp's token types are SentencePiece's piece types (1 normal … 6 byte), so the pieces,
    scores and types round-trip unchanged through the converter.
    """
    from gguf import GGUFReader
    from sentencepiece import sentencepiece_model_pb2 as sp_pb2

    reader = GGUFReader(str(gguf))

    def field(name: str) -> Any:
        return reader.fields[name].contents()

    if field("tokenizer.ggml.model") != "llama":
        raise ValueError(f"{gguf} has no SentencePiece vocabulary")
    tokens, scores, types = (
        field("tokenizer.ggml.tokens"),
        field("tokenizer.ggml.scores"),
        field("tokenizer.ggml.token_type"),
    )
    proto = sp_pb2.ModelProto()
    for text, score, kind in zip(tokens, scores, types, strict=True):
        proto.pieces.add(piece=text, score=float(score), type=int(kind))
    spec = proto.trainer_spec
    spec.model_type = sp_pb2.TrainerSpec.BPE
    spec.vocab_size = len(tokens)
    spec.byte_fallback = any(int(k) == 6 for k in types)
    spec.unk_id = int(field("tokenizer.ggml.unknown_token_id"))
    spec.bos_id = int(field("tokenizer.ggml.bos_token_id"))
    spec.eos_id = int(field("tokenizer.ggml.eos_token_id"))
    spec.pad_id = int(field("tokenizer.ggml.padding_token_id"))
    norm = proto.normalizer_spec
    norm.name = "identity"
    norm.add_dummy_prefix = bool(field("tokenizer.ggml.add_space_prefix"))
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    target.write_bytes(proto.SerializeToString())


def base_gguf(cfg: Config) -> Path | None:
    """The GGUF file the base model was loaded from, if any."""
    return _gguf_path(cfg.model.source)


def transplant_vocabulary(base: Path, converted: Path, target: Path) -> None:
    """Write `converted` to `target` with every `tokenizer.*` key taken from `base` instead,
    and the `general.*` keys (licence, tags) that only `base` has."""
    import gguf

    donor, reader = gguf.GGUFReader(str(base)), gguf.GGUFReader(str(converted))
    arch = reader.fields[gguf.Keys.General.ARCHITECTURE].contents()
    writer = gguf.GGUFWriter(str(target), arch=arch)

    def copy(field: Any) -> None:
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), kind, sub_type=sub)

    for f in reader.fields.values():
        if f.name.startswith(("GGUF.", "tokenizer.")) or f.name == gguf.Keys.General.ARCHITECTURE:
            continue  # the writer adds the header and architecture itself
        copy(f)
    converted_keys = set(reader.fields)
    for f in donor.fields.values():
        # The vocabulary, and provenance the conversion drops (licence, tags, base name).
        if f.name.startswith("tokenizer.") or (
            f.name.startswith("general.") and f.name not in converted_keys
        ):
            copy(f)
    for t in reader.tensors:
        writer.add_tensor_info(t.name, t.data.shape, t.data.dtype, t.data.nbytes, t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for t in reader.tensors:
        writer.write_tensor_data(t.data, tensor_endianess=reader.endianess)
    writer.close()


def write_tokenizer_model(cfg: Config, target_dir: Path) -> None:
    """Put the SentencePiece model of the base beside exported weights, where there is one."""
    gguf = _gguf_path(cfg.model.source)
    if cfg.model.source == "tiny":
        shutil.copyfile(base_dir(cfg) / TOKENIZER_MODEL, target_dir / TOKENIZER_MODEL)
    elif gguf is not None:
        write_sentencepiece_from_gguf(gguf, target_dir / TOKENIZER_MODEL)
    # A Hugging Face source ships its own tokenizer files (byte-level BPE for Qwen); the
    # converter reads those.
