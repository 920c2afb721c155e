"""The playback buffer every sink plays from: order, silence, epochs, gain, resampling and the
level/viseme timeline stamped with the time audio is heard."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest

from empath_desktop.voice.sinks import NullSink, PlaybackBuffer, mouth_level
from tests.waiting import wait_for

RATE = 22050


def tone(seconds: float, amplitude: float = 0.5, rate: int = RATE) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def render(buffer: PlaybackBuffer, frames: int, dac_time: float, channels: int = 1) -> np.ndarray:
    out = np.full((frames, channels), 9.0, np.float32)  # garbage: render must overwrite it all
    buffer.render(out, dac_time)
    return out


def test_mouth_level_is_zero_for_silence_and_one_for_loud_speech() -> None:
    assert mouth_level(0.0) == 0.0
    assert mouth_level(10 ** (-60 / 20)) == 0.0
    assert mouth_level(0.3) == 1.0
    levels = mouth_level(np.logspace(-3, -0.5, 20))
    assert np.all(np.diff(levels) >= 0) and 0 < levels[10] < 1


def test_render_plays_pushed_audio_in_order_then_silence() -> None:
    buffer = PlaybackBuffer(RATE)
    a, b = tone(0.01), tone(0.02, 0.25)
    assert buffer.push(a, epoch=buffer.epoch) and buffer.push(b, epoch=buffer.epoch)
    assert buffer.pending_frames() == a.size + b.size
    out = np.concatenate([render(buffer, 256, k * 1.0)[:, 0] for k in range(4)])
    np.testing.assert_allclose(out[: a.size + b.size], np.concatenate([a, b]), atol=1e-6)
    assert not out[a.size + b.size :].any()
    assert buffer.pending_frames() == 0


def test_int16_input_and_every_channel_are_filled() -> None:
    buffer = PlaybackBuffer(RATE)
    buffer.push(np.array([16384, -16384, 0], np.int16), epoch=0)
    out = render(buffer, 4, 0.0, channels=2)
    np.testing.assert_allclose(out, [[0.5, 0.5], [-0.5, -0.5], [0, 0], [0, 0]])


def test_clear_silences_the_next_block_and_rejects_stale_pushes() -> None:
    buffer = PlaybackBuffer(RATE)
    old = buffer.epoch
    buffer.push(tone(1.0), epoch=old)
    assert np.abs(render(buffer, 512, 0.0)).max() > 0.4
    new = buffer.clear()
    assert new != old
    assert not render(buffer, 512, 0.1).any()
    assert not buffer.push(tone(0.1), epoch=old)  # a synthesis that finished after stop()
    assert buffer.pending_frames() == 0
    assert buffer.push(tone(0.1), epoch=new)


def test_gain_scales_the_output_but_not_the_mouth() -> None:
    loud, quiet = PlaybackBuffer(RATE), PlaybackBuffer(RATE)
    quiet.set_gain(0.1)
    for buffer in (loud, quiet):
        buffer.push(tone(0.05), epoch=0)
    out_loud, out_quiet = render(loud, 512, 0.0), render(quiet, 512, 0.0)
    np.testing.assert_allclose(out_quiet, 0.1 * out_loud, atol=1e-6)
    assert loud.level_at(0.005) == quiet.level_at(0.005) > 0.5


def test_level_timeline_is_stamped_with_the_time_audio_is_heard() -> None:
    buffer = PlaybackBuffer(RATE, hop=256)
    silence_s = 2048 / RATE
    buffer.push(np.concatenate([np.zeros(2048, np.float32), tone(0.2)]), epoch=0)
    heard_at = 100.0
    for k in range(8):
        render(buffer, 512, heard_at + k * 512 / RATE)
    assert buffer.level_at(heard_at + silence_s - 0.002) == 0.0
    assert buffer.level_at(heard_at + silence_s + 0.002) > 0.8
    assert buffer.level_at(heard_at - 1.0) == 0.0  # before anything was played
    assert buffer.level_at(heard_at + 10.0) == 0.0  # after everything rendered so far
    assert buffer.audible_until() == pytest.approx(heard_at + 8 * 512 / RATE)


def test_visemes_change_at_their_sample_offsets() -> None:
    buffer = PlaybackBuffer(RATE, hop=256)
    buffer.push(tone(0.1), [(0, "mbp"), (1024, "aa"), (1700, "oo")], epoch=0)
    for k in range(6):
        render(buffer, 512, k * 512 / RATE)
    hop = 256 / RATE
    assert [buffer.viseme_at((k + 0.5) * hop) for k in (0, 3, 4, 6, 7, 8)] == [
        "mbp", "mbp", "aa", "aa", "oo", "oo",
    ]  # fmt: skip
    assert buffer.viseme_at(0.2) == "rest"  # past the end of the audio: silence


def test_push_resamples_to_the_output_rate() -> None:
    buffer = PlaybackBuffer(44100)
    buffer.push(tone(0.1), [(1102, "aa")], epoch=0, sample_rate=RATE)
    assert buffer.pending_frames() == pytest.approx(4410, abs=1)
    for k in range(9):
        render(buffer, 512, k * 512 / 44100)
    assert buffer.viseme_at(0.045) == "rest" and buffer.viseme_at(0.055) == "aa"


def test_realtime_null_sink_paces_blocks_like_a_device(tmp_path: Path) -> None:
    buffer = PlaybackBuffer(RATE)
    sink = NullSink(blocksize=512, realtime=True, record=True, wav_path=tmp_path / "out.wav")
    sink.open(RATE)
    buffer.push(tone(0.1), epoch=0)
    period = 512 / RATE
    start = time.perf_counter()
    sink.start(buffer)
    try:
        assert wait_for(lambda: len(sink.played()) >= 8)
        # Paced like a device, never ahead of it: no block is handed out earlier than one
        # block (the latency) before it is heard. Only ordering: a busy machine is just later.
        assert sink.played()[-1].dac_time <= time.perf_counter() + period + 1e-3
    finally:
        sink.close()
    played = sink.played()
    # One block period apart, or more after a stall (it resumes rather than catching up).
    gaps = np.diff([block.dac_time for block in played])
    assert np.all(gaps >= period - 1e-9)
    assert played[0].dac_time >= start + period - 0.005  # at least one block of latency
    with wave.open(str(tmp_path / "out.wav")) as wav:
        assert wav.getframerate() == RATE and wav.getnframes() == len(played) * 512


def test_fast_null_sink_consumes_audio_only_when_there_is_some() -> None:
    buffer = PlaybackBuffer(RATE)
    sink = NullSink(blocksize=512, realtime=False, record=True)
    sink.open(RATE)
    sink.start(buffer)
    period = 512 / RATE
    first, second = int(np.ceil(tone(0.5).size / 512)), int(np.ceil(tone(0.1).size / 512))
    try:
        buffer.push(tone(0.5), epoch=0)
        assert wait_for(lambda: len(sink.played()) >= first)
        buffer.push(tone(0.1), epoch=0)  # after an idle spell
        assert wait_for(lambda: len(sink.played()) >= first + second)
        played = sink.played()
    finally:
        sink.close()
    # Nothing was consumed while nothing was pending (before the first push, between the two):
    # every block played carries pushed audio, and the virtual clock has no gaps.
    assert len(played) == first + second
    assert all(block.samples.any() for block in played)
    assert [block.dac_time for block in played] == pytest.approx(
        [k * period for k in range(first + second)]
    )
    assert sink.clock() == pytest.approx((first + second) * period)
