"""Seconds of one SFT step (forward + backward, LoRA) by how the loss meets the output layer.

    .venv/bin/python bench/train_step.py --config training/empath/configs/gemma270m.toml
        [--batch 2] [--few-shot N | --card-examples] [--max-length N]
        [--head full --head trl --head cut]

The same batch (the first `--batch` exemplary turns of the training split, rendered as the
config renders them; `--card-examples` keeps the persona card's few-shot examples as the app
sends them, the config's `few_shot` otherwise) is run through the base model with the config's
LoRA adapter, once per head:

- `full`: the model's own forward with labels: logits at every position (transformers);
- `trl`:  trl's fused head as SFTTrainer uses it; on a CPU it scores every position too
  (in vocabulary tiles: less memory, the same multiply-adds);
- `cut`:  `training.empath.completion_head`: the output layer at the answer's positions only.

Prints one JSON object: tokens per row, answer tokens, the loss and the seconds per head, and
the load average (the numbers move with whatever else the machine runs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from typing import Any

import torch

from training.empath.completion_head import completion_loss
from training.empath.config import load_config
from training.empath.data import load_data, prompt_builder, sft_rows
from training.empath.train import _load_for_training, seed_everything, tokenize_transcript_rows


def collate(rows: list[dict[str, Any]], pad_id: int, max_length: int) -> dict[str, Any]:
    """Right-padded batch; labels -100 on the prompt and the padding (SFTTrainer's layout)."""
    rows = [{k: v[:max_length] for k, v in r.items()} for r in rows]
    width = max(len(r["input_ids"]) for r in rows)
    ids, mask, labels = [], [], []
    for r in rows:
        pad = width - len(r["input_ids"])
        ids.append(r["input_ids"] + [pad_id] * pad)
        mask.append([1] * len(r["input_ids"]) + [0] * pad)
        labels.append(
            [t if m else -100 for t, m in zip(r["input_ids"], r["completion_mask"], strict=True)]
            + [-100] * pad
        )
    return {
        "input_ids": torch.tensor(ids),
        "attention_mask": torch.tensor(mask),
        "labels": torch.tensor(labels),
    }


def step(model: Any, batch: dict[str, Any], head: str) -> tuple[float, float]:
    """(loss, seconds) of one forward + backward."""
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    if head == "full":
        loss = model(**batch).loss
    elif head == "trl":
        loss = model(**batch, fused_lm_head=True).loss
    else:
        loss, _ = completion_loss(model, batch)
    loss.backward()
    return float(loss.detach()), round(time.perf_counter() - start, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--few-shot", type=int, default=None, help="override data.few_shot")
    parser.add_argument(
        "--card-examples", action="store_true", help="all of the card's few-shot examples"
    )
    parser.add_argument("--head", action="append", choices=("full", "trl", "cut"))
    parser.add_argument("--max-length", type=int, default=None, help="override sft.max_length")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:
        torch.set_num_threads(args.threads)

    cfg = load_config(args.config)
    few_shot = None if args.card_examples else args.few_shot
    if few_shot is None and not args.card_examples:
        few_shot = cfg.data.few_shot
    cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, few_shot=few_shot))
    if args.max_length:
        cfg = dataclasses.replace(cfg, sft=dataclasses.replace(cfg.sft, max_length=args.max_length))
    seed_everything(cfg.run.seed)

    t0 = time.perf_counter()
    model, tokenizer = _load_for_training(cfg)
    load_s = round(time.perf_counter() - t0, 1)
    model.train()
    builder = prompt_builder(cfg.data.persona, cfg.data.few_shot)
    rows = sft_rows(load_data(), builder, cfg.model.prompt_style)[: args.batch]
    batch = collate(
        tokenize_transcript_rows(rows, tokenizer), tokenizer.pad_token_id, cfg.sft.max_length
    )
    heads = args.head or ["trl", "cut"]
    if "trl" in heads:
        from trl.trainer.utils import add_fused_lm_head

        add_fused_lm_head(model.get_base_model(), outputs=("log_probs", "entropy", "is_top1"))
    results = {}
    for head in heads:
        loss, seconds = step(model, batch, head)
        results[head] = {"loss": round(loss, 6), "seconds": seconds}
    print(
        json.dumps(
            {
                "config": args.config,
                "source": cfg.model.source,
                "few_shot": cfg.data.few_shot,
                "batch": args.batch,
                "tokens_per_row": batch["attention_mask"].sum(1).tolist(),
                "answer_tokens": int((batch["labels"][:, 1:] != -100).sum()),
                "threads": torch.get_num_threads(),
                "model_load_s": load_s,
                "heads": results,
                "loadavg_1min": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
