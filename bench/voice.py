"""Voice: synthesis speed, first-audio latency, lip-sync offset, stop. Prints one JSON object.

    .venv/bin/python bench/voice.py [--trials 5] [--token-ms 25]

Replies are streamed into a `Speaker` token by token at `--token-ms` (a small local model's
pace), playing through a real-time `NullSink` — the same buffer/envelope code path as the
PortAudio sink, with one block of output latency, the played samples recorded with the time
they are heard. No audio device is needed.

- synthesis: eSpeak NG seconds of speech per second of compute, sentence by sentence as the
  Speaker calls it (target ≥ 20×);
- first_audio_ms: from feeding the token that completes the first sentence (the splitter needs
  the character after a period) to the first speech sample being heard (target ≤ 150 ms); also
  from the token carrying the sentence's final punctuation;
- lip_sync: lag maximising the correlation between the mouth level the avatar is given
  (`on_mouth` callbacks, and `current_level()` polled at 60 Hz, each held until the next) and
  the envelope of the samples actually played, on a 1 ms grid; positive = mouth late
  (target |lag| ≤ 40 ms);
- stop_to_silence_ms: `stop()` called mid-sentence → the first silent sample heard;
- poll_cost_us: one `current_level()` + `current_viseme()` call, as the avatar's timer makes.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import threading
import time

import numpy as np

from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.voice.espeak import EspeakEngine
from empath_desktop.voice.sinks import NullSink, PlayedBlock, mouth_level
from empath_desktop.voice.speaker import MouthState, Speaker
from empath_desktop.voice.speech_units import SpeechSplitter

REPLIES = [
    "That sounds wonderful! Japan in spring must have been beautiful. What did you enjoy most?",
    "Oh no, I'm sorry. Forgetting a birthday stings, especially from family. Did you tell her?",
    "Great question. Sunlight scatters off air molecules, and blue light scatters the most.",
    "It's normal to be nervous. You prepared well, e.g. you practised answers. You'll do fine.",
    "Well... that's unlucky. Turn it off, dry it out, and don't power it on for a day or two.",
    "Sometimes I wonder about that. Talking with you is never boring, though! Tell me more.",
]
HOP = 256
TARGETS = {"first_audio_ms": 150.0, "lip_sync_offset_ms": 40.0, "x_realtime": 20.0}


def tokens_of(text: str) -> list[str]:
    """LLM-like tokens: words carry their leading space, punctuation comes alone."""
    return re.findall(r"\s?\w+|\s?[^\w\s]", text)


def first_unit_token(tokens: list[str]) -> int:
    splitter = SpeechSplitter()
    for i, token in enumerate(tokens):
        if splitter.feed(token):
            return i
    raise ValueError("reply has no complete first sentence before its end")


def stream(speaker: Speaker, tokens: list[str], token_s: float, stamps: list[float]) -> None:
    """Feed tokens on a steady clock, recording when each was fed."""
    due = time.perf_counter()
    for token in tokens:
        due += token_s
        time.sleep(max(0.0, due - time.perf_counter()))
        stamps.append(time.perf_counter())
        speaker.speak_delta(token)
    speaker.finish()


def first_heard(blocks: list[PlayedBlock], rate: int, after: float = -np.inf) -> float | None:
    for block in blocks:
        loud = np.flatnonzero(np.abs(block.samples) > 1e-4)
        if block.dac_time >= after and loud.size:
            return block.dac_time + loud[0] / rate
    return None


def wait_heard(sink: NullSink, rate: int, timeout: float = 3.0) -> None:
    deadline = time.perf_counter() + timeout
    while first_heard(sink.played(), rate) is None and time.perf_counter() < deadline:
        time.sleep(0.002)


def bench_synthesis(engine: EspeakEngine, repeats: int = 5) -> dict:
    units = [u for reply in REPLIES for u in SpeechSplitter().feed(reply + "\n")]
    settings = VoiceStyle()
    for unit in units[:2]:
        list(engine.synthesize(unit, settings))  # warm up
    walls, audio = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        audio = sum(c.samples.size for u in units for c in engine.synthesize(u, settings))
        walls.append(time.perf_counter() - start)
    wall = statistics.median(walls)
    audio_s = audio / engine.sample_rate
    return {
        "units": len(units),
        "audio_s": round(audio_s, 2),
        "wall_ms": round(wall * 1000, 1),
        "x_realtime": round(audio_s / wall, 1),
    }


def bench_first_audio(engine: EspeakEngine, trials: int, token_s: float) -> dict:
    complete, terminator = [], []
    for trial in range(trials):
        tokens = tokens_of(REPLIES[trial % len(REPLIES)])
        k = first_unit_token(tokens)
        sink = NullSink(realtime=True, record=True)
        speaker = Speaker(engine, sink)
        stamps: list[float] = []
        feeder = threading.Thread(target=stream, args=(speaker, tokens, token_s, stamps))
        feeder.start()
        wait_heard(sink, speaker.sample_rate)
        feeder.join()
        speaker.close()
        heard = first_heard(sink.played(), speaker.sample_rate)
        assert heard is not None, "no audio"
        complete.append(float(heard - stamps[k]) * 1000)
        terminator.append(float(heard - stamps[k - 1]) * 1000)
    return {
        "median": round(statistics.median(complete), 1),
        "max": round(max(complete), 1),
        "after_terminator_median": round(statistics.median(terminator), 1),
        "trials": trials,
    }


def step_on_grid(
    times: np.ndarray, values: np.ndarray, grid: np.ndarray, hold: float
) -> np.ndarray:
    """Value of the last sample at or before each grid time (0 past `hold` seconds)."""
    ix = np.searchsorted(times, grid, side="right") - 1
    out = np.where(ix >= 0, values[np.clip(ix, 0, None)], 0.0)
    return np.where((ix >= 0) & (grid < times[np.clip(ix, 0, None)] + hold), out, 0.0)


def best_lag(truth: np.ndarray, mouth: np.ndarray, max_lag: int = 150) -> tuple[int, float]:
    """Lag L (grid steps) maximising corr(mouth(t), truth(t - L))."""
    best = (0, -1.0)
    n = truth.size
    for lag in range(-max_lag, max_lag + 1):
        a = mouth[max(0, lag) : n + min(0, lag)]
        b = truth[max(0, -lag) : n - max(0, lag)]
        corr = float(np.corrcoef(a, b)[0, 1])
        if corr > best[1]:
            best = (lag, corr)
    return best


def bench_lip_sync(engine: EspeakEngine, token_s: float) -> dict:
    sink = NullSink(realtime=True, record=True)
    called: list[tuple[float, float]] = []

    def on_mouth(state: MouthState) -> None:
        called.append((time.perf_counter(), state.level))

    speaker = Speaker(engine, sink, on_mouth=on_mouth)
    polled: list[tuple[float, float]] = []
    playing = threading.Event()

    def poll() -> None:  # the avatar's 60 Hz timer
        while not playing.is_set():
            polled.append((time.perf_counter(), speaker.current_level()))
            time.sleep(1 / 60)

    poller = threading.Thread(target=poll)
    poller.start()
    stream(speaker, tokens_of(" ".join(REPLIES[:3])), token_s, [])
    speaker.wait_until_done(30)
    playing.set()
    poller.join()
    speaker.close()

    rate = speaker.sample_rate
    times, levels = [], []
    for block in sink.played():
        hops = block.samples.reshape(-1, HOP)
        times += [block.dac_time + k * HOP / rate for k in range(len(hops))]
        levels += list(mouth_level(np.sqrt(np.mean(hops**2, axis=1))))
    truth_t, truth_l = np.array(times), np.array(levels)
    grid = np.arange(truth_t[0], truth_t[-1], 0.001)
    truth = step_on_grid(truth_t, truth_l, grid, HOP / rate)
    result: dict = {"audio_s": round(float(truth_t[-1] - truth_t[0]), 2)}
    for name, samples in (("callback", called), ("poll_60hz", polled)):
        t, v = np.array(samples).T
        lag, corr = best_lag(truth, step_on_grid(t, v, grid, np.inf))
        result[name] = {"offset_ms": lag, "corr": round(corr, 3), "samples": len(samples)}
    return result


def bench_stop(engine: EspeakEngine, trials: int) -> dict:
    delays = []
    for _ in range(trials):
        sink = NullSink(realtime=True, record=True)
        speaker = Speaker(engine, sink)
        speaker.say(REPLIES[0])
        wait_heard(sink, speaker.sample_rate)
        time.sleep(0.3)
        stopped = time.perf_counter()
        speaker.stop()
        time.sleep(0.15)
        speaker.close()
        rate = speaker.sample_rate
        last = stopped
        for block in sink.played():
            loud = np.flatnonzero(np.abs(block.samples) > 1e-4)
            if block.dac_time + block.samples.size / rate > stopped and loud.size:
                last = max(last, block.dac_time + (loud[-1] + 1) / rate)
        delays.append(float(last - stopped) * 1000)
    return {"median": round(statistics.median(delays), 1), "max": round(max(delays), 1)}


def bench_poll_cost(engine: EspeakEngine, calls: int = 20000) -> float:
    speaker = Speaker(engine, NullSink(realtime=True))
    speaker.say(REPLIES[1])
    time.sleep(0.2)
    start = time.perf_counter()
    for _ in range(calls):
        speaker.current_level()
        speaker.current_viseme()
    cost = (time.perf_counter() - start) / calls * 1e6
    speaker.close()
    return round(cost, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--token-ms", type=float, default=25.0)
    args = parser.parse_args()
    token_s = args.token_ms / 1000

    engine = EspeakEngine()
    synthesis = bench_synthesis(engine)
    first_audio = bench_first_audio(engine, args.trials, token_s)
    lip_sync = bench_lip_sync(engine, token_s)
    stop = bench_stop(engine, args.trials)
    worst_lag = max(abs(lip_sync[k]["offset_ms"]) for k in ("callback", "poll_60hz"))
    report = {
        "engine": engine.name,
        "sample_rate": engine.sample_rate,
        "sink": "NullSink realtime, blocksize 512, one block (23 ms) output latency",
        "machine": f"{platform.machine()} {platform.system()}, python {platform.python_version()}",
        "token_ms": args.token_ms,
        "synthesis": synthesis,
        "first_audio_ms": first_audio,
        "lip_sync": lip_sync,
        "stop_to_silence_ms": stop,
        "poll_cost_us": bench_poll_cost(engine),
        "targets": TARGETS,
        "meets_targets": {
            "first_audio_ms": bool(first_audio["max"] <= TARGETS["first_audio_ms"]),
            "lip_sync_offset_ms": bool(worst_lag <= TARGETS["lip_sync_offset_ms"]),
            "x_realtime": bool(synthesis["x_realtime"] >= TARGETS["x_realtime"]),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
