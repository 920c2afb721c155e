"""Streaming parser for the three-stage turn format: <react>, <respond>, <reflect>.

One parser serves the app, the terminal chat, the benchmarks and the GRPO format reward.

Tolerances (what small models really emit): tag names in any case, whitespace inside tags
(`< /Respond >`), a missing closing tag (a new opening tag or the end of the stream closes the
open section), text outside tags (ignored but counted), repeated sections (their texts are
concatenated), unknown tags and stray `<` in prose (`3 < 5`, `<3`, `<b>`) kept as text.

Streaming guarantee: a `<` that could still become a tag is held back until it is decided, so
for any chunking of a text the concatenated text events of a section equal that section in
`parse_turn` before whitespace stripping. Decisions depend only on the characters, never on
where the chunks were cut. Nothing here raises on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SECTIONS: tuple[str, ...] = ("react", "respond", "reflect")
EventKind = Literal["open", "text", "close"]

# Whitespace inside a tag is capped so the held-back prefix stays bounded; the same caps in
# both patterns keep "is a tag" and "could become a tag" consistent with each other.
_WS = 16
_TAG = re.compile(rf"<\s{{0,{_WS}}}(/\s{{0,{_WS}}})?(react|respond|reflect)\s{{0,{_WS}}}>", re.I)
_PARTIAL = re.compile(r"<(\s*)(?:/(\s*))?([a-zA-Z]*)(\s*)")


def _could_become_tag(rest: str) -> bool:
    """True if `rest` (starting with '<') is a proper prefix of some tag `_TAG` matches."""
    m = _PARTIAL.fullmatch(rest)
    if m is None or any(g is not None and len(g) > _WS for g in m.groups()):
        return False
    name = m[3].lower()
    if m[4]:
        return name in SECTIONS
    return any(s.startswith(name) for s in SECTIONS)


@dataclass(frozen=True, slots=True)
class TagEvent:
    """One parser event. `text` is set only for kind == 'text'."""

    kind: EventKind
    section: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """The three sections of one model turn, whitespace-stripped, '' when absent."""

    react: str = ""
    respond: str = ""
    reflect: str = ""


@dataclass(frozen=True, slots=True)
class FormatReport:
    """How well a turn followed the format; used by benchmarks and the GRPO format reward."""

    order: tuple[str, ...]  # sections in the order they were opened, repeats included
    unclosed: tuple[str, ...]  # sections closed implicitly (new tag or end of stream)
    stray_closes: int  # closing tags with no matching open section (dropped)
    outside_chars: int  # non-whitespace characters outside any section

    @property
    def present(self) -> frozenset[str]:
        return frozenset(self.order)

    @property
    def complete(self) -> bool:
        return self.present == frozenset(SECTIONS)

    @property
    def duplicates(self) -> tuple[str, ...]:
        return tuple(s for s in SECTIONS if self.order.count(s) > 1)

    @property
    def in_order(self) -> bool:
        firsts = [s for i, s in enumerate(self.order) if s not in self.order[:i]]
        return firsts == sorted(firsts, key=SECTIONS.index)

    @property
    def well_formed(self) -> bool:
        return (
            self.order == SECTIONS
            and not self.unclosed
            and not self.stray_closes
            and not self.outside_chars
        )


class StreamParser:
    """Incremental parser: `feed(chunk)` and finally `finish()` return lists of `TagEvent`."""

    __slots__ = ("_order", "_outside", "_parts", "_pending", "_section", "_stray", "_unclosed")

    def __init__(self) -> None:
        self._section: str | None = None
        self._pending = ""
        self._order: list[str] = []
        self._unclosed: list[str] = []
        self._stray = 0
        self._outside = 0
        self._parts: dict[str, list[str]] = {s: [] for s in SECTIONS}

    @property
    def section(self) -> str | None:
        """The section currently open, if any."""
        return self._section

    def feed(self, chunk: str) -> list[TagEvent]:
        events: list[TagEvent] = []
        buf = self._pending + chunk if self._pending else chunk
        self._pending = ""
        start = 0  # beginning of text not yet emitted
        pos = buf.find("<")
        while pos != -1:
            m = _TAG.match(buf, pos)
            if m is None:
                if _could_become_tag(buf[pos:]):
                    self._text(buf[start:pos], events)
                    self._pending = buf[pos:]
                    return events
                pos = buf.find("<", pos + 1)
                continue
            self._text(buf[start:pos], events)
            self._tag(m[2].lower(), closing=m[1] is not None, events=events)
            start = m.end()
            pos = buf.find("<", start)
        self._text(buf[start:], events)
        return events

    def finish(self) -> list[TagEvent]:
        """End of stream: held-back text is literal and an open section is closed."""
        events: list[TagEvent] = []
        self._text(self._pending, events)
        self._pending = ""
        if self._section is not None:
            self._unclosed.append(self._section)
            events.append(TagEvent("close", self._section))
            self._section = None
        return events

    def turn(self) -> Turn:
        """The sections seen so far (complete after `finish`)."""
        return Turn(*("".join(self._parts[s]).strip() for s in SECTIONS))

    def report(self) -> FormatReport:
        return FormatReport(
            order=tuple(self._order),
            unclosed=tuple(self._unclosed),
            stray_closes=self._stray,
            outside_chars=self._outside,
        )

    def _text(self, text: str, events: list[TagEvent]) -> None:
        if not text:
            return
        if self._section is None:
            self._outside += sum(len(word) for word in text.split())
            return
        self._parts[self._section].append(text)
        # Coalesce adjacent text of one feed into one event: fewer objects per token.
        if events and events[-1].kind == "text" and events[-1].section == self._section:
            events[-1] = TagEvent("text", self._section, events[-1].text + text)
        else:
            events.append(TagEvent("text", self._section, text))

    def _tag(self, name: str, *, closing: bool, events: list[TagEvent]) -> None:
        if closing:
            if name == self._section:
                events.append(TagEvent("close", name))
                self._section = None
            else:
                self._stray += 1
            return
        if self._section is not None:
            self._unclosed.append(self._section)
            events.append(TagEvent("close", self._section))
        self._section = name
        self._order.append(name)
        events.append(TagEvent("open", name))


def parse_turn(text: str) -> Turn:
    """Parse a complete model output into its three sections."""
    parser = StreamParser()
    parser.feed(text)
    parser.finish()
    return parser.turn()


def format_report(text: str) -> FormatReport:
    """Format compliance of a complete model output."""
    parser = StreamParser()
    parser.feed(text)
    parser.finish()
    return parser.report()


def neutralise_tags(text: str) -> str:
    """Make user-supplied text unable to open or close a section when put into a prompt.

    A zero-width joiner after '<' keeps the text readable for the model while no tag pattern
    (or partial tag) can match across it.
    """
    return text.replace("<", "<\u200d")
