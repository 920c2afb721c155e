"""In-process llama.cpp vs the same model behind a loopback OpenAI-compatible server
(llama-cpp-python's `llama_cpp.server`), and the LLM teacher's decisions/s with 1, 4 and 8
concurrent CartPole environments over that server. Prints one JSON object.

    .venv/bin/python bench/server.py [--turns 3] [--decisions 16] [--model PATH]
        [--reaction appraise|write|local|all] [--only in_process|server] [--cache] [--no-teacher]

- chat, per backend and reaction mode (median over turns after one warm-up turn, same
  messages, same seeds, the app's own Pipeline: `appraise` scores the reaction on a sibling of
  the backend, `write` lets the model write its react, `local` scores it on the embedded model
  in this process whatever the backend (the app's default over a server; in-process it is
  `appraise`)): send → first parsed reaction, → respond done, and generation tokens/s. The
  ratio server/in-process is given per mode and for the app's defaults (server `local` vs
  in-process `appraise`);
- stop: ms from setting the cancel event to the server's last generated token (the server's
  own count, tests/servers.py), after 5 streamed chunks of a 1000-token request;
- teacher: decisions/s of `lab.teachers.LLMTeacher` (no cache: every decision asks the model)
  with 1, 4 and 8 environments played at once by the lab's `lab.fleet.play_fleet`, each in its
  own thread with its own teacher on a sibling of the server backend (a lock of its own, one
  shared connection pool), about `decisions` in total (an episode may end sooner).
  llama_cpp.server serves one request at a time, so here concurrency buys only the overlap of
  the HTTP round trips; a batching server (vLLM, llama-server with `--parallel`) decodes the
  concurrent requests together.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

from empath_desktop.chat.appraisal import APPRAISAL_CTX, Appraiser
from empath_desktop.chat.pipeline import Pipeline, PipelineConfig, TurnRecorded
from empath_desktop.chat.prompts import load_persona
from empath_desktop.lab.fleet import fleet_backends, play_fleet
from empath_desktop.lab.teachers import LLMTeacher
from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.cpu import physical_cores
from empath_desktop.llm.model_files import default_model_path
from empath_desktop.llm.server import ServerBackend, ServerConfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import LocalServer

MESSAGES = [
    "Hi there! I just got back from a trip to Japan.",
    "I can't believe my sister forgot my birthday again.",
    "I'm so nervous about my job interview tomorrow.",
    "I finally finished my first marathon!",
    "My grandmother passed away last week.",
]


def chat(backend: LlamaBackend | ServerBackend, turns: int, mode: str) -> dict[str, object]:
    """The app's own pipeline, the reaction decided as `mode` says (see the module's doc)."""
    config = PipelineConfig(sampling=Sampling(temperature=0.7, seed=1), appraise=mode != "write")
    local = None
    if mode == "local" and isinstance(backend, ServerBackend):
        # Threads fixed, as for the in-process backend here: the thread governor would count
        # the loopback server's last generation as another process's load.
        scorer = BackendConfig(
            model_path=str(default_model_path()), n_ctx=APPRAISAL_CTX, n_threads=physical_cores()
        )
        local = Appraiser(LlamaBackend(scorer))
    pipeline = Pipeline(backend, load_persona("empath"), config, appraiser=local)
    appraiser = pipeline.appraiser
    list(pipeline.run_turn("Hello!"))  # warm the persona prefix and the appraisal
    rows: dict[str, list[float]] = {"reaction_ms": [], "respond_done_ms": [], "tok_s": []}
    well_formed = 0
    for text in (MESSAGES * 3)[:turns]:
        events = list(pipeline.run_turn(text))
        record = next(e.record for e in events if isinstance(e, TurnRecorded))
        well_formed += record.report.well_formed
        rows["reaction_ms"].append(record.timings["reaction_ms"])
        rows["respond_done_ms"].append(record.timings["respond_done_ms"])
        rows["tok_s"].append(record.generated_tokens / max(record.generation_s, 1e-9))
    out = {f"{k}_median": round(statistics.median(v), 1) for k, v in rows.items()}
    out["well_formed"] = f"{well_formed}/{turns}"
    if appraiser is not None and isinstance(appraiser.backend, ServerBackend):
        out["choose"] = appraiser.backend._choose_mode
    if local is not None:
        local.close()
    return out


def stop_ms(backend: ServerBackend, server: LocalServer) -> float:
    cancel = threading.Event()
    stream = backend.stream("Once upon a time,", max_tokens=1000, cancel=cancel)
    for n, _ in enumerate(stream, 1):
        if n == 5:
            clicked = time.monotonic()
            cancel.set()
    previous = None
    while (now := server.generated()) != previous:  # settled: nothing generated since
        previous = now
        time.sleep(0.05)
    return round(max(0.0, previous[1] - clicked) * 1000.0, 1)


def teacher_rate(backend: ServerBackend, envs: int, decisions: int) -> float:
    """Decisions/s of `envs` uncached teachers played at once through the lab's own fleet
    (`lab.fleet`: a sibling backend and a thread per environment)."""
    persona = load_persona("newton")
    teachers = [LLMTeacher(b, persona, cache=False) for b in fleet_backends(backend, envs)]
    t0 = time.perf_counter()
    runs = play_fleet(teachers, list(range(envs)), max_steps=max(1, decisions // envs))
    return round(sum(map(len, runs)) / (time.perf_counter() - t0), 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=3)
    ap.add_argument("--decisions", type=int, default=16)
    ap.add_argument("--model", default=None)
    ap.add_argument(
        "--reaction",
        choices=("appraise", "write", "local", "all"),
        default="all",
        help="how the reaction is decided: closed-set scoring on a sibling of the backend, the "
        "model writing its react, scoring on the embedded model locally (the app's default "
        "over a server), or all three, one after the other",
    )
    ap.add_argument(
        "--only", choices=("in_process", "server"), help="measure one backend (shorter runs)"
    )
    ap.add_argument(
        "--cache", action="store_true", help="start llama_cpp.server with its prompt cache"
    )
    ap.add_argument("--no-teacher", action="store_true", help="skip the teacher decisions/s")
    ap.add_argument(
        "--logits-all",
        action="store_true",
        help="serve log-probabilities (exact choose(); slower: llama-cpp-python then keeps "
        "and normalises every prompt token's logits over the vocabulary)",
    )
    args = ap.parse_args()
    model = Path(args.model or default_model_path())
    threads = physical_cores()
    modes = ("appraise", "write", "local") if args.reaction == "all" else (args.reaction,)
    result: dict[str, object] = {"load_avg_1m": os.getloadavg()[0], "threads": threads}

    if args.only != "server":
        local = LlamaBackend(BackendConfig(model_path=str(model), n_threads=threads))
        for mode in modes:
            if mode != "local":  # in-process, scoring locally is `appraise`
                result[f"in_process_{mode}"] = chat(local, args.turns, mode)
        local.close()

    if args.only != "in_process":
        served = LocalServer(
            model, n_ctx=4096, n_threads=threads, logits_all=args.logits_all, cache=args.cache
        )
        result["server_logits_all"] = args.logits_all
        result["server_cache"] = args.cache
        with served as server:
            remote = ServerBackend(ServerConfig.from_url(server.url))
            for mode in modes:
                result[f"server_{mode}"] = chat(remote, args.turns, mode)
            result["stop_ms"] = stop_ms(remote, server)
            if not args.no_teacher:
                result["teacher_decisions_per_s"] = {
                    str(n): teacher_rate(remote, n, args.decisions) for n in (1, 4, 8)
                }
            remote.close()
    pairs = [(mode, mode) for mode in modes] + [("local", "appraise")]  # the defaults
    for mode, in_process in pairs:
        ours, theirs = result.get(f"in_process_{in_process}"), result.get(f"server_{mode}")
        if isinstance(ours, dict) and isinstance(theirs, dict):
            ratio = theirs["reaction_ms_median"] / ours["reaction_ms_median"]
            name = "defaults" if mode != in_process else mode
            result[f"reaction_ratio_{name}"] = round(ratio, 2)
    result["load_avg_1m_end"] = os.getloadavg()[0]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
