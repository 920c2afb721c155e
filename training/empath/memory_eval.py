"""`python -m training.empath.memory_eval`: long-term memory, measured from the outside.

Per scenario of the two-session set (`assets/data/memory/dev.jsonl`, or `--data FILE` in the
same form: `session1`, 20 messages stating facts; `questions`, each `q` with `answer`, strings
of which one must appear in the reply), in a fresh data directory:

1. one `python -m empath_desktop.app chat --jsonl` process is told the session-1 messages;
2. a NEW process (a new conversation, the same data directory) is asked the questions.

A question counts as remembered when its reply contains one of its answers (case-insensitive).
Prints JSON: per scenario and in total, remembered of asked and well-formed turns; `--out FILE`
also writes every reply.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from empath_desktop.resources import assets_dir
from training.empath.mind_eval import run_conversation

logger = logging.getLogger(__name__)

DEFAULT_DATA = assets_dir() / "data" / "memory" / "dev.jsonl"


def remembered(reply: str, answers: Sequence[str]) -> bool:
    lowered = reply.lower()
    return any(answer.lower() in lowered for answer in answers)


def run_scenario(
    scenario: dict[str, Any], extra_args: Sequence[str], *, timeout_s: float
) -> dict[str, Any]:
    """Both sessions of one scenario in a private data directory."""
    with tempfile.TemporaryDirectory(prefix="empath-memory-eval-") as home:
        private = {"XDG_DATA_HOME": f"{home}/data", "XDG_CONFIG_HOME": f"{home}/config"}
        with mock.patch.dict(os.environ, private):  # the chat processes inherit it
            told = run_conversation(scenario["session1"], extra_args, timeout_s=timeout_s)
            questions = [q["q"] for q in scenario["questions"]]
            asked = run_conversation(questions, extra_args, timeout_s=timeout_s)
    rows = []
    for question, answer in zip(scenario["questions"], asked, strict=True):
        reply = str(answer.get("respond", ""))
        rows.append({
            "q": question["q"],
            "answer": question["answer"],
            "respond": reply,
            "remembered": remembered(reply, question["answer"]),
            "error": answer.get("error"),
        })
    return {
        "id": scenario.get("id", ""),
        "told_errors": sum(1 for t in told if "error" in t),
        "asked": len(rows),
        "remembered": sum(r["remembered"] for r in rows),
        "well_formed": sum(1 for a in asked if a.get("well_formed") and "error" not in a),
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="scenarios (JSONL)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed for empath chat")
    parser.add_argument("--chat-args", default="", help="more arguments for empath chat")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per session")
    parser.add_argument("--out", type=Path, help="write every reply here (JSON)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    scenarios = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    extra = ["--seed", str(args.seed), *args.chat_args.split()]
    results = [run_scenario(s, extra, timeout_s=args.timeout) for s in scenarios]
    summary = {
        "scenarios": len(results),
        "asked": sum(r["asked"] for r in results),
        "remembered": sum(r["remembered"] for r in results),
        "well_formed": sum(r["well_formed"] for r in results),
        "per_scenario": {r["id"]: f"{r['remembered']}/{r['asked']}" for r in results},
        "target": "≥ 8 of 10 per scenario",
    }
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), "utf-8")
    json.dump(summary, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
