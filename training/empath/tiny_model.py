"""A tiny, randomly initialised Llama with a SentencePiece tokenizer, built offline.

Used by the CI smoke test and `model.source = "tiny"`: it exercises the whole pipeline (SFT,
GRPO, merge, GGUF conversion, quantisation, llama.cpp) in seconds, without a download.

Why SentencePiece: llama.cpp's converter reads a SentencePiece `tokenizer.model` for Llama
models directly, while a byte-level BPE tokenizer is only accepted if its pre-tokenizer is one
the converter knows by hash, which a freshly trained one never is.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from training.empath.config import TinyModelArgs

logger = logging.getLogger(__name__)

TOKENIZER_MODEL = "tokenizer.model"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def train_tokenizer(corpus: Iterable[str], vocab_size: int) -> bytes:
    """A SentencePiece BPE model (serialised) with byte fallback, so no text is unknown.

    Deterministic: one thread, no sampling or shuffling of the input.
    """
    import sentencepiece as spm

    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(corpus)),
        model_writer=out,
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # a small corpus may support fewer merges than asked for
        model_type="bpe",
        byte_fallback=True,
        character_coverage=1.0,
        split_digits=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        # Identity normalisation keeps newlines and spacing, which the transcript format needs.
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=True,
        num_threads=1,
        seed_sentencepiece_size=100_000,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    return out.getvalue()


def build_tiny_model(
    directory: Path, args: TinyModelArgs, corpus: Iterable[str], seed: int
) -> Path:
    """Write a tiny Llama (config, safetensors weights, tokenizer) to `directory`.

    Deterministic for a given corpus and seed; reused if already complete.
    """
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if (directory / "config.json").exists() and (directory / TOKENIZER_MODEL).exists():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    (directory / TOKENIZER_MODEL).write_bytes(train_tokenizer(corpus, args.vocab_size))
    (directory / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "LlamaTokenizer",
                "bos_token": "<s>",
                "eos_token": "</s>",
                "unk_token": "<unk>",
                "add_bos_token": True,
                "add_eos_token": False,
                "legacy": False,
                # A minimal template so the tiny model can stand in for chat models too.
                "chat_template": CHAT_TEMPLATE,
            }
        )
    )
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_hidden_layers=args.num_layers,
        num_attention_heads=args.num_heads,
        num_key_value_heads=args.num_kv_heads,
        max_position_embeddings=args.max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    logger.info(
        "built a tiny Llama (%d parameters, vocabulary %d) in %s",
        sum(p.numel() for p in model.parameters()),
        len(tokenizer),
        directory,
    )
    return directory
