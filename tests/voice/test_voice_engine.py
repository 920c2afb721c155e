"""eSpeak NG through ctypes: audio, events, settings, thread safety; the viseme map, which
produces exactly the mouth shapes the avatar draws."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from empath_desktop.avatar.animator import VISEME_SHAPES
from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.chat.vocab import VISEMES
from empath_desktop.voice.espeak import EspeakEngine, viseme_for

PANGRAM = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def synth(engine: EspeakEngine, text: str, settings: VoiceStyle | None = None):
    chunks = list(engine.synthesize(text, settings or VoiceStyle()))
    assert chunks
    return chunks


def test_synthesis_is_non_silent_pcm_of_plausible_duration(engine: EspeakEngine) -> None:
    (chunk,) = synth(engine, PANGRAM)
    assert engine.sample_rate == 22050
    assert chunk.samples.dtype == np.int16 and chunk.samples.ndim == 1
    seconds = chunk.samples.size / engine.sample_rate
    # 9 words at 175 words per minute is ~3.1 s; eSpeak adds a short final pause.
    assert 1.8 < seconds < 5.0
    rms = np.sqrt(np.mean((chunk.samples / 32768.0) ** 2))
    assert rms > 0.03


def test_rate_volume_and_pitch_change_the_audio(engine: EspeakEngine) -> None:
    slow = synth(engine, PANGRAM, VoiceStyle(rate=120))[0].samples
    fast = synth(engine, PANGRAM, VoiceStyle(rate=300))[0].samples
    assert fast.size < 0.6 * slow.size
    quiet = synth(engine, PANGRAM, VoiceStyle(volume=0.3))[0].samples
    normal = synth(engine, PANGRAM)[0].samples
    assert np.abs(quiet).max() < 0.6 * np.abs(normal).max()
    high = synth(engine, PANGRAM, VoiceStyle(pitch=90))[0].samples
    assert not np.array_equal(high[: normal.size], normal[: high.size])


def test_phoneme_and_word_events_carry_audio_positions(engine: EspeakEngine) -> None:
    (chunk,) = synth(engine, PANGRAM)
    phonemes = [e for e in chunk.events if e.kind == "phoneme"]
    words = [e for e in chunk.events if e.kind == "word"]
    assert len(words) == 9
    assert PANGRAM[words[1].text_start : words[1].text_start + words[1].text_length] == "quick"
    assert len(phonemes) > 25
    samples = [e.sample for e in phonemes]
    assert samples == sorted(samples)
    assert samples[0] >= 0 and samples[-1] <= chunk.samples.size
    visemes = {viseme_for(e.phoneme) for e in phonemes}
    assert {"mbp", "fv", "oo", "oh", "aa", "ee", "ih", "rest"} <= visemes


@pytest.mark.parametrize(
    ("phoneme", "viseme"),
    [
        ("m", "mbp"), ("b", "mbp"), ("p", "mbp"),
        ("f", "fv"), ("v", "fv"),
        ("'oU", "oh"), ("O:", "oh"), ("0", "oh"),
        ("u:", "oo"), ("w", "oo"), ("tS", "oo"), ("S", "oo"),
        ("'i:", "ee"), ("I", "ee"), ("eI", "ee"),
        ("a", "aa"), (",aI", "aa"), ("@2", "aa"), ("'3:", "aa"), ("V", "aa"),
        ("T", "ih"), ("D", "ih"), ("s", "ih"), ("k", "ih"), ("l", "ih"),
        ("_:", "rest"), ("_", "rest"), ("", "rest"),
    ],
)  # fmt: skip
def test_viseme_map(phoneme: str, viseme: str) -> None:
    assert viseme_for(phoneme) == viseme


def test_the_voice_makes_exactly_the_shapes_the_avatar_draws() -> None:
    # Every eSpeak mnemonic shape the map knows, plus any other consonant.
    phonemes = ["m", "f", "T", "s", "i", "a", "o", "u", "_"]
    assert {viseme_for(p) for p in phonemes} == set(VISEMES)
    assert tuple(VISEME_SHAPES) == VISEMES


def test_voices_by_name_and_by_language(engine: EspeakEngine) -> None:
    voices = engine.voices()
    assert {"en-us", "en-gb", "de", "fr-fr"} <= set(voices)
    for voice in ("en-gb", "de", "fr-fr"):
        assert synth(engine, "Bonjour.", VoiceStyle(voice=voice))[0].samples.size > 0
    with pytest.raises(ValueError, match="no voice"):
        synth(engine, "Hello.", VoiceStyle(voice="xx-nonexistent"))
    assert synth(engine, "Still works.")[0].samples.size > 0  # a bad voice leaves no damage


def test_concurrent_callers_each_get_their_own_utterance(engine: EspeakEngine) -> None:
    # eSpeak carries filter state from one utterance to the next, so repeats are not
    # bit-identical; crossed calls would show up as wrong phonemes or lengths.
    texts = ["One two three.", "Four five six seven.", "Eight.", "Nine and ten."]

    def phonemes(chunk) -> list[str]:
        return [e.phoneme for e in chunk.events if e.kind == "phoneme"]

    serial = [synth(engine, t)[0] for t in texts]
    results: dict[int, list] = {i: [] for i in range(len(texts))}

    def work(i: int) -> None:
        for _ in range(3):
            results[i].append(synth(engine, texts[i])[0])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, expected in enumerate(serial):
        for chunk in results[i]:
            assert phonemes(chunk) == phonemes(expected)
            assert abs(chunk.samples.size - expected.samples.size) < 0.02 * expected.samples.size
