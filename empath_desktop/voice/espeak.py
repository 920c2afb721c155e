"""eSpeak NG through ctypes: synthesis with word and phoneme events, the voice list, and the
mouth shape (`chat.vocab.VISEMES`) of each of its phonemes.

The library and its data come from the `espeakng-loader` wheel, so nothing is installed on the
system or downloaded.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.chat.vocab import REST_VISEME

# eSpeak NG phoneme mnemonics (Kirshenbaum-like ASCII, shared by most of its languages).
_CONSONANT_VISEMES = {
    "p": "mbp", "b": "mbp", "m": "mbp",
    "f": "fv", "v": "fv",
    "w": "oo", "S": "oo", "Z": "oo", "tS": "oo", "dZ": "oo",
}  # fmt: skip
_VOWEL_VISEMES = {
    "a": "aa", "A": "aa", "&": "aa", "V": "aa", "@": "aa", "3": "aa",
    "i": "ee", "I": "ee", "e": "ee", "E": "ee",
    "o": "oh", "O": "oh", "0": "oh", "Y": "oh", "W": "oh",
    "u": "oo", "U": "oo", "y": "oo",
}  # fmt: skip


def viseme_for(phoneme: str) -> str:
    """The viseme of an eSpeak phoneme mnemonic ("'oU" → oh, "m" → mbp, "_:" → rest); every
    other consonant (th, t, s, k, ...) is "ih".

    Stress marks are ignored and a diphthong takes the shape of its first vowel.
    """
    p = phoneme.lstrip("',%=")
    if not p or p[0] == "_":
        return REST_VISEME
    if p in _CONSONANT_VISEMES:
        return _CONSONANT_VISEMES[p]
    if p[0] in _VOWEL_VISEMES:
        return _VOWEL_VISEMES[p[0]]
    return _CONSONANT_VISEMES.get(p[0], "ih")


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

    def synthesize(self, text: str, settings: VoiceStyle) -> SpeechChunk:
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

    def synthesize(self, text: str, settings: VoiceStyle) -> Iterator[SpeechChunk]:
        """Raises ValueError for an unknown voice."""
        yield self._library.synthesize(text, settings)

    def voices(self) -> list[str]:
        """Language codes usable as `VoiceStyle.voice` ('en-us', 'de', ...)."""
        return self._library.languages()
