"""SoundDeviceSink against a stand-in `sounddevice` module (this machine has no PortAudio):
device negotiation, the callback path, timestamps, failures.

The stand-in device also owns the clock the sink reads: each callback runs one block after the
last, so timestamps are exact and no assertion depends on how fast this machine is."""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np
import pytest

from empath_desktop.voice import sinks as audio_out
from empath_desktop.voice.espeak import EspeakEngine
from empath_desktop.voice.sinks import (
    AudioOutputError,
    OutputDevice,
    SoundDeviceSink,
    list_output_devices,
)
from empath_desktop.voice.speaker import Speaker


class PortAudioError(Exception):
    pass


class FakeStream:
    def __init__(self, fake: FakeSoundDevice, **kwargs) -> None:
        if fake.fail_open:
            raise PortAudioError("Device unavailable [PaErrorCode -9985]")
        self.fake = fake
        self.kwargs = kwargs
        self.latency = 0.03
        self.started = self.closed = False
        fake.streams.append(self)

    def start(self) -> None:
        self.started = True

    def close(self, ignore_errors: bool = True) -> None:
        self.closed = True
        self.kwargs["finished_callback"]()

    def pull(self, dac_ahead: float | None) -> tuple[np.ndarray, float]:
        """One PortAudio callback, one block period after the previous one; returns the block
        and the time (the sink's clock) the callback ran at."""
        channels, frames = self.kwargs["channels"], self.kwargs["blocksize"]
        self.fake.now += frames / self.kwargs["samplerate"]
        out = np.full((frames, channels), 7.0, np.float32)
        stream_now = 1000.0
        info = SimpleNamespace(
            currentTime=0.0 if dac_ahead is None else stream_now,
            outputBufferDacTime=0.0 if dac_ahead is None else stream_now + dac_ahead,
        )
        self.kwargs["callback"](out, frames, info, None)
        return out, self.fake.now

    def pull_until_sound(
        self, dac_ahead: float | None, timeout: float = 10.0
    ) -> tuple[np.ndarray, float]:
        """Pull blocks (silence until the synthesis thread has queued audio) until one carries
        sound; the timeout only bounds a hang."""
        deadline = time.perf_counter() + timeout
        while True:
            out, made = self.pull(dac_ahead)
            if out.any():
                return out, made
            assert time.perf_counter() < deadline, "no audio reached the device"
            time.sleep(0.002)


class FakeSoundDevice:
    PortAudioError = PortAudioError

    def __init__(self, rates: tuple[int, ...] = (22050, 44100, 48000), channels: int = 2) -> None:
        self.rates = rates
        self.channels = channels
        self.fail_open = False
        self.streams: list[FakeStream] = []
        self.default = SimpleNamespace(device=(0, 1))
        self.now = 500.0  # the sink's clock (time.perf_counter in audio_out), see `fake_sd`

    def query_devices(self, device=None, kind=None):
        devices = [
            {"name": "mic", "max_output_channels": 0, "default_samplerate": 48000.0},
            {"name": "speakers", "max_output_channels": self.channels, "default_samplerate": 4.8e4},
        ]
        if kind is None:
            return devices
        if device not in (None, 1, "speakers"):
            raise ValueError(f"No output device matching {device!r}")
        return devices[1]

    def check_output_settings(self, device=None, channels=None, dtype=None, samplerate=None):
        if samplerate not in self.rates:
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")

    def OutputStream(self, **kwargs) -> FakeStream:  # noqa: N802 — the real API's name
        return FakeStream(self, **kwargs)


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    fake = FakeSoundDevice()
    monkeypatch.setattr(audio_out, "_import_sounddevice", lambda: fake)
    # The sink stamps blocks with time.perf_counter(): read the fake device's clock instead.
    monkeypatch.setattr(audio_out, "time", SimpleNamespace(perf_counter=lambda: fake.now))
    return fake


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def test_list_output_devices_lists_outputs_only(fake_sd: FakeSoundDevice) -> None:
    assert list_output_devices() == [OutputDevice(1, "speakers", 2, 48000.0, True)]


def test_callback_plays_speech_on_every_channel_stamped_with_dac_time(
    fake_sd: FakeSoundDevice, engine: EspeakEngine
) -> None:
    failures: list[str] = []
    speaker = Speaker(engine, SoundDeviceSink(on_failure=failures.append))
    (stream,) = fake_sd.streams
    assert stream.started and stream.kwargs["samplerate"] == 22050
    assert stream.kwargs["blocksize"] == 512 and stream.kwargs["channels"] == 2
    speaker.say("Ah.")
    assert speaker.wait_until_done(0.0) is False
    out, made = stream.pull_until_sound(dac_ahead=None)  # no host timestamps: nominal latency
    assert np.abs(out).max() > 0.01 and np.array_equal(out[:, 0], out[:, 1])
    assert speaker.level_at(made + stream.latency + 0.015) > 0
    out, made = stream.pull(dac_ahead=0.25)
    # The level is heard 0.25 s after the callback ran, not when it was computed.
    assert speaker.level_at(made + 0.25 + 0.015) > 0
    assert speaker.level_at(made + 0.2) == 0.0
    speaker.close()
    assert stream.closed and failures == []


def test_a_device_refusing_the_engine_rate_gets_resampled_audio(
    fake_sd: FakeSoundDevice, engine: EspeakEngine
) -> None:
    fake_sd.rates = (48000,)
    speaker = Speaker(engine, SoundDeviceSink())
    try:
        assert speaker.sample_rate == 48000
        assert fake_sd.streams[0].kwargs["samplerate"] == 48000
    finally:
        speaker.close()


def test_device_errors_become_status_messages(fake_sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioOutputError, match="no audio output device"):
        SoundDeviceSink(device="headphones").open(22050)
    fake_sd.fail_open = True
    with pytest.raises(AudioOutputError, match="cannot open the audio output"):
        SoundDeviceSink().open(22050)


def test_a_stream_that_dies_reports_it(fake_sd: FakeSoundDevice) -> None:
    failures: list[str] = []
    sink = SoundDeviceSink(on_failure=failures.append)
    sink.open(22050)
    fake_sd.streams[0].kwargs["finished_callback"]()  # PortAudio: the device went away
    assert failures == ["Voice off: the audio output stopped"]
