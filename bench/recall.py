"""Long-term memory recall time with many notes stored (issue 15: ≤ 20 ms with 10,000).

    python bench/recall.py [--notes 10000] [--queries 200]

Fills a fresh SQLite file in a temporary folder with facts and impressions, then times
`LongTermMemory.recall` on varied messages. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from empath_desktop.store.longterm import LongTermMemory

WORDS = (
    "garden", "kite", "violin", "Berlin", "Paris", "exam", "sister", "dog", "cat",
    "grandmother", "bakery", "train", "marathon", "chess", "painting", "guitar", "bicycle",
    "harbour", "winter", "summer", "birthday", "nurse", "teacher", "river",
)
MESSAGES = (
    "Where do I live these days?",
    "Do you remember my dog's name?",
    "I am nervous about the exam next week.",
    "What did I tell you about my sister?",
    "Let's talk about music, I have been practising a lot.",
    "Nothing special happened today.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        memory = LongTermMemory(Path(tmp) / "memory.db")
        t0 = time.perf_counter()
        now = time.time()
        for i in range(args.notes):
            words = " ".join(rng.choice(WORDS) for _ in range(8))
            kind = "fact" if i % 3 else "impression"
            memory.remember(kind, f"bench:{i}", f"Note {i}: the user mentioned {words}.",
                            rng.random(), turn=i, now=now - rng.random() * 90 * 86400)
        fill_s = time.perf_counter() - t0
        times = []
        for i in range(args.queries):
            t1 = time.perf_counter()
            memory.recall(MESSAGES[i % len(MESSAGES)])
            times.append((time.perf_counter() - t1) * 1000.0)
        memory.close()
    times.sort()
    print(json.dumps({
        "notes": args.notes,
        "queries": args.queries,
        "fill_s": round(fill_s, 2),
        "recall_ms_median": round(statistics.median(times), 2),
        "recall_ms_p95": round(times[int(0.95 * (len(times) - 1))], 2),
        "recall_ms_max": round(times[-1], 2),
        "target_ms": 20,
    }, indent=2))


if __name__ == "__main__":
    main()
