"""Benchmark `engine.reaction.parse_reaction`: speed and agreement with the labelled dev set.

    python bench/reaction.py [--data tests/chat/data/react_labels.jsonl] [--repeat 50]

Prints one JSON object: microseconds per call (median and p95 over every call; each dev text
is parsed `repeat` times), the import/compile time of the lexicon, and expression / posture /
both agreement with the human labels, overall and per label.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "tests" / "chat" / "data" / "react_labels.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled JSONL file")
    parser.add_argument("--repeat", type=int, default=50, help="parses per text for timing")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from empath_desktop.chat.reaction import parse_reaction

    import_ms = (time.perf_counter() - started) * 1e3

    with args.data.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    texts = [row["text"] for row in rows]

    for text in texts:  # warm-up: caches, branch predictors, lazy allocations
        parse_reaction(text)
    timings_ns: list[int] = []
    clock = time.perf_counter_ns
    gc.disable()  # a collection landing in one call says nothing about the parser
    try:
        for _ in range(args.repeat):
            for text in texts:
                t0 = clock()
                parse_reaction(text)
                timings_ns.append(clock() - t0)
    finally:
        gc.enable()
    timings_ns.sort()

    readings = [parse_reaction(text) for text in texts]
    hits_e = [r.expression == row["expression"] for r, row in zip(readings, rows, strict=True)]
    hits_p = [r.posture == row["posture"] for r, row in zip(readings, rows, strict=True)]
    n = len(rows)

    def per_label(key: str, hits: list[bool]) -> dict[str, float]:
        total = Counter(row[key] for row in rows)
        good = Counter(row[key] for row, hit in zip(rows, hits, strict=True) if hit)
        return {label: round(good[label] / count, 3) for label, count in sorted(total.items())}

    result = {
        "data": str(args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT) else args.data),
        "n": n,
        "calls": len(timings_ns),
        "us_per_call_median": round(statistics.median(timings_ns) / 1e3, 2),
        "us_per_call_p95": round(timings_ns[int(0.95 * (len(timings_ns) - 1))] / 1e3, 2),
        "import_ms": round(import_ms, 1),
        "expression_agreement": round(sum(hits_e) / n, 4),
        "posture_agreement": round(sum(hits_p) / n, 4),
        "both_agreement": round(sum(e and p for e, p in zip(hits_e, hits_p, strict=True)) / n, 4),
        "mean_confidence": round(statistics.fmean(r.confidence for r in readings), 3),
        "expression_by_label": per_label("expression", hits_e),
        "posture_by_label": per_label("posture", hits_p),
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
