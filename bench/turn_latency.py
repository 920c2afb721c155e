"""Turn latency and decoding speed of the three-stage pipeline. Prints one JSON object.

    .venv/bin/python bench/turn_latency.py [--turns 10] [--model PATH]

- latency (median over turns, warm prefix): send → first react char, → reaction parsed,
  → first respond token, → respond done, → reflect done;
- tokens/s of the guaranteed format (scaffolded sections) vs unconstrained generation vs
  GBNF grammar sampling, on the same prompts and token budgets;
- pipeline overhead: the same section prompts replayed through a bare llama-cpp-python loop
  with the same seeds (so the same tokens), wall time ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time

from llama_cpp import LlamaGrammar

from empath_desktop.engine.llm import BackendConfig, LlamaBackend, Sampling
from empath_desktop.engine.model_files import default_model_path
from empath_desktop.engine.pipeline import Pipeline, PipelineConfig, TurnRecorded
from empath_desktop.engine.prompts import load_persona

MESSAGES = [
    "Hi there! I just got back from a trip to Japan.",
    "I can't believe my sister forgot my birthday again.",
    "Why is the sky blue?",
    "I'm so nervous about my job interview tomorrow.",
    "My cat knocked my coffee onto my laptop. Again.",
    "Do you ever get bored?",
    "I finally finished my first marathon!",
    "I don't understand why my code keeps crashing.",
    "My grandmother passed away last week.",
    "What should I cook for dinner tonight?",
    "I accidentally called my teacher 'mum' today.",
    "Is it normal to feel lonely in a big city?",
]

GBNF = r"""
root ::= "<react>" text "</react>\n<respond>" text "</respond>\n<reflect>" text "</reflect>"
text ::= [^<]*
"""


class RecordingBackend:
    """Passes through to the real backend, remembering each section call for the replay."""

    def __init__(self, inner: LlamaBackend) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int, tuple[str, ...], Sampling]] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def stream(self, prompt: str, *, max_tokens: int, stop=(), sampling=None, cancel=None):
        self.calls.append((prompt, max_tokens, tuple(stop), sampling))
        return self.inner.stream(
            prompt, max_tokens=max_tokens, stop=stop, sampling=sampling, cancel=cancel
        )


def tokens_per_s(llm, prompts: list[str], max_tokens: int, grammar=None) -> float:
    n, dt = 0, 0.0
    for i, prompt in enumerate(prompts):
        llm.create_completion(prompt, max_tokens=1, seed=i)  # warm the prefix
        t0 = time.perf_counter()
        out = llm.create_completion(
            prompt, max_tokens=max_tokens, temperature=0.7, seed=i, grammar=grammar
        )
        dt += time.perf_counter() - t0
        n += out["usage"]["completion_tokens"]
    return n / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=10)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    log = logging.getLogger("bench")

    backend = LlamaBackend(BackendConfig(model_path=args.model or str(default_model_path())))
    recorder = RecordingBackend(backend)
    config = PipelineConfig(sampling=Sampling(temperature=0.7, seed=1))
    pipeline = Pipeline(recorder, load_persona("empath"), config)
    list(pipeline.run_turn("Hello!"))  # warm the persona prefix

    timings: dict[str, list[float]] = {}
    records = []
    turn_wall: list[float] = []
    replay_calls = []
    for text in (MESSAGES * 3)[: args.turns]:
        recorder.calls.clear()
        t0 = time.perf_counter()
        events = list(pipeline.run_turn(text))
        turn_wall.append(time.perf_counter() - t0)
        record = next(e.record for e in events if isinstance(e, TurnRecorded))
        records.append(record)
        replay_calls.append(list(recorder.calls))
        for key, value in record.timings.items():
            timings.setdefault(key, []).append(value)

    log.info("pipeline turns done")
    # Bare loop: the same prompts, budgets, stops and seeds through llama-cpp-python alone.
    llm = backend._llm
    bare_wall: list[float] = []
    for calls in replay_calls:
        llm.create_completion(calls[0][0], max_tokens=1)  # same warm state as the pipeline had
        t0 = time.perf_counter()
        for prompt, max_tokens, stop, s in calls:
            for _ in llm.create_completion(
                backend.tokenize(prompt, bos=True), max_tokens=max_tokens, stop=list(stop),
                stream=True, temperature=s.temperature, top_p=s.top_p, top_k=s.top_k,
                min_p=s.min_p, repeat_penalty=s.repeat_penalty, seed=s.seed,
            ):
                pass
        bare_wall.append(time.perf_counter() - t0)

    log.info("bare replay done")
    prompts = [pipeline.prompts.transcript([], [], m) for m in MESSAGES[:4]]
    budget = 64
    free_tps = tokens_per_s(llm, prompts, budget)
    log.info("unconstrained done")
    gbnf_tps = tokens_per_s(llm, prompts, budget, LlamaGrammar.from_string(GBNF, verbose=False))
    scaffold_tps = sum(r.generated_tokens for r in records) / sum(r.generation_s for r in records)

    result = {
        "model": backend.name,
        "turns": len(records),
        "well_formed": sum(r.report.well_formed for r in records) / len(records),
        "median_ms": {k: round(statistics.median(v), 1) for k, v in sorted(timings.items())},
        "tokens_per_s": {
            "guaranteed_scaffold": round(scaffold_tps, 1),
            "unconstrained": round(free_tps, 1),
            "gbnf": round(gbnf_tps, 1),
            "scaffold_vs_unconstrained": round(scaffold_tps / free_tps, 3),
            "gbnf_vs_unconstrained": round(gbnf_tps / free_tps, 3),
        },
        "pipeline_overhead": round(sum(turn_wall) / sum(bare_wall) - 1.0, 4),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
