"""The Speaker end to end on a NullSink (the device code path without a device): streaming,
lip sync against what was played, stop, callbacks, and the no-PortAudio path."""

from __future__ import annotations

import importlib.abc
import itertools
import sys
import threading
import time

import numpy as np
import pytest

from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.voice.espeak import EspeakEngine
from empath_desktop.voice.sinks import NullSink, PlayedBlock, list_output_devices, mouth_level
from empath_desktop.voice.speaker import (
    MouthState,
    Speaker,
    VoiceConfig,
    VoiceStatus,
    open_speaker,
)
from tests.waiting import wait_for

TEXT = "Bob moved five boxes of vivid maps. Then he thought about it, and smiled."
HOP = 256


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def audible(blocks: list[PlayedBlock]) -> list[PlayedBlock]:
    return [b for b in blocks if np.abs(b.samples).max() > 1e-3]


def true_envelope(blocks: list[PlayedBlock], rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Hop start times and mouth levels computed from the samples the sink actually played."""
    times, levels = [], []
    for block in blocks:
        hops = block.samples.reshape(-1, HOP)
        times += [block.dac_time + k * HOP / rate for k in range(len(hops))]
        levels += list(mouth_level(np.sqrt(np.mean(hops**2, axis=1))))
    return np.array(times), np.array(levels)


def test_speaker_plays_what_the_engine_synthesised(engine: EspeakEngine) -> None:
    sink = NullSink(realtime=False, record=True)
    speaker = Speaker(engine, sink)
    try:
        speaker.say(TEXT)
        assert speaker.wait_until_done(30)
    finally:
        speaker.close()
    played = np.concatenate([b.samples for b in sink.played()])
    expected = sum(
        chunk.samples.size
        for unit in ("Bob moved five boxes of vivid maps.", "Then he thought about it, and smiled.")
        for chunk in engine.synthesize(unit, VoiceStyle())
    )
    assert abs(played.size - expected) < 2 * 512  # each unit's last block is padded with silence
    assert np.sqrt(np.mean(played**2)) > 0.03


def test_lip_sync_envelope_follows_the_played_audio(engine: EspeakEngine) -> None:
    sink = NullSink(realtime=False, record=True)
    speaker = Speaker(engine, sink)
    try:
        speaker.say(TEXT)
        assert speaker.wait_until_done(30)
        times, truth = true_envelope(sink.played(), speaker.sample_rate)
        middle = HOP / speaker.sample_rate / 2
        reported = np.array([speaker.level_at(t + middle) for t in times])
        visemes = {speaker.viseme_at(t + middle) for t in times}
    finally:
        speaker.close()
    assert truth.std() > 0.1
    corr = [np.corrcoef(np.roll(reported, lag), truth)[0, 1] for lag in range(-4, 5)]
    assert corr[4] > 0.95
    assert int(np.argmax(corr)) == 4  # best aligned with no shift
    assert {"mbp", "fv", "oo", "oh", "aa", "ee", "ih", "rest"} <= visemes


def test_speech_starts_while_the_reply_is_still_streaming(engine: EspeakEngine) -> None:
    sink = NullSink(realtime=True, record=True)
    speaker = Speaker(engine, sink)
    try:
        speaker.speak_delta("Hello")
        speaker.speak_delta(" there.")
        speaker.speak_delta(" How")
        assert speaker.is_speaking()  # "Hello there." is known complete now, and queued at once
        # Heard before the reply is finished: nothing below runs until it is.
        assert wait_for(lambda: audible(sink.played()))
        speaker.speak_delta(" are you?")
        speaker.finish()
        assert speaker.wait_until_done(30)
        assert not speaker.is_speaking()
    finally:
        speaker.close()


def test_stop_silences_within_one_buffer(engine: EspeakEngine) -> None:
    sink = NullSink(realtime=True, record=True, latency=0.0)
    speaker = Speaker(engine, sink)
    try:
        speaker.say(TEXT + " " + TEXT)  # ~10 s of speech: still playing when we stop
        assert wait_for(lambda: audible(sink.played()))
        speaker.stop()
        stopped = time.perf_counter()

        def after_stop() -> list[PlayedBlock]:
            # Blocks heard from one block after stop() were all rendered after it.
            return [b for b in sink.played() if b.dac_time >= stopped + 512 / speaker.sample_rate]

        assert wait_for(lambda: len(after_stop()) >= 3)
        assert not audible(after_stop())
        assert wait_for(lambda: not speaker.is_speaking())
        # The hop holding the last samples may outlast them by a few ms; then the mouth rests.
        assert wait_for(
            lambda: speaker.current_level() == 0.0 and speaker.current_viseme() == "rest"
        )
        resumed = len(sink.played())
        speaker.say("Next.")  # a new message speaks again
        assert wait_for(lambda: audible(sink.played()[resumed:]))
    finally:
        speaker.close()


def test_on_mouth_reports_the_level_while_speaking_then_rest(engine: EspeakEngine) -> None:
    states: list[MouthState] = []
    done = threading.Event()

    def on_mouth(state: MouthState) -> None:
        states.append(state)
        if not state.speaking:
            done.set()

    speaker = Speaker(engine, NullSink(realtime=True), on_mouth=on_mouth)
    try:
        speaker.say("Hello, mama.")
        assert done.wait(30)
    finally:
        speaker.close()  # joins the mouth thread: `states` is complete
    # The callback rate is the benchmark's business (bench/voice.py), not a test's.
    *speaking, last = states
    assert speaking and all(s.speaking for s in speaking)
    assert all(a.time < b.time for a, b in itertools.pairwise(states))
    assert max(s.level for s in speaking) > 0.5
    assert {s.viseme for s in speaking} >= {"mbp", "aa"}
    # Speech has ended: the mouth is told to rest, even if the last hop is still fading out.
    assert last == MouthState(last.time, 0.0, "rest", False)


def test_a_bad_voice_is_reported_and_the_speaker_keeps_working(engine: EspeakEngine) -> None:
    messages: list[str] = []
    sink = NullSink(realtime=False, record=True)
    speaker = Speaker(engine, sink, VoiceStyle(voice="xx-nope"), on_status=messages.append)
    try:
        speaker.say("Hello.")
        assert speaker.wait_until_done(30)
        assert messages and "xx-nope" in messages[0]
        speaker.set_voice(VoiceStyle())
        speaker.say("Hello.")
        assert speaker.wait_until_done(30)
        assert audible(sink.played())
    finally:
        speaker.close()


def test_close_is_idempotent_and_ends_the_threads(engine: EspeakEngine) -> None:
    before = set(threading.enumerate())
    speaker = Speaker(engine, NullSink(realtime=True), on_mouth=lambda state: None)
    speaker.speak_delta("Something long enough to be still speaking when we close. ")
    speaker.close()
    speaker.close()
    speaker.speak_delta("Ignored after close. ")
    assert wait_for(lambda: set(threading.enumerate()) <= before)


class _NoPortAudio(importlib.abc.MetaPathFinder):
    """Makes `import sounddevice` fail as it does where libportaudio2 is not installed."""

    def find_spec(self, name, path, target=None):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return None


@pytest.fixture
def no_portaudio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_NoPortAudio(), *sys.meta_path])


@pytest.mark.usefixtures("no_portaudio")
def test_without_portaudio_voice_is_off_with_a_clear_message() -> None:
    speaker, status = open_speaker(VoiceConfig())
    assert speaker is None and not status.enabled
    assert status.message == "Voice off: the PortAudio library is missing (install libportaudio2)"
    assert list_output_devices() == []


def test_voice_switched_off_in_settings() -> None:
    assert open_speaker(VoiceConfig(enabled=False)) == (None, VoiceStatus(False, "Voice off"))


def test_open_speaker_applies_the_user_settings_over_the_persona() -> None:
    persona = VoiceStyle(voice="en-gb", rate=150, pitch=70)
    config = VoiceConfig(rate=200, volume=0.5)
    assert config.settings_for(persona) == VoiceStyle("en-gb", 200, 70, 1.0)
    sink = NullSink(realtime=False, record=True)
    speaker, status = open_speaker(config, persona, sink=sink)
    assert speaker is not None
    try:
        assert status == VoiceStatus(True, "Voice on: eSpeak NG, en-gb")
        speaker.say("Half as loud.")
        assert speaker.wait_until_done(30)
        assert 0.1 < max(np.abs(b.samples).max() for b in sink.played()) <= 0.5
    finally:
        speaker.close()
