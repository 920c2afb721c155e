"""Streaming text → speakable units (sentences, or clauses of long sentences).

`SpeechSplitter` is fed the respond deltas as the model writes them and hands back each unit the
moment it is certainly complete, so speech can start while the reply is still being generated.
A boundary is only decided once the text after it is known (a period followed by a space, not
by a digit), so the result never depends on how the stream was chunked: for any chunking,
the units of ``feed(...)`` calls followed by ``finish()`` are those of the whole text at once.
"""

from __future__ import annotations

import re

# Sentence ends. CJK full stops need no following space.
_TERMINATORS = frozenset(".!?…。！？")
_CJK_TERMINATORS = frozenset("。！？")
# May follow a terminator and still belong to the sentence: quotes, brackets, markdown emphasis.
_CLOSERS = frozenset("\"'”’»)]}*_」』")
# Clause marks split only long units, so short sentences keep their natural prosody.
_CLAUSE_MARKS = frozenset(",;:")

# Titles are followed by a name, never by a new sentence.
_TITLES = frozenset(
    ("mr", "mrs", "ms", "mx", "dr", "prof", "st", "mt", "sgt", "capt", "col", "gen", "lt", "rev",
     "hon", "fr", "gov", "sen", "rep", "pres")
)  # fmt: skip
# Abbreviations that practically never end a sentence.
_NEVER_END = frozenset(["e.g", "i.e", "vs", "cf", "approx", "fig", "ca", "viz", "resp"])
# Abbreviations that end a sentence only when the next word is capitalised.
_MAYBE_END = frozenset(["etc", "inc", "ltd", "co", "corp", "jr", "sr", "a.m", "p.m", "al"])
# "U.S.", "J." — initialisms and initials: splitting them would pause inside a name.
_INITIALISM = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")

# Emoji and their glue (variation selectors, zero-width joiner, keycaps, tag sequences) are
# not spoken: eSpeak would read their names aloud.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"
    "\u2600-\u27bf"
    "\u2300-\u23ff"
    "\u2b00-\u2bff"
    "\ufe00-\ufe0f"
    "\u200d\u20e3\u3030\u303d\u3297\u3299"
    "\U000e0020-\U000e007f"
    "]"
)
_MARKDOWN = re.compile(r"[*`#~]")
_BULLET = re.compile(r"^\s*(?:[-•>]\s+)+")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_MARK = re.compile(r"\s+(?=[.,!?;:…])")


def speakable(text: str) -> str:
    """The text of one unit as it should be spoken: no emoji, markdown or list bullets."""
    text = _EMOJI.sub(" ", text)
    text = _MARKDOWN.sub("", _BULLET.sub("", text)).replace("_", " ")
    return _SPACE_BEFORE_MARK.sub("", _SPACES.sub(" ", text)).strip()


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class SpeechSplitter:
    """Splits a text stream into speakable units as soon as each is complete.

    A unit ends at a sentence terminator followed by whitespace (abbreviations, initials,
    decimals and list numbers excepted), at a newline, or — once it is `clause_chars` long — at
    a clause mark (``, ; :`` followed by whitespace, or an em dash). A unit that reaches
    `max_chars` without a boundary is cut at its last space. Units are cleaned by `speakable`;
    units with nothing to say (``"…"``, an emoji) are dropped. Not thread-safe: one feeder.
    """

    def __init__(self, *, clause_chars: int = 80, max_chars: int = 240) -> None:
        if not 0 < clause_chars <= max_chars:
            raise ValueError("need 0 < clause_chars <= max_chars")
        self._clause_chars = clause_chars
        self._max_chars = max_chars
        self._pending = ""
        self._scan = 0  # positions before this are decided: no boundary there

    def feed(self, delta: str) -> list[str]:
        """Add streamed text; return the units it completed (possibly none)."""
        self._pending += _EMOJI.sub(" ", delta)
        units: list[str] = []
        while (end := self._find_boundary()) is not None:
            unit, self._pending = self._pending[:end], self._pending[end:].lstrip()
            self._scan = 0
            if _has_words(text := speakable(unit)):
                units.append(text)
        return units

    def finish(self) -> list[str]:
        """End of stream: return the rest as a last unit and start afresh."""
        rest = speakable(self._pending)
        self.reset()
        return [rest] if _has_words(rest) else []

    def reset(self) -> None:
        """Forget pending text (the reply was cancelled)."""
        self._pending = ""
        self._scan = 0

    def _find_boundary(self) -> int | None:
        """End index (exclusive) of the first unit in the pending text, None if not yet known."""
        text = self._pending
        i = self._scan
        while i < len(text):
            if i >= self._max_chars:
                cut = text.rfind(" ", 0, self._max_chars)
                return cut if cut > 0 else self._max_chars
            ch = text[i]
            if ch == "\n":
                return i + 1
            if ch in _TERMINATORS:
                decision, resume = self._after_terminator(i)
                if decision is None:
                    self._scan = i
                    return None
                if decision:
                    return resume
                i = resume
                continue
            if (ch in _CLAUSE_MARKS or ch == "—") and len(text[:i].strip()) >= self._clause_chars:
                if ch == "—":
                    return i + 1
                if i + 1 == len(text):
                    self._scan = i
                    return None
                if text[i + 1].isspace():
                    return i + 1
            i += 1
        self._scan = i
        return None

    def _after_terminator(self, i: int) -> tuple[bool | None, int]:
        """Whether the terminator run starting at `i` ends the unit (None: not known yet), and
        the index after the run and its closers (the unit end, or where scanning resumes)."""
        text = self._pending
        j = i
        while j < len(text) and text[j] in _TERMINATORS:
            j += 1
        while j < len(text) and text[j] in _CLOSERS:
            j += 1
        run = text[i:j].rstrip("".join(_CLOSERS))
        if j == len(text):
            return None, j
        if any(ch in _CJK_TERMINATORS for ch in run):
            return True, j
        if not text[j].isspace():
            return False, j  # "3.14", "e.g", "U.S", "wait...what"
        if "!" in run or "?" in run:
            return True, j
        if run != ".":  # ellipsis: a pause inside the sentence unless a new one starts
            return self._next_word_capitalised(j), j
        word = self._word_before(i)
        lower = word.lower()
        if lower in _TITLES or lower in _NEVER_END:
            return False, j
        if lower in _MAYBE_END:
            return self._next_word_capitalised(j), j
        if _INITIALISM.fullmatch(word):
            return False, j
        if word.isdigit() and not text[: i - len(word)].strip():
            return False, j  # "1. First item" — a list number, not a sentence
        return True, j

    def _word_before(self, i: int) -> str:
        text = self._pending
        start = i
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "."):
            start -= 1
        return text[start:i].lstrip(".")

    def _next_word_capitalised(self, j: int) -> bool | None:
        text = self._pending
        rest = text[j:].lstrip()
        if not rest:
            return None
        return not rest[0].islower()
