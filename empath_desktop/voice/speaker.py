"""The avatar's voice: the `Speaker` and the user's voice settings.

A reply is spoken while it streams: `Speaker.speak_delta` feeds a `SpeechSplitter`, each
complete sentence is synthesised on a worker thread (eSpeak NG, offline, far faster than real
time, see `voice.espeak`) and queued on a `PlaybackBuffer`, which a sink plays on its own
thread. The avatar polls `Speaker.current_level()`/`current_viseme()` (or takes `on_mouth`
callbacks): both describe the audio being heard at that moment, see `voice.sinks`.

Nothing here imports Qt; the UI adapts the callbacks to signals.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.chat.vocab import REST_VISEME
from empath_desktop.voice.espeak import EspeakEngine, SpeechChunk, viseme_for
from empath_desktop.voice.sinks import (
    AudioOutputError,
    AudioSink,
    PlaybackBuffer,
    SoundDeviceSink,
)
from empath_desktop.voice.speech_units import SpeechSplitter

logger = logging.getLogger(__name__)


class SpeechEngine(Protocol):
    """Text to speech. `synthesize` yields the PCM of `text` (at `sample_rate`) in order, may
    be called from any thread, and never downloads anything."""

    name: str
    sample_rate: int

    def synthesize(self, text: str, settings: VoiceStyle) -> Iterator[SpeechChunk]: ...


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    """The user's voice settings, as the speaker takes them (`store.settings.Settings` keeps
    them as its flat `voice_*` keys and `Settings.voice_config()` makes this).

    `voice`/`rate` None: the persona's. `volume` is the output gain (1.0 = unchanged).
    `output_device`: a PortAudio device index or name, None for the system default.
    Voice is on by default; without an audio device it turns itself off (see `open_speaker`).
    """

    enabled: bool = True
    voice: str | None = None
    rate: int | None = None
    volume: float = 1.0
    output_device: int | str | None = None

    def settings_for(self, persona: VoiceStyle) -> VoiceStyle:
        """The persona's voice with the user's overrides applied."""
        return replace(
            persona,
            voice=self.voice or persona.voice,
            rate=self.rate if self.rate is not None else persona.rate,
        )


@dataclass(frozen=True, slots=True)
class VoiceStatus:
    """Whether voice works, and a one-line message for the status bar."""

    enabled: bool
    message: str


@dataclass(frozen=True, slots=True)
class MouthState:
    """What the mouth should do at `time` (the sink's clock): openness in [0, 1], a viseme from
    `chat.vocab.VISEMES`, and whether speech is under way (False once: when it has ended, and
    then always level 0.0 and viseme "rest")."""

    time: float
    level: float
    viseme: str
    speaking: bool


@dataclass(frozen=True, slots=True)
class _Job:
    text: str
    settings: VoiceStyle
    epoch: int


class Speaker:
    """Speaks streamed text: splitter → synthesis thread → `PlaybackBuffer` → sink.

    All methods are thread-safe. `speak_delta` queues each sentence as soon as it is complete;
    `finish` speaks the rest at the end of the reply; `stop` silences at once (the next block
    played is silent) and forgets the pending text; `close` stops and ends the threads.
    `on_mouth` (optional) is called ~`mouth_hz` times a second while speech plays, and once
    more when it ends; `on_status` receives problems as status-bar messages (bad voice). Both
    run on background threads: the UI adapts them to queued signals. Raises `AudioOutputError`
    if the sink cannot open.
    """

    def __init__(
        self,
        engine: SpeechEngine,
        sink: AudioSink,
        settings: VoiceStyle | None = None,
        *,
        volume: float = 1.0,
        on_mouth: Callable[[MouthState], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        mouth_hz: float = 60.0,
    ) -> None:
        self._engine = engine
        self._sink = sink
        self._settings = settings or VoiceStyle()
        self._on_mouth = on_mouth
        self._on_status = on_status
        self._mouth_period = 1.0 / mouth_hz
        self._buffer = PlaybackBuffer(sink.open(engine.sample_rate))
        self._buffer.set_gain(volume)
        self._splitter = SpeechSplitter()
        self._feed_lock = threading.Lock()  # the splitter has one feeder at a time
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._busy = 0  # units queued or being synthesised
        self._busy_lock = threading.Lock()
        self._activity = threading.Event()
        self._closed = threading.Event()
        sink.start(self._buffer)
        self._threads = [threading.Thread(target=self._synthesis_loop, name="voice-synthesis")]
        if on_mouth is not None:
            self._threads.append(threading.Thread(target=self._mouth_loop, name="voice-mouth"))
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    @property
    def sample_rate(self) -> int:
        """The output rate."""
        return self._buffer.sample_rate

    def set_voice(self, settings: VoiceStyle) -> None:
        """Voice for units queued from now on (persona switch)."""
        self._settings = settings

    def set_volume(self, volume: float) -> None:
        self._buffer.set_gain(volume)

    def speak_delta(self, text: str) -> None:
        """Feed the next piece of the reply; complete sentences start speaking at once."""
        with self._feed_lock:
            self._enqueue(self._splitter.feed(text))

    def finish(self) -> None:
        """The reply is complete: speak what remains."""
        with self._feed_lock:
            self._enqueue(self._splitter.finish())

    def say(self, text: str) -> None:
        """Speak a whole text (e.g. "read this message aloud")."""
        with self._feed_lock:
            self._enqueue(self._splitter.feed(text) + self._splitter.finish())

    def stop(self) -> None:
        """Silence now: drop queued speech and pending text (stop, new message/conversation)."""
        with self._feed_lock:
            self._splitter.reset()
            self._buffer.clear()
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:  # close() raced us: keep the worker's exit signal
                    self._jobs.put(None)
                    break
                self._done_one()

    def close(self) -> None:
        """Stop and release the output; idempotent."""
        if self._closed.is_set():
            return
        self.stop()
        self._closed.set()
        self._activity.set()
        self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=1.0)
        self._sink.close()

    def clock(self) -> float:
        """The time base of `level_at` (the sink's clock)."""
        return self._sink.clock()

    def level_at(self, t: float) -> float:
        """Mouth openness in [0, 1] of the audio heard at `t`."""
        return self._buffer.level_at(t)

    def viseme_at(self, t: float) -> str:
        """Mouth shape (one of `chat.vocab.VISEMES`) of the audio heard at `t`."""
        return self._buffer.viseme_at(t)

    def current_level(self) -> float:
        """Mouth openness now: cheap enough for a 60 Hz timer."""
        return self._buffer.level_at(self._sink.clock())

    def current_viseme(self) -> str:
        """Mouth shape now (one of `chat.vocab.VISEMES`)."""
        return self._buffer.viseme_at(self._sink.clock())

    def is_speaking(self) -> bool:
        """Speech is queued, being synthesised, or still being heard."""
        with self._busy_lock:
            if self._busy:
                return True
        return (
            self._buffer.pending_frames() > 0 or self._sink.clock() < self._buffer.audible_until()
        )

    def wait_until_done(self, timeout: float) -> bool:
        """Block until nothing is left to say or hear; False on timeout."""
        deadline = time.perf_counter() + timeout
        while self.is_speaking():
            if time.perf_counter() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def _enqueue(self, units: list[str]) -> None:
        if not units or self._closed.is_set():
            return
        epoch, settings = self._buffer.epoch, self._settings
        with self._busy_lock:
            self._busy += len(units)
        for unit in units:
            self._jobs.put(_Job(unit, settings, epoch))
        self._activity.set()

    def _done_one(self) -> None:
        with self._busy_lock:
            self._busy -= 1

    def _synthesis_loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if job.epoch == self._buffer.epoch:
                    self._synthesize(job)
            except Exception as exc:  # a failed unit must not end the voice, let alone the app
                logger.exception("speech synthesis failed for %r", job.text)
                self._report(f"Voice error: {exc}")
            finally:
                self._done_one()

    def _synthesize(self, job: _Job) -> None:
        rate = self._engine.sample_rate
        for chunk in self._engine.synthesize(job.text, job.settings):
            marks = [
                (event.sample - chunk.start, viseme_for(event.phoneme))
                for event in chunk.events
                if event.kind == "phoneme"
            ]
            if not self._buffer.push(chunk.samples, marks, epoch=job.epoch, sample_rate=rate):
                return  # stopped meanwhile

    def _mouth_loop(self) -> None:
        assert self._on_mouth is not None
        while not self._closed.is_set():
            self._activity.clear()
            if not self.is_speaking():
                self._activity.wait()
                continue
            while not self._closed.is_set():
                t = self._sink.clock()
                speaking = self.is_speaking()
                # Once speech has ended the mouth rests, whatever the timeline says at `t`: `t`
                # was read before is_speaking's own clock, and the hop holding the last samples
                # (zero-padded) runs up to one hop past the end of the audio.
                level = self._buffer.level_at(t) if speaking else 0.0
                viseme = self._buffer.viseme_at(t) if speaking else REST_VISEME
                state = MouthState(t, level, viseme, speaking)
                try:
                    self._on_mouth(state)
                except Exception:  # the listener's bug must not kill lip sync for good
                    logger.exception("on_mouth callback failed")
                if not speaking:
                    break
                self._closed.wait(self._mouth_period)

    def _report(self, message: str) -> None:
        if self._on_status is not None:
            self._on_status(message)


def open_speaker(
    config: VoiceConfig,
    persona: VoiceStyle | None = None,
    *,
    on_mouth: Callable[[MouthState], None] | None = None,
    on_status: Callable[[str], None] | None = None,
    sink: AudioSink | None = None,
) -> tuple[Speaker | None, VoiceStatus]:
    """The app's voice: a `Speaker` on eSpeak NG and the configured output (or `sink`), or
    None with the reason when voice is off or cannot work (no PortAudio, no device).

    If the device is lost later, `on_status` gets a "Voice off: ..." message from the audio
    thread; the app then closes the speaker (and may reopen it from the settings)."""
    if not config.enabled:
        return None, VoiceStatus(False, "Voice off")
    try:
        engine = EspeakEngine()
    except OSError as exc:
        logger.warning("eSpeak NG unavailable: %s", exc)
        return None, VoiceStatus(False, "Voice off: eSpeak NG could not be loaded")
    settings = config.settings_for(persona or VoiceStyle())
    if sink is None:
        sink = SoundDeviceSink(device=config.output_device, on_failure=on_status)
    try:
        speaker = Speaker(
            engine, sink, settings, volume=config.volume, on_mouth=on_mouth, on_status=on_status
        )
    except AudioOutputError as exc:
        logger.warning("%s", exc)
        sink.close()
        return None, VoiceStatus(False, str(exc))
    return speaker, VoiceStatus(True, f"Voice on: {engine.name}, {settings.voice}")
