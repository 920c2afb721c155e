"""Chat turns and teacher decisions on a quiet machine and with one core busy. Prints JSON.

    .venv/bin/python bench/busy.py [--turns 6] [--decisions 30] [--model PATH]

For each thread policy — `auto` (the app's default: `cpu.ThreadGovernor` follows the load),
`all` (every physical core, the old default) and `one` — the same turns (fresh conversation,
warm persona prefix, fixed seeds) and the same CartPole-teacher decisions (`choose()`) run
twice: quiet, then while a second process spins on one core (`python -c "while True: pass"`).
Reported per policy: median ms per turn, ms per generated token, decisions/s, and loaded ÷
quiet. The targets: with one core busy a turn takes at most 2x its quiet time, and `auto` is
quiet within 10 % of `all`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from empath_desktop.chat.pipeline import Pipeline, PipelineConfig, TurnRecorded
from empath_desktop.chat.prompts import load_persona
from empath_desktop.lab.teachers import LLMTeacher
from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.cpu import physical_cores
from empath_desktop.llm.model_files import default_model_path

MESSAGES = [
    "Hi there! I just got back from a trip to Japan.",
    "I'm so nervous about my job interview tomorrow.",
    "My cat knocked my coffee onto my laptop. Again.",
    "I finally finished my first marathon!",
    "My grandmother passed away last week.",
    "What should I cook for dinner tonight?",
]


@contextmanager
def one_busy_core() -> Iterator[None]:
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(1.0)  # the burner is running and the governor's window has seen it
        yield
    finally:
        burner.kill()
        burner.wait()


def turns(pipeline: Pipeline, n: int) -> dict:
    walls, per_token = [], []
    for i in range(n):
        pipeline.reset()
        start = time.perf_counter()
        events = list(pipeline.run_turn(MESSAGES[i % len(MESSAGES)]))
        wall = time.perf_counter() - start
        record = next(e.record for e in events if isinstance(e, TurnRecorded))
        walls.append(wall)
        per_token.append(wall / max(1, record.generated_tokens))
    return {
        "turn_ms": round(statistics.median(walls) * 1000, 1),
        "ms_per_token": round(statistics.median(per_token) * 1000, 2),
    }


def decisions(teacher: LLMTeacher, n: int) -> float:
    states = np.random.default_rng(0).normal(0, [0.3, 0.3, 0.05, 0.3], size=(n + 1, 4))
    states = states.astype(np.float32)
    teacher.decide(states[0])  # back from chat turns: the teacher's prefix is evaluated again
    start = time.perf_counter()
    for obs in states[1:]:
        teacher.decide(obs)
    return round(n / (time.perf_counter() - start), 2)


def measure(path: str, n_threads: int | None, n_turns: int, n_decisions: int) -> dict:
    backend = LlamaBackend(BackendConfig(model_path=path, n_threads=n_threads))
    try:
        config = PipelineConfig(sampling=Sampling(temperature=0.7, seed=1))
        pipeline = Pipeline(backend, load_persona("empath"), config)
        pipeline.warm()
        teacher = LLMTeacher(backend, load_persona("newton"), cache=False)
        result: dict = {"quiet": turns(pipeline, n_turns)}
        result["quiet"]["decisions_per_s"] = decisions(teacher, n_decisions)
        result["quiet"]["threads_used"] = backend.threads
        with one_busy_core():
            result["one_core_busy"] = turns(pipeline, n_turns)
            result["one_core_busy"]["decisions_per_s"] = decisions(teacher, n_decisions)
            result["one_core_busy"]["threads_used"] = backend.threads
        q, b = result["quiet"], result["one_core_busy"]
        result["busy_over_quiet"] = {
            "turn": round(b["turn_ms"] / q["turn_ms"], 2),
            "decision": round(q["decisions_per_s"] / b["decisions_per_s"], 2),
        }
        return result
    finally:
        backend.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=6)
    ap.add_argument("--decisions", type=int, default=30)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    path = args.model or str(default_model_path())
    cores = physical_cores()
    policies = {"auto": None, "all": cores, "one": 1}
    results = {name: measure(path, n, args.turns, args.decisions) for name, n in policies.items()}
    auto, every = results["auto"]["quiet"], results["all"]["quiet"]
    print(
        json.dumps(
            {
                "cpu": _cpu_name(),
                "physical_cores": cores,
                "load_before": os.getloadavg()[0],
                "policies": results,
                "auto_quiet_turn_vs_all": round(auto["turn_ms"] / every["turn_ms"], 3),
            }
        )
    )


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
