"""The voice through a real sound server: the app's `open_speaker` (real eSpeak NG, the
`sounddevice` sink on the default device) plays into PulseAudio's null sink, whose monitor is
recorded, and the recording is what is checked: speech came out, a sentence plays as soon as it
is complete, the mouth follows what is heard, stop silences, a server that dies mid-sentence
turns the voice off with one line and a restarted one speaks again.

Recorded times are perf_counter times, as the speaker's (see tests/pulse.py for how the
recording's clock is aligned). Latencies are reported by `bench/voice.py --device pulse`; the
bounds asserted here are behaviour (before/after, silent/not), or wide enough never to depend on
this machine's speed.
"""

from __future__ import annotations

import time

import numpy as np

from empath_desktop.voice.sinks import mouth_level
from empath_desktop.voice.speaker import MouthState, Speaker, VoiceConfig, open_speaker
from tests.pulse import SILENCE, PulseServer, Recorder, Recording, best_lag, step_on_grid
from tests.waiting import wait_for

LONG = (
    "This sentence is long enough to be still playing when the test interrupts it, because it "
    "goes on and on about nothing in particular for several seconds."
)


def open_voice(**callbacks) -> Speaker:
    speaker, status = open_speaker(VoiceConfig(), **callbacks)
    assert speaker is not None, status.message
    return speaker


def recorded(recorder: Recorder, until: float) -> Recording:
    """The recording once it covers everything played up to `until` (perf_counter)."""
    assert wait_for(lambda: recorder.recorded_until() > until), "the recording stalled"
    return recorder.snapshot()


def sounding_for(recorder: Recorder, seconds: float) -> float:
    """Wait until speech has been heard for `seconds`; the time it started."""

    def heard() -> bool:
        start = recorder.snapshot().first_sound()
        return start is not None and recorder.recorded_until() > start + seconds

    assert wait_for(heard), "no speech came out of the sound server"
    start = recorder.snapshot().first_sound()
    assert start is not None
    return start


def test_speech_comes_out_and_the_mouth_follows_what_is_heard(pulse: PulseServer) -> None:
    states: list[MouthState] = []
    speaker = open_voice(on_mouth=states.append)
    try:
        with pulse.record(speaker.sample_rate) as recorder:
            said = time.perf_counter()
            speaker.say("Hello there. The quick brown fox jumps over the lazy dog.")
            assert speaker.wait_until_done(30)
            recording = recorded(recorder, time.perf_counter() + 0.2)
    finally:
        speaker.close()
    start, end = recording.first_sound(), recording.last_sound()
    assert start is not None and end is not None and said < start < end
    before = recording.between(recording.t0, start)
    speech = recording.between(start, end)
    assert np.all(np.abs(before) <= SILENCE)  # the floor: nothing but digital silence
    assert np.sqrt(np.mean(speech**2)) > 0.02 and np.abs(speech).max() > 0.2
    # Lip sync: the mouth levels the avatar was given, held until the next, against the
    # envelope of the recording on a 1 ms grid.
    hop = 256
    times, rms = recording.envelope(hop)
    grid = np.arange(start - 0.2, end + 0.2, 0.001)
    truth = step_on_grid(times, mouth_level(rms), grid, hop / recording.rate)
    t, level = np.array([(s.time, s.level) for s in states]).T
    lag, corr = best_lag(truth, step_on_grid(t, level, grid, np.inf))
    assert corr > 0.7 and abs(lag) < 150, (lag, corr)


def test_a_sentence_plays_as_soon_as_it_is_complete(pulse: PulseServer) -> None:
    speaker = open_voice()
    try:
        with pulse.record(speaker.sample_rate) as recorder:
            speaker.speak_delta("Hello")
            speaker.speak_delta(" there")
            completed = time.perf_counter()
            speaker.speak_delta(". And then")  # the sentence is complete; the reply goes on
            sounding_for(recorder, 0.1)
            recording = recorder.snapshot()
            speaker.finish()
            assert speaker.wait_until_done(30)
    finally:
        speaker.close()
    first = recording.first_sound()
    assert first is not None and first > completed


def test_stop_silences_the_sound_server(pulse: PulseServer) -> None:
    speaker = open_voice()
    try:
        with pulse.record(speaker.sample_rate) as recorder:
            speaker.say(LONG)
            sounding_for(recorder, 0.4)
            stopped = time.perf_counter()
            speaker.stop()
            assert speaker.wait_until_done(10)
            recording = recorded(recorder, stopped + 1.5)
    finally:
        speaker.close()
    assert np.abs(recording.between(stopped - 0.2, stopped)).max() > SILENCE  # was speaking
    # The sentence had seconds left; after stop the server plays only silence.
    assert np.all(np.abs(recording.between(stopped + 0.5, stopped + 1.5)) <= SILENCE)


def test_a_sound_server_dying_mid_sentence_turns_voice_off_then_a_new_one_speaks(
    pulse: PulseServer,
) -> None:
    statuses: list[str] = []
    speaker = open_voice(on_mouth=lambda state: None, on_status=statuses.append)
    try:
        with pulse.record(speaker.sample_rate) as recorder:
            speaker.say(LONG)
            sounding_for(recorder, 0.3)
            pulse.kill()
        assert wait_for(lambda: bool(statuses)), "the speaker did not notice"
        assert statuses == ["Voice off: the audio output stopped"]
    finally:
        speaker.close()  # what the window does on "Voice off"; it must not hang
    # Opening the voice while no server answers is a status line, not an exception.
    speaker, status = open_speaker(VoiceConfig())
    assert speaker is None and status.message.startswith("Voice off: cannot open")
    assert "\n" not in status.message
    pulse.start()
    speaker = open_voice()
    try:
        with pulse.record(speaker.sample_rate) as recorder:
            speaker.say("I am back.")
            assert speaker.wait_until_done(30)
            recording = recorded(recorder, time.perf_counter() + 0.2)
    finally:
        speaker.close()
    assert recording.first_sound() is not None
