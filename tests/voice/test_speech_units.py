"""Splitting a streamed reply into speakable units: table of cases, every chunking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from empath_desktop.voice.speech_units import SpeechSplitter, speakable

CASES = [
    ("Hello there. How are you?", ["Hello there.", "How are you?"]),
    ("Dr. Smith met Mr. Jones. They talked.", ["Dr. Smith met Mr. Jones.", "They talked."]),
    ("Eat fruit, e.g. apples, i.e. food. Fine.", ["Eat fruit, e.g. apples, i.e. food.", "Fine."]),
    ("She moved to the U.S. last year. Nice.", ["She moved to the U.S. last year.", "Nice."]),
    ("Bring pens, paper, etc. We start soon.", ["Bring pens, paper, etc.", "We start soon."]),
    ("Bring pens, paper, etc. and snacks.", ["Bring pens, paper, etc. and snacks."]),
    ("Pi is about 3.14 and e is 2.718. Neat.", ["Pi is about 3.14 and e is 2.718.", "Neat."]),
    ("It costs $4.50 at 10:30 today.", ["It costs $4.50 at 10:30 today."]),
    ("Well... maybe. Hmm... Let me think.", ["Well... maybe.", "Hmm...", "Let me think."]),
    ("Wait… what? Oh.", ["Wait… what?", "Oh."]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("(It works!) Good.", ["(It works!)", "Good."]),
    ("Wow!!! Really?! Yes.", ["Wow!!!", "Really?!", "Yes."]),
    ("Great job! 🎉 Let's go 🚀.", ["Great job!", "Let's go."]),
    ("Love it!😀Next one.", ["Love it!", "Next one."]),
    ("👍🏽✨", []),
    ("Steps:\n1. Mix it.\n2. Bake it.", ["Steps:", "1. Mix it.", "2. Bake it."]),
    ("- first point\n- second point", ["first point", "second point"]),
    ("This is **really** `important`.", ["This is really important."]),
    ("and then it just ended", ["and then it just ended"]),
    ("...", []),
    ("你好。再见！", ["你好。", "再见！"]),
    (
        "When the storm finally passed over the hills and the rivers had calmed down again, "
        "we walked out to look at the damage; it was less than we feared.",
        [
            "When the storm finally passed over the hills and the rivers had calmed down again,",
            "we walked out to look at the damage; it was less than we feared.",
        ],
    ),
]


def split(text: str, cuts: list[int], splitter: SpeechSplitter | None = None) -> list[str]:
    splitter = splitter or SpeechSplitter()
    units: list[str] = []
    last = 0
    for cut in sorted(cuts):
        units += splitter.feed(text[last:cut])
        last = cut
    return units + splitter.feed(text[last:]) + splitter.finish()


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_units_whole_and_at_every_split(text: str, expected: list[str]) -> None:
    assert split(text, []) == expected
    assert split(text, list(range(len(text)))) == expected  # one character at a time
    for cut in range(len(text) + 1):
        assert split(text, [cut]) == expected, cut


@settings(max_examples=150, deadline=None)
@given(
    picks=st.lists(st.sampled_from([text for text, _ in CASES]), min_size=1, max_size=4),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=25),
)
def test_any_chunking_gives_the_same_units(picks: list[str], cuts: list[int]) -> None:
    text = " ".join(picks)
    cuts = [c for c in cuts if c <= len(text)]
    assert split(text, cuts) == split(text, [])


def test_a_sentence_is_emitted_as_soon_as_the_next_one_begins() -> None:
    splitter = SpeechSplitter()
    assert splitter.feed("Hello there.") == []  # could still be "Hello there.5" or an ellipsis
    assert splitter.feed(" How") == ["Hello there."]
    assert splitter.feed(" is it going") == []
    assert splitter.finish() == ["How is it going"]


def test_a_decimal_point_is_held_until_the_digits_arrive() -> None:
    splitter = SpeechSplitter()
    assert splitter.feed("It is 3.") == []
    assert splitter.feed("14 today. And") == ["It is 3.14 today."]


def test_reset_forgets_pending_text() -> None:
    splitter = SpeechSplitter()
    splitter.feed("Half a sent")
    splitter.reset()
    assert splitter.feed("New one. ") == ["New one."]


def test_a_unit_without_boundary_is_cut_at_max_chars_on_a_space() -> None:
    splitter = SpeechSplitter(clause_chars=20, max_chars=30)
    text = "word " * 20
    units = split(text, [], splitter)
    assert all(len(unit) <= 30 for unit in units)
    assert " ".join(units) == text.strip()
    assert split(text, list(range(len(text))), SpeechSplitter(clause_chars=20, max_chars=30)) == (
        units
    )


def test_speakable_cleans_markup_and_emoji() -> None:
    assert speakable("  *Hi* 😀 _there_ !  ") == "Hi there!"
    assert speakable("> quoted `code`") == "quoted code"
