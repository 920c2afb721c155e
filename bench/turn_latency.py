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

from empath_desktop.chat.appraisal import APPRAISAL_CTX, Appraiser
from empath_desktop.chat.pipeline import Pipeline, PipelineConfig, TurnRecorded
from empath_desktop.chat.prompts import load_persona
from empath_desktop.chat.tags import StreamParser
from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.model_files import default_model_path

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
    """Passes through to the real backend, remembering each generation (prompt, settings and
    how many pieces the pipeline consumed) for the bare replay."""

    def __init__(self, inner: LlamaBackend) -> None:
        self.inner = inner
        self.calls: list[dict] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def stream(self, prompt: str, *, max_tokens: int, stop=(), sampling=None, cancel=None):
        call = {"prompt": prompt, "stop": tuple(stop), "sampling": sampling, "pieces": 0}
        self.calls.append(call)
        for piece in self.inner.stream(
            prompt, max_tokens=max_tokens, stop=stop, sampling=sampling, cancel=cancel
        ):
            call["pieces"] += 1
            yield piece


def warm(llm, prefix: str) -> None:
    """Leave exactly `prefix` (plus one token) in the KV cache: every mode starts equal."""
    llm.create_completion(prefix, max_tokens=1, temperature=0.0)


def one_shot(llm, prompt: str, max_tokens: int, seed: int, grammar=None) -> int:
    out = llm.create_completion(
        prompt, max_tokens=max_tokens, temperature=0.7, seed=seed, grammar=grammar
    )
    return out["usage"]["completion_tokens"]


def parser_mb_per_s(records) -> float:
    """The tag parser fed real turns in 4-character chunks (smaller than real tokens)."""
    text = "".join(r.raw for r in records) * 200
    parser = StreamParser()
    t0 = time.perf_counter()
    for i in range(0, len(text), 4):
        parser.feed(text[i : i + 4])
    parser.finish()
    return len(text.encode()) / (time.perf_counter() - t0) / 1e6


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
    # The recorder is not a LlamaBackend, so the app's appraisal is given explicitly.
    appraiser = Appraiser(backend.sibling(APPRAISAL_CTX))
    pipeline = Pipeline(recorder, load_persona("empath"), config, appraiser=appraiser)
    list(pipeline.run_turn("Hello!"))  # warm the persona prefix

    llm = backend._llm
    grammar = LlamaGrammar.from_string(GBNF, verbose=False)
    timings: dict[str, list[float]] = {}
    records = []
    wall = {"scaffold": 0.0, "bare": 0.0, "free": 0.0, "gbnf": 0.0}
    tokens = {"scaffold": 0, "free": 0, "gbnf": 0}
    for i, text in enumerate((MESSAGES * 3)[: args.turns]):
        # Every mode starts from the same warm state: the conversation so far is cached, the
        # new user message is not.
        prompt = pipeline._fit_prompt(text)
        prefix = prompt[: prompt.rindex("\nUser:")]

        warm(llm, prefix)
        recorder.calls.clear()
        t0 = time.perf_counter()
        events = list(pipeline.run_turn(text))
        record = next(e.record for e in events if isinstance(e, TurnRecorded))
        # The bare loop replays the generation calls only: the reaction's scoring (and the
        # prompt fitting before it) is left out of the overhead comparison.
        wall["scaffold"] += time.perf_counter() - t0 - record.timings["reaction_ms"] / 1000
        records.append(record)
        tokens["scaffold"] += record.generated_tokens
        for key, value in record.timings.items():
            timings.setdefault(key, []).append(value)

        # Bare loop: the same section prompts, budgets, stops and seeds through
        # llama-cpp-python alone, so the same tokens come out.
        warm(llm, prefix)
        t0 = time.perf_counter()
        for call in recorder.calls:
            s = call["sampling"]
            for _ in llm.create_completion(
                backend.tokenize(call["prompt"], bos=True), max_tokens=max(1, call["pieces"]),
                stop=list(call["stop"]), stream=True, temperature=s.temperature, top_p=s.top_p,
                top_k=s.top_k, min_p=s.min_p, repeat_penalty=s.repeat_penalty, seed=s.seed,
            ):
                pass
        wall["bare"] += time.perf_counter() - t0

        # Unconstrained and grammar-constrained decoding of as many tokens as the scaffolded
        # turn produced, so the user message's evaluation is amortised over the same count.
        budget = record.generated_tokens
        warm(llm, prefix)
        t0 = time.perf_counter()
        tokens["free"] += one_shot(llm, prompt + "<react>", budget, seed=i)
        wall["free"] += time.perf_counter() - t0
        warm(llm, prefix)
        t0 = time.perf_counter()
        tokens["gbnf"] += one_shot(llm, prompt, budget, seed=i, grammar=grammar)
        wall["gbnf"] += time.perf_counter() - t0
        log.info("turn %d done", i + 1)

    rate = {k: tokens[k] / wall[k] for k in tokens}
    result = {
        "model": backend.name,
        "turns": len(records),
        "well_formed": sum(r.report.well_formed for r in records) / len(records),
        "median_ms": {k: round(statistics.median(v), 1) for k, v in sorted(timings.items())},
        # Generated tokens per wall second from send, user-message evaluation included.
        "tokens_per_s": {
            "guaranteed_scaffold": round(rate["scaffold"], 1),
            "unconstrained": round(rate["free"], 1),
            "gbnf": round(rate["gbnf"], 1),
            "scaffold_vs_unconstrained": round(rate["scaffold"] / rate["free"], 3),
            "gbnf_vs_unconstrained": round(rate["gbnf"] / rate["free"], 3),
        },
        "pipeline_overhead": round(wall["scaffold"] / wall["bare"] - 1.0, 4),
        "parser_mb_per_s": round(parser_mb_per_s(records), 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
