"""eSpeak NG through ctypes: audio, events, settings, thread safety; the viseme map."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from empath_desktop.voice.speaker import VISEMES, EspeakEngine, VoiceSettings, viseme_for

PANGRAM = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def synth(engine: EspeakEngine, text: str, settings: VoiceSettings | None = None):
    chunks = list(engine.synthesize(text, settings or VoiceSettings()))
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
    slow = synth(engine, PANGRAM, VoiceSettings(rate=120))[0].samples
    fast = synth(engine, PANGRAM, VoiceSettings(rate=300))[0].samples
    assert fast.size < 0.6 * slow.size
    quiet = synth(engine, PANGRAM, VoiceSettings(volume=0.3))[0].samples
    normal = synth(engine, PANGRAM)[0].samples
    assert np.abs(quiet).max() < 0.6 * np.abs(normal).max()
    high = synth(engine, PANGRAM, VoiceSettings(pitch=90))[0].samples
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
    assert {"closed", "teeth", "round", "open", "wide", "tongue", "rest"} <= visemes


@pytest.mark.parametrize(
    ("phoneme", "viseme"),
    [
        ("m", "closed"), ("b", "closed"), ("p", "closed"),
        ("f", "teeth"), ("v", "teeth"),
        ("T", "tongue"), ("D", "tongue"),
        ("'oU", "round"), ("u:", "round"), ("w", "round"), ("tS", "round"),
        ("'i:", "wide"), ("I", "wide"), ("eI", "wide"),
        ("a", "open"), (",aI", "open"), ("@2", "open"), ("'3:", "open"), ("V", "open"),
        ("s", "narrow"), ("k", "narrow"), ("l", "narrow"),
        ("_:", "rest"), ("_", "rest"), ("", "rest"),
    ],
)  # fmt: skip
def test_viseme_map(phoneme: str, viseme: str) -> None:
    assert viseme_for(phoneme) == viseme
    assert viseme in VISEMES


def test_voices_by_name_and_by_language(engine: EspeakEngine) -> None:
    voices = engine.voices()
    assert {"en-us", "en-gb", "de", "fr-fr"} <= set(voices)
    for voice in ("en-gb", "de", "fr-fr"):
        assert synth(engine, "Bonjour.", VoiceSettings(voice=voice))[0].samples.size > 0
    with pytest.raises(ValueError, match="no voice"):
        synth(engine, "Hello.", VoiceSettings(voice="xx-nonexistent"))
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


