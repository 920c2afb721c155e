"""The avatar's voice: speech synthesis, visemes, settings and the `Speaker`.

A reply is spoken while it streams: `Speaker.speak_delta` feeds a `SpeechSplitter`, each
complete sentence is synthesised on a worker thread (eSpeak NG, offline, far faster than real
time) and queued on a `PlaybackBuffer`, which a sink plays on its own thread. The avatar polls
`Speaker.current_level()`/`current_viseme()` (or takes `on_mouth` callbacks): both describe the
audio being heard at that moment, see `engine.audio_out`.

Nothing here imports Qt; the UI adapts the callbacks to signals.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from empath_desktop.voice.sinks import (
    REST,
    AudioOutputError,
    AudioSink,
    PlaybackBuffer,
    SoundDeviceSink,
)
from empath_desktop.voice.speech_units import SpeechSplitter

logger = logging.getLogger(__name__)

VISEMES = (REST, "closed", "teeth", "tongue", "narrow", "wide", "open", "round")
"""Mouth shapes: rest (silence), closed (m b p), teeth (f v), tongue (th), narrow (other
consonants), wide (i e), open (a ʌ ə), round (o u w ʃ)."""

# eSpeak NG phoneme mnemonics (Kirshenbaum-like ASCII, shared by most of its languages).
_CONSONANT_VISEMES = {
    "p": "closed", "b": "closed", "m": "closed",
    "f": "teeth", "v": "teeth",
    "T": "tongue", "D": "tongue",
    "w": "round", "S": "round", "Z": "round", "tS": "round", "dZ": "round",
}  # fmt: skip
_VOWEL_VISEMES = {
    "a": "open", "A": "open", "&": "open", "V": "open", "@": "open", "3": "open",
    "i": "wide", "I": "wide", "e": "wide", "E": "wide",
    "o": "round", "O": "round", "0": "round", "u": "round", "U": "round",
    "y": "round", "Y": "round", "W": "round",
}  # fmt: skip


def viseme_for(phoneme: str) -> str:
    """The viseme of an eSpeak phoneme mnemonic ("'oU" → round, "m" → closed, "_:" → rest).

    Stress marks are ignored and a diphthong takes the shape of its first vowel.
    """
    p = phoneme.lstrip("',%=")
    if not p or p[0] == "_":
        return REST
    if p in _CONSONANT_VISEMES:
        return _CONSONANT_VISEMES[p]
    if p[0] in _VOWEL_VISEMES:
        return _VOWEL_VISEMES[p[0]]
    return _CONSONANT_VISEMES.get(p[0], "narrow")


@dataclass(frozen=True, slots=True)
class VoiceSettings:
    """A persona's voice. `rate` in words per minute (eSpeak: 80–450), `pitch` 0–100,
    `volume` 1.0 = the engine's normal loudness (up to 2.0)."""

    voice: str = "en-us"
    rate: int = 175
    pitch: int = 50
    volume: float = 1.0


@dataclass(frozen=True, slots=True)
class SpeechEvent:
    """A marker in synthesised audio. `kind` is 'sentence', 'word', 'phoneme' or 'end';
    `sample` is the offset from the start of the utterance; `text_start`/`text_length` locate
    the source text (characters, from 0); `phoneme` is the engine's mnemonic for phonemes."""

    kind: str
    sample: int
    text_start: int
    text_length: int = 0
    phoneme: str = ""


@dataclass(frozen=True, slots=True)
class SpeechChunk:
    """Mono int16 PCM starting `start` samples into the utterance, with its events."""

    samples: np.ndarray
    start: int
    events: tuple[SpeechEvent, ...]


class SpeechEngine(Protocol):
    """Text to speech. `synthesize` yields the PCM of `text` (at `sample_rate`) in order, may
    be called from any thread, and never downloads anything."""

    name: str
    sample_rate: int

    def synthesize(self, text: str, settings: VoiceSettings) -> Iterator[SpeechChunk]: ...


# --- eSpeak NG through ctypes -----------------------------------------------------------------

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of exiting the process
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH = 1, 2, 3
_EE_OK, _EE_NOT_FOUND = 0, 2
_EVENT_KINDS = {1: "word", 2: "sentence", 5: "end", 7: "phoneme"}


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


class _Voice(ctypes.Structure):
    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated name)*, then 0
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


class _EspeakLibrary:
    """The process's one eSpeak NG instance. Its C API is global state (one voice, one
    parameter set, one callback), so it is initialised once and every use holds `lock`."""

    def __init__(self) -> None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int)
        lib.espeak_SetSynthCallback.argtypes = (_SynthCallback,)
        lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
        lib.espeak_Synth.argtypes = (
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        )  # fmt: skip
        lib.espeak_SetVoiceByProperties.argtypes = (ctypes.POINTER(_Voice),)
        lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
        lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lock = threading.Lock()
        self._lib = lib
        self._pcm: list[np.ndarray] = []
        self._events: list[SpeechEvent] = []
        self._voice: str | None = None
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 200, data, _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise OSError(f"eSpeak NG failed to initialise (data at {data.decode()})")
        self._callback = _SynthCallback(self._on_synth)  # kept: C holds only a raw pointer
        lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav: Any, n: int, events: Any) -> int:
        if n > 0 and wav:
            self._pcm.append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while events and (event := events[i]).type != 0:
            kind = _EVENT_KINDS.get(event.type)
            if kind is not None:
                phoneme = event.id.string.decode("ascii", "replace") if kind == "phoneme" else ""
                self._events.append(
                    SpeechEvent(kind, event.sample, event.text_position - 1, event.length, phoneme)
                )
            i += 1
        return 0

    def synthesize(self, text: str, settings: VoiceSettings) -> SpeechChunk:
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            if settings.voice != self._voice:
                self._select_voice(settings.voice)
            self._lib.espeak_SetParameter(_PARAM_RATE, int(settings.rate), 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, int(settings.pitch), 0)
            self._lib.espeak_SetParameter(_PARAM_VOLUME, round(settings.volume * 100), 0)
            self._pcm, self._events = [], []
            status = self._lib.espeak_Synth(
                data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            pcm, events = self._pcm, self._events
            self._pcm, self._events = [], []
        if status != _EE_OK:
            raise RuntimeError(f"eSpeak NG synthesis failed (error {status})")
        samples = np.concatenate(pcm) if pcm else np.zeros(0, np.int16)
        samples.flags.writeable = False
        return SpeechChunk(samples, 0, tuple(events))

    def _select_voice(self, voice: str) -> None:
        """As eSpeak resolves a voice name ("en-us", "de"), else as a language ("en-gb" and
        "fr-fr" are languages of voices, not voice names)."""
        self._voice = None
        if self._lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            language = ctypes.c_char_p(voice.encode())
            spec = _Voice(languages=ctypes.cast(language, ctypes.c_void_p))
            if self._lib.espeak_SetVoiceByProperties(ctypes.byref(spec)) != _EE_OK:
                raise ValueError(f"eSpeak NG has no voice {voice!r}")
        self._voice = voice

    def languages(self) -> list[str]:
        with self.lock:
            voices = self._lib.espeak_ListVoices(None)
            found = set()
            i = 0
            while voices[i]:
                if voices[i].contents.languages:
                    found.add(ctypes.string_at(voices[i].contents.languages + 1).decode())
                i += 1
        return sorted(found)


_LIBRARY_LOCK = threading.Lock()


@functools.cache
def _load_espeak() -> _EspeakLibrary:
    return _EspeakLibrary()


def _espeak_library() -> _EspeakLibrary:
    """The one instance (the C library is process-global, so a module-level cache is honest);
    the lock makes concurrent first calls load it once."""
    with _LIBRARY_LOCK:
        return _load_espeak()


class EspeakEngine:
    """eSpeak NG from the `espeakng-loader` wheel (bundled library and data, no system
    install). Synthesises one utterance per call, with word and phoneme events; thread-safe.
    Raises OSError if the library cannot be loaded."""

    name = "eSpeak NG"

    def __init__(self) -> None:
        self._library = _espeak_library()
        self.sample_rate = self._library.sample_rate

    def synthesize(self, text: str, settings: VoiceSettings) -> Iterator[SpeechChunk]:
        """Raises ValueError for an unknown voice."""
        yield self._library.synthesize(text, settings)

    def voices(self) -> list[str]:
        """Language codes usable as `VoiceSettings.voice` ('en-us', 'de', ...)."""
        return self._library.languages()


# --- speaking a reply -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    """The user's voice settings (the `[voice]` table of the settings file).

    `voice`/`rate` None: the persona's. `volume` is the output gain (1.0 = unchanged).
    `output_device`: a PortAudio device index or name, None for the system default.
    Voice is on by default; without an audio device it turns itself off (see `open_speaker`).
    """

    enabled: bool = True
    voice: str | None = None
    rate: int | None = None
    volume: float = 1.0
    output_device: int | str | None = None

    def settings_for(self, persona: VoiceSettings) -> VoiceSettings:
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
    `VISEMES`, and whether speech is under way (False once: when it has ended, and then always
    level 0.0 and viseme "rest")."""

    time: float
    level: float
    viseme: str
    speaking: bool


@dataclass(frozen=True, slots=True)
class _Job:
    text: str
    settings: VoiceSettings
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
        settings: VoiceSettings | None = None,
        *,
        volume: float = 1.0,
        on_mouth: Callable[[MouthState], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        mouth_hz: float = 60.0,
    ) -> None:
        self._engine = engine
        self._sink = sink
        self._settings = settings or VoiceSettings()
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

    def set_voice(self, settings: VoiceSettings) -> None:
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
        """Mouth shape (one of `VISEMES`) of the audio heard at `t`."""
        return self._buffer.viseme_at(t)

    def current_level(self) -> float:
        """Mouth openness now: cheap enough for a 60 Hz timer."""
        return self._buffer.level_at(self._sink.clock())

    def current_viseme(self) -> str:
        """Mouth shape now (one of `VISEMES`)."""
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
                viseme = self._buffer.viseme_at(t) if speaking else REST
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
    persona: VoiceSettings | None = None,
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
    settings = config.settings_for(persona or VoiceSettings())
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
