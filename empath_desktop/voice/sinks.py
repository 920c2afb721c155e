"""Audio output: the playback buffer every sink plays from, and the sinks.

All sinks pull audio through `PlaybackBuffer.render(out, dac_time)`, which also records the
mouth level and viseme of every hop it hands out, stamped with the time those samples reach the
listener. The avatar therefore sees the envelope of what is being heard, not of what was
synthesised, and the tests and benchmark (`NullSink`, no device needed) exercise exactly the
code path a real device (`SoundDeviceSink`, PortAudio) uses.

Times are `time.perf_counter()` seconds (high resolution on every platform), except in a
`NullSink(realtime=False)`, whose clock is the virtual time of the audio it has consumed.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from empath_desktop.chat.vocab import REST_VISEME

logger = logging.getLogger(__name__)

# Mouth level mapping: below the floor the mouth is closed (breath, reverb tails); at the top
# it is fully open. -15 dBFS is about the 90th percentile of eSpeak NG's hop RMS at volume 1.
_FLOOR_DB = -48.0
_FULL_DB = -15.0


class AudioOutputError(RuntimeError):
    """No audio output. The message is written for the status bar."""


def mouth_level(rms: np.ndarray | float) -> np.ndarray:
    """Mouth openness in [0, 1] from RMS amplitude (full scale 1.0), on a dB scale."""
    db = 20.0 * np.log10(np.maximum(rms, 1e-6))
    return np.clip((db - _FLOOR_DB) / (_FULL_DB - _FLOOR_DB), 0.0, 1.0)


class AudioSource(Protocol):
    """What a sink plays from (implemented by `PlaybackBuffer`)."""

    def render(self, out: np.ndarray, dac_time: float) -> None:
        """Fill `out` (frames × channels, float32) with the audio heard from `dac_time` on."""
        ...

    def wait_for_audio(self, timeout: float) -> bool:
        """Block until audio is pending (True) or `timeout` seconds pass (False)."""
        ...


class AudioSink(Protocol):
    """An output that pulls audio from a source on its own thread.

    `open` negotiates the output rate (it may differ from the requested one; the buffer
    resamples) and raises `AudioOutputError`; `start` begins playback; `clock` is the time base
    of the `dac_time` stamps the sink passes to `render`; `close` stops it and is idempotent.
    """

    def open(self, sample_rate: int) -> int: ...

    def start(self, source: AudioSource) -> None: ...

    def clock(self) -> float: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class _Queued:
    samples: np.ndarray  # float32, at the output rate
    marks: list[tuple[int, str]]  # (sample offset, viseme), sorted
    pos: int = 0
    mark_ix: int = 0


class PlaybackBuffer:
    """Thread-safe FIFO of speech audio plus the timeline of what was played.

    Producers `push` audio tagged with the `epoch` they were started in; `clear` starts a new
    epoch, drops everything queued and makes stale pushes fail, so a stopped reply cannot leak
    into the next one. `render` (the sink's thread) hands out audio block by block and records,
    per `hop` frames, the mouth level (pre-gain: the mouth moves whatever the volume) and the
    viseme, at the time those frames are heard. `level_at`/`viseme_at` read that timeline.
    """

    def __init__(self, sample_rate: int, *, hop: int = 256, history_s: float = 10.0) -> None:
        self.sample_rate = sample_rate
        self.hop = hop
        self._hop_s = hop / sample_rate
        self._history = max(16, int(history_s / self._hop_s))
        self._lock = threading.Lock()
        self._audio_pending = threading.Condition(self._lock)
        self._queue: deque[_Queued] = deque()
        self._pending = 0
        self._epoch = 0
        self._gain = 1.0
        self._viseme = REST_VISEME
        self._times: list[float] = []
        self._levels: list[float] = []
        self._visemes: list[str] = []
        self._audible_until = float("-inf")

    @property
    def epoch(self) -> int:
        return self._epoch

    def set_gain(self, gain: float) -> None:
        """Output volume (1.0 = as synthesised); applies from the next block."""
        with self._lock:
            self._gain = max(0.0, float(gain))

    def push(
        self,
        samples: np.ndarray,
        marks: Sequence[tuple[int, str]] = (),
        *,
        epoch: int,
        sample_rate: int | None = None,
    ) -> bool:
        """Queue int16 or float samples (at `sample_rate`, default the output rate) with viseme
        change points at sample offsets into `samples`. False (and nothing queued) when `epoch`
        is stale."""
        audio = np.asarray(samples)
        audio = (
            audio.astype(np.float32) / 32768.0
            if audio.dtype == np.int16
            else audio.astype(np.float32, copy=False)
        )
        scale = 1.0
        if sample_rate is not None and sample_rate != self.sample_rate and audio.size:
            scale = self.sample_rate / sample_rate
            n_out = max(1, round(audio.size * scale))
            # Linear interpolation is enough for speech and runs in the producer's thread.
            audio = np.interp(np.arange(n_out) / scale, np.arange(audio.size), audio).astype(
                np.float32
            )
        if not audio.size:
            return epoch == self._epoch
        last = audio.size - 1
        placed = sorted((min(last, max(0, round(at * scale))), v) for at, v in marks)
        with self._lock:
            if epoch != self._epoch:
                return False
            self._queue.append(_Queued(audio, placed))
            self._pending += audio.size
            self._audio_pending.notify_all()
        return True

    def clear(self) -> int:
        """Drop all queued audio (the next rendered block is silent); return the new epoch."""
        with self._lock:
            self._epoch += 1
            self._queue.clear()
            self._pending = 0
            self._viseme = REST_VISEME
            return self._epoch

    def pending_frames(self) -> int:
        with self._lock:
            return self._pending

    def audible_until(self) -> float:
        """When the last non-silent frame handed out so far will have been heard."""
        with self._lock:
            return self._audible_until

    def wait_for_audio(self, timeout: float) -> bool:
        with self._audio_pending:
            return self._audio_pending.wait_for(lambda: self._pending > 0, timeout)

    def render(self, out: np.ndarray, dac_time: float) -> None:
        frames = out.shape[0]
        mono = np.zeros(frames, np.float32)
        changes: list[tuple[int, str]] = []  # (frame in block, viseme) from that frame on
        with self._lock:
            filled = 0
            changes.append((0, self._viseme))
            while filled < frames and self._queue:
                item = self._queue[0]
                n = min(frames - filled, item.samples.size - item.pos)
                mono[filled : filled + n] = item.samples[item.pos : item.pos + n]
                end = item.pos + n
                while item.mark_ix < len(item.marks) and item.marks[item.mark_ix][0] < end:
                    at, viseme = item.marks[item.mark_ix]
                    changes.append((filled + max(0, at - item.pos), viseme))
                    self._viseme = viseme
                    item.mark_ix += 1
                item.pos = end
                filled += n
                self._pending -= n
                if item.pos == item.samples.size:
                    self._queue.popleft()
            if filled < frames:
                changes.append((filled, REST_VISEME))
                if not self._queue:
                    self._viseme = REST_VISEME
            gain = self._gain
            self._record(mono, changes, dac_time)
            if filled:
                self._audible_until = dac_time + filled / self.sample_rate
        np.clip(mono * gain, -1.0, 1.0, out=mono)
        out[:] = mono[:, None] if out.ndim == 2 else mono

    def _record(self, mono: np.ndarray, changes: list[tuple[int, str]], dac_time: float) -> None:
        hop = self.hop
        starts = range(0, mono.size, hop)
        squares = np.square(mono)
        rms = np.sqrt(np.add.reduceat(squares, list(starts)) / np.diff([*starts, mono.size]))
        levels = mouth_level(rms)
        # Blocks arrive in order, but device timestamps jitter: keep the timeline sorted.
        t0 = dac_time if not self._times else max(dac_time, self._times[-1] + 1e-6)
        change_at = [at for at, _ in changes]
        for k, start in enumerate(starts):
            middle = min(start + hop // 2, mono.size - 1)
            viseme = changes[bisect.bisect_right(change_at, middle) - 1][1]
            self._times.append(t0 + start / self.sample_rate)
            self._levels.append(float(levels[k]))
            self._visemes.append(viseme)
        if len(self._times) > 2 * self._history:
            drop = len(self._times) - self._history
            del self._times[:drop], self._levels[:drop], self._visemes[:drop]

    def _hop_at(self, t: float) -> int | None:
        k = bisect.bisect_right(self._times, t) - 1
        if k < 0 or t >= self._times[k] + self._hop_s:
            return None
        return k

    def level_at(self, t: float) -> float:
        """Mouth level of the audio heard at time `t` (0 outside the recorded timeline)."""
        with self._lock:
            k = self._hop_at(t)
            return 0.0 if k is None else self._levels[k]

    def viseme_at(self, t: float) -> str:
        """Viseme of the audio heard at time `t` ("rest" outside the recorded timeline)."""
        with self._lock:
            k = self._hop_at(t)
            return REST_VISEME if k is None else self._visemes[k]


@dataclass(frozen=True, slots=True)
class PlayedBlock:
    """One block a `NullSink` played, and when it was heard."""

    dac_time: float
    samples: np.ndarray


class NullSink:
    """A sink without a device: plays into nothing, a WAV file and/or memory.

    `realtime=True` consumes one block per block period, as a device would, stamping blocks
    heard `latency` seconds after they are rendered (default: one block, a double buffer).
    `realtime=False` consumes audio as fast as possible whenever some is pending; its clock is
    then the virtual time of the audio consumed so far. `record=True` keeps every played block
    (see `played`), which the tests and the benchmark compare with what the avatar was told.
    """

    def __init__(
        self,
        *,
        blocksize: int = 512,
        realtime: bool = True,
        latency: float | None = None,
        record: bool = False,
        wav_path: str | Path | None = None,
    ) -> None:
        self.blocksize = blocksize
        self.sample_rate = 0
        self._realtime = realtime
        self._latency = latency
        self._record = record
        self._wav_path = wav_path
        self._played: list[PlayedBlock] = []
        self._virtual = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self, sample_rate: int) -> int:
        self.sample_rate = sample_rate
        return sample_rate

    def start(self, source: AudioSource) -> None:
        if not self.sample_rate:
            raise RuntimeError("open() the sink before start()")
        self._thread = threading.Thread(
            target=self._run, args=(source,), name="voice-null-sink", daemon=True
        )
        self._thread.start()

    def clock(self) -> float:
        return time.perf_counter() if self._realtime else self._virtual

    def played(self) -> list[PlayedBlock]:
        """Blocks played so far (only with `record=True`)."""
        return list(self._played)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    def _run(self, source: AudioSource) -> None:
        period = self.blocksize / self.sample_rate
        latency = period if self._latency is None else self._latency
        block = np.zeros((self.blocksize, 1), np.float32)
        with contextlib.ExitStack() as stack:
            wav = None
            if self._wav_path is not None:
                wav = stack.enter_context(wave.open(str(self._wav_path), "wb"))
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(self.sample_rate)
            deadline = time.perf_counter()
            while not self._stop.is_set():
                if self._realtime:
                    dac_time = deadline + latency
                elif source.wait_for_audio(0.05):
                    dac_time = self._virtual
                else:
                    continue
                source.render(block, dac_time)
                if self._record:
                    self._played.append(PlayedBlock(dac_time, block[:, 0].copy()))
                if wav is not None:
                    wav.writeframes((block[:, 0] * 32767).astype("<i2").tobytes())
                if self._realtime:
                    deadline += period
                    # After a stall (debugger, overloaded CPU) resume rather than catch up.
                    deadline = max(deadline, time.perf_counter() - period)
                    self._stop.wait(max(0.0, deadline - time.perf_counter()))
                else:
                    self._virtual += period


def _import_sounddevice() -> ModuleType:
    """sounddevice, or `AudioOutputError` saying why not (on Linux it needs libportaudio2)."""
    try:
        import sounddevice
    except OSError as exc:
        raise AudioOutputError(
            "Voice off: the PortAudio library is missing (install libportaudio2)"
        ) from exc
    except ImportError as exc:
        raise AudioOutputError("Voice off: the sounddevice package is not installed") from exc
    return sounddevice


@dataclass(frozen=True, slots=True)
class OutputDevice:
    """An audio output, as offered in the settings dialog."""

    index: int
    name: str
    channels: int
    default_samplerate: float
    is_default: bool


def list_output_devices() -> list[OutputDevice]:
    """Audio outputs PortAudio knows; [] without PortAudio or when it fails."""
    try:
        sd = _import_sounddevice()
    except AudioOutputError as exc:
        logger.info("no audio outputs: %s", exc)
        return []
    try:
        devices = sd.query_devices()
        default = sd.default.device[1]
    except sd.PortAudioError as exc:
        logger.warning("cannot list audio outputs: %s", exc)
        return []
    return [
        OutputDevice(
            index=i,
            name=str(d["name"]),
            channels=int(d["max_output_channels"]),
            default_samplerate=float(d["default_samplerate"]),
            is_default=i == default,
        )
        for i, d in enumerate(devices)
        if d["max_output_channels"] > 0
    ]


class SoundDeviceSink:
    """A PortAudio output stream (callback mode, small blocks) on the default or a chosen
    device. `on_failure` receives a status-bar message if the stream dies (device unplugged)."""

    def __init__(
        self,
        *,
        device: int | str | None = None,
        blocksize: int = 512,
        latency: str | float = "low",
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self.blocksize = blocksize
        self.sample_rate = 0
        self._device = device
        self._latency = latency
        self._on_failure = on_failure
        self._stream: Any = None
        self._source: AudioSource | None = None
        self._stream_latency = 0.0
        self._portaudio_error: type[Exception] = Exception
        self._closing = False

    def open(self, sample_rate: int) -> int:
        sd = _import_sounddevice()
        try:
            info = sd.query_devices(self._device, kind="output")
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioOutputError(f"Voice off: no audio output device ({exc})") from exc
        channels = 1 if int(info["max_output_channels"]) == 1 else 2
        rate = sample_rate
        try:
            sd.check_output_settings(
                device=self._device, channels=channels, dtype="float32", samplerate=rate
            )
        except (ValueError, sd.PortAudioError):
            # Raw hardware outputs may refuse 22050 Hz; the buffer resamples to theirs.
            rate = int(info["default_samplerate"])
        try:
            self._stream = sd.OutputStream(
                samplerate=rate,
                blocksize=self.blocksize,
                device=self._device,
                channels=channels,
                dtype="float32",
                latency=self._latency,
                callback=self._callback,
                finished_callback=self._finished,
            )
        except (ValueError, sd.PortAudioError) as exc:
            raise AudioOutputError(f"Voice off: cannot open the audio output ({exc})") from exc
        self._stream_latency = float(self._stream.latency)
        self._portaudio_error = sd.PortAudioError
        self.sample_rate = rate
        logger.info(
            "audio output: %s at %d Hz, latency %.3f s", info["name"], rate, self._stream_latency
        )
        return rate

    def start(self, source: AudioSource) -> None:
        if self._stream is None:
            raise RuntimeError("open() the sink before start()")
        self._source = source
        try:
            self._stream.start()
        except self._portaudio_error as exc:
            raise AudioOutputError(f"Voice off: cannot start the audio output ({exc})") from exc

    def clock(self) -> float:
        return time.perf_counter()

    def close(self) -> None:
        if self._stream is None or self._closing:
            return
        self._closing = True
        self._stream.close(ignore_errors=True)

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        now = time.perf_counter()
        if status:
            logger.debug("audio output status: %s", status)
        dac, current = time_info.outputBufferDacTime, time_info.currentTime
        # Some host APIs report no timestamps (zeros); then assume the nominal latency.
        heard = now + (dac - current) if dac > 0 and current > 0 else now + self._stream_latency
        try:
            if self._source is None:
                outdata.fill(0)
            else:
                self._source.render(outdata, heard)
        except Exception:  # an exception here would abort the stream: log it, play silence
            logger.exception("audio render failed")
            outdata.fill(0)

    def _finished(self) -> None:
        if not self._closing and self._on_failure is not None:
            self._on_failure("Voice off: the audio output stopped")
