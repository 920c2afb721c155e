"""Voice: synthesis speed, first-audio latency, lip-sync offset, stop. Prints one JSON object.

    .venv/bin/python bench/voice.py [--trials 5] [--token-ms 25] [--device null|pulse]

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

`--device pulse` measures the same figures through a real sound server instead: a private
PulseAudio with a null sink (tests/pulse.py starts it), the app's own `open_speaker` playing
through `sounddevice` on the default device, and the truth taken from a `parec` recording of
the sink's monitor (its clock aligned to the speaker's by read timestamps, see tests/pulse.py),
so output latency, resampling and the server's buffering are all in the figures. Each trial
streams one reply (first audio, lip sync); `--trials` more each stop one mid-sentence. Figures
are median, p95 and max over trials; lip sync is per trial, on the 1 ms grid as above.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.voice.espeak import EspeakEngine
from empath_desktop.voice.sinks import NullSink, PlayedBlock, mouth_level
from empath_desktop.voice.speaker import MouthState, Speaker, VoiceConfig, open_speaker
from empath_desktop.voice.speech_units import SpeechSplitter
from tests.pulse import PulseServer, Recorder, Recording, best_lag, step_on_grid, use_server

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
PULSE_TARGETS = {"first_audio_ms": 150.0, "lipsync_offset_ms": 40.0, "stop_to_silence_ms": 100.0}


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


@contextmanager
def mouth_samples(speaker: Speaker, polled: list[tuple[float, float]]) -> Iterator[None]:
    """Poll `current_level()` at 60 Hz, as the avatar's timer does, while the block runs."""
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            polled.append((time.perf_counter(), speaker.current_level()))
            time.sleep(1 / 60)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        yield
    finally:
        done.set()
        poller.join()


def lip_sync_lags(
    truth_t: np.ndarray, truth_levels: np.ndarray, hop_s: float, mouths: dict[str, list]
) -> dict[str, tuple[int, float]]:
    """(lag in ms, correlation) of each named mouth series [(time, level)] against the levels
    of the audio heard (one per hop, starting at `truth_t`), on a 1 ms grid."""
    grid = np.arange(truth_t[0], truth_t[-1], 0.001)
    truth = step_on_grid(truth_t, truth_levels, grid, hop_s)
    lags = {}
    for name, samples in mouths.items():
        t, v = np.array(samples).T
        lags[name] = best_lag(truth, step_on_grid(t, v, grid, np.inf))
    return lags


def bench_lip_sync(engine: EspeakEngine, token_s: float) -> dict:
    sink = NullSink(realtime=True, record=True)
    called: list[tuple[float, float]] = []

    def on_mouth(state: MouthState) -> None:
        called.append((time.perf_counter(), state.level))

    speaker = Speaker(engine, sink, on_mouth=on_mouth)
    polled: list[tuple[float, float]] = []
    with mouth_samples(speaker, polled):
        stream(speaker, tokens_of(" ".join(REPLIES[:3])), token_s, [])
        speaker.wait_until_done(30)
    speaker.close()

    rate = speaker.sample_rate
    times, levels = [], []
    for block in sink.played():
        hops = block.samples.reshape(-1, HOP)
        times += [block.dac_time + k * HOP / rate for k in range(len(hops))]
        levels += list(mouth_level(np.sqrt(np.mean(hops**2, axis=1))))
    truth_t = np.array(times)
    result: dict = {"audio_s": round(float(truth_t[-1] - truth_t[0]), 2)}
    lags = lip_sync_lags(
        truth_t, np.array(levels), HOP / rate, {"callback": called, "poll_60hz": polled}
    )
    for name, (lag, corr) in lags.items():
        samples = called if name == "callback" else polled
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


def spread(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values), 1),
        "p95": round(float(np.percentile(values, 95)), 1),
        "max": round(max(values), 1),
    }


def recorded(recorder: Recorder, until: float, timeout: float = 10.0) -> Recording:
    """The recording once it covers what was played up to `until`."""
    deadline = time.perf_counter() + timeout
    while recorder.recorded_until() < until and time.perf_counter() < deadline:
        time.sleep(0.005)
    return recorder.snapshot()


def pulse_reply_trial(server: PulseServer, reply: str, token_s: float) -> dict:
    """Stream one reply through the app's voice into the sound server; first audio and lip
    sync from the recording."""
    called: list[tuple[float, float]] = []
    speaker, status = open_speaker(
        VoiceConfig(), on_mouth=lambda state: called.append((state.time, state.level))
    )
    if speaker is None:
        raise RuntimeError(status.message)
    tokens = tokens_of(reply)
    k = first_unit_token(tokens)
    stamps: list[float] = []
    polled: list[tuple[float, float]] = []
    try:
        with server.record(speaker.sample_rate) as recorder, mouth_samples(speaker, polled):
            stream(speaker, tokens, token_s, stamps)
            speaker.wait_until_done(60)
            recording = recorded(recorder, time.perf_counter() + 0.2)
    finally:
        speaker.close()
    heard, end = recording.first_sound(stamps[0]), recording.last_sound()
    if heard is None or end is None:
        raise RuntimeError("no audio came out of the sound server")
    times, rms = recording.envelope(HOP)
    speech = (times > heard - 0.2) & (times < end + 0.2)
    lags = lip_sync_lags(
        times[speech],
        mouth_level(rms[speech]),
        HOP / recording.rate,
        {"callback": called, "poll_60hz": polled},
    )
    return {"first_audio_ms": (heard - stamps[k]) * 1000, "lags": lags}


def pulse_stop_trial(server: PulseServer, reply: str) -> float:
    """Stop mid-sentence after 0.3 s of heard speech; ms until the recording is silent."""
    speaker, status = open_speaker(VoiceConfig())
    if speaker is None:
        raise RuntimeError(status.message)
    try:
        with server.record(speaker.sample_rate) as recorder:
            speaker.say(reply)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                start = recorder.snapshot().first_sound()
                if start is not None and recorder.recorded_until() > start + 0.3:
                    break
                time.sleep(0.005)
            stopped = time.perf_counter()
            speaker.stop()
            recording = recorded(recorder, stopped + 0.5)
    finally:
        speaker.close()
    end = recording.last_sound()
    return max(0.0, (end or stopped) - stopped) * 1000


def bench_pulse(trials: int, token_s: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="empath-pulse-") as root:
        server = PulseServer(Path(root)).start()
        try:
            with use_server(server):
                pulse_stop_trial(server, REPLIES[0])  # warm-up: PortAudio, eSpeak NG, server
                replies = [
                    pulse_reply_trial(server, REPLIES[i % len(REPLIES)], token_s)
                    for i in range(trials)
                ]
                stops = [pulse_stop_trial(server, REPLIES[i % len(REPLIES)]) for i in range(trials)]
        finally:
            server.kill()
    lip_sync = {
        name: {
            "offset_ms": spread([float(r["lags"][name][0]) for r in replies]),
            "abs_offset_ms": spread([float(abs(r["lags"][name][0])) for r in replies]),
            "corr_min": round(min(r["lags"][name][1] for r in replies), 3),
        }
        for name in ("callback", "poll_60hz")
    }
    first_audio = spread([r["first_audio_ms"] for r in replies])
    stop = spread(stops)
    worst_lag = max(lip_sync[k]["abs_offset_ms"]["p95"] for k in lip_sync)
    return {
        "sink": "PulseAudio 'default' via ALSA's pulse plugin (sounddevice, blocksize 512), "
        f"null sink at {server.sink_rate} Hz, recorded from its monitor",
        "trials": trials,
        "first_audio_ms": first_audio,
        "lipsync_offset_ms": lip_sync,
        "stop_to_silence_ms": stop,
        "targets": PULSE_TARGETS,
        "meets_targets": {
            "first_audio_ms": bool(first_audio["p95"] <= PULSE_TARGETS["first_audio_ms"]),
            "lipsync_offset_ms": bool(worst_lag <= PULSE_TARGETS["lipsync_offset_ms"]),
            "stop_to_silence_ms": bool(stop["p95"] <= PULSE_TARGETS["stop_to_silence_ms"]),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--token-ms", type=float, default=25.0)
    parser.add_argument(
        "--device",
        choices=("null", "pulse"),
        default="null",
        help="null: the NullSink, no audio needed; pulse: a private PulseAudio server",
    )
    args = parser.parse_args()
    token_s = args.token_ms / 1000
    machine = f"{platform.machine()} {platform.system()}, python {platform.python_version()}"
    if args.device == "pulse":
        report = {
            "device": "pulse",
            "machine": machine,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "token_ms": args.token_ms,
            **bench_pulse(args.trials, token_s),
        }
        print(json.dumps(report, indent=2))
        return

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
        "machine": machine,
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
