"""The format guarantee of one turn: the model's chunks in, well-formed tagged text out.

The scaffold writes the opening tag of a section itself and watches what the model writes after
it through one `StreamParser`, fed each chunk once. While the model writes exactly the expected
closing and opening tags, its generation runs on through them (no restart, the KV cache stays
warm). At the first deviation (a tag out of order, text between sections, a section over its
token budget) the scaffold asks for the generation to be cut; `end()` then closes the section
for the model, and the next `open()` writes the next opening tag, from which a new generation
continues. Whatever the model writes, `raw` is a well-formed sequence of the sections written.

The scaffold knows nothing of backends or threads: the caller streams, feeds and stops.

    scaffold.begin((("react", 32), ("respond", 200)))
    while not scaffold.done:
        pieces = scaffold.open()  # a lead set for the section, as the model's text
        for chunk in backend.stream(prompt + scaffold.raw, max_tokens=scaffold.max_tokens):
            pieces = scaffold.feed(chunk)  # (section, text), (section, None) when closed
            if scaffold.cut:
                break
        pieces = scaffold.end()
"""

from __future__ import annotations

from collections.abc import Sequence

from empath_desktop.chat.tags import SECTIONS, StreamParser, Turn

# (section, text) for the model's text in a section, (section, None) once the section closed.
Piece = tuple[str, str | None]


class Scaffold:
    """One turn's tagged text, built from the sections the caller writes and the model
    generates. Not thread-safe: one turn, one caller."""

    __slots__ = (
        "_budgets",
        "_current",
        "_cut",
        "_index",
        "_lead",
        "_leads",
        "_order",
        "_outside",
        "_parts",
        "_probe",
        "_raw",
        "_sections",
        "_used",
    )

    def __init__(self, react_lead: str = "") -> None:
        """`react_lead` is written after `<react>` before the model continues (it becomes part
        of the react text, though the model did not write it)."""
        self._lead = react_lead
        # One-shot openings per section (`lead`), shown like the model's own text.
        self._leads: dict[str, str] = {}
        self._raw = ""
        self._parts: dict[str, list[str]] = {s: [] for s in SECTIONS}
        self._sections: list[str] = []
        # The stage being generated.
        self._order: tuple[str, ...] = ()
        self._budgets: dict[str, int] = {}
        self._index = 0
        # The generation in progress.
        self._probe = StreamParser()
        self._current: str | None = None
        self._used = 0
        self._outside = 0
        self._cut = False

    @property
    def raw(self) -> str:
        """Everything written so far: what the prompt is extended by."""
        return self._raw

    @property
    def sections(self) -> tuple[str, ...]:
        """The sections opened so far, in order."""
        return tuple(self._sections)

    def turn(self) -> Turn:
        """The sections' texts so far, as `parse_turn(raw)` reads them."""
        return Turn(*("".join(self._parts[s]).strip() for s in SECTIONS))

    def write(self, section: str, text: str) -> None:
        """A whole section the caller decided (the appraised react), not generated."""
        self._open_tag(section)
        self._accept(section, text)
        self._close_tag(section)

    def lead(self, section: str, text: str) -> None:
        """Open `section` with `text` (the answer's first words, recalled) before the model
        continues it. Unlike `react_lead`, `open()` returns it as a piece: it is part of what
        the user is shown."""
        if text:
            self._leads[section] = text

    def begin(self, stage: Sequence[tuple[str, int]]) -> None:
        """The sections to generate next, in order, each with its token budget."""
        self._order = tuple(name for name, _ in stage)
        self._budgets = dict(stage)
        self._index = 0

    @property
    def done(self) -> bool:
        """Every section of the stage is closed."""
        return self._index >= len(self._order)

    @property
    def last_close(self) -> str:
        """The closing tag of the stage's last section: a stop string for the generation, so a
        server stops there instead of writing on until it notices the closed stream (`end()`
        then closes the section, as for any generation that stops)."""
        return f"</{self._order[-1]}>"

    @property
    def max_tokens(self) -> int:
        """The budget left for the rest of the stage: one generation may run through all of it."""
        return sum(self._budgets[name] for name in self._order[self._index :])

    @property
    def cut(self) -> bool:
        """The generation must stop: the model deviated or the stage is complete."""
        return self._cut

    def open(self) -> list[Piece]:
        """Write the next section's opening tag (and its lead): a generation starts after it."""
        name = self._order[self._index]
        self._open_tag(name)
        if name == "react" and self._lead:
            self._accept(name, self._lead)
        pieces: list[Piece] = []
        if lead := self._leads.pop(name, ""):
            self._accept(name, lead)
            pieces.append((name, lead))
        self._probe = StreamParser()
        self._probe.feed(f"<{name}>")
        self._current = name
        self._used = 0
        self._outside = 0
        self._cut = False
        return pieces

    def feed(self, chunk: str) -> list[Piece]:
        """One chunk (one token) of the model's text. Returns the pieces it adds; check `cut`
        afterwards. Text that deviates is dropped."""
        pieces: list[Piece] = []
        self._used += 1
        current = self._current
        for ev in self._probe.feed(chunk):
            if ev.kind == "text" and ev.section == current:
                self._accept(current, ev.text)
                pieces.append((current, ev.text))
            elif ev.kind == "close" and ev.section == current:
                self._close_tag(current)
                pieces.append((current, None))
                current = None
                self._index += 1
            elif (
                ev.kind == "open"
                and current is None
                and not self.done
                and (ev.section == self._order[self._index])
            ):
                current = ev.section
                self._open_tag(current)
                self._used = 0
            else:
                self._cut = True
                break
        self._current = current
        between = self._probe.report().outside_chars
        if between > self._outside or (current is not None and self._used > self._budgets[current]):
            self._cut = True
        self._outside = between
        if self.done:
            self._cut = True
        return pieces

    def end(self) -> list[Piece]:
        """The generation stopped (cut, end of stream or cancelled): closes the open section.
        Text the parser held back at the end of an uncut stream is the model's, and literal."""
        pieces: list[Piece] = []
        current = self._current
        if current is None:
            return pieces
        if not self._cut:
            for ev in self._probe.finish():
                if ev.kind == "text":
                    self._accept(current, ev.text)
                    pieces.append((current, ev.text))
        self._close_tag(current)
        pieces.append((current, None))
        self._current = None
        self._index += 1
        return pieces

    def _open_tag(self, name: str) -> None:
        self._raw += f"\n<{name}>" if self._raw else f"<{name}>"
        self._sections.append(name)

    def _close_tag(self, name: str) -> None:
        self._raw += f"</{name}>"

    def _accept(self, section: str, text: str) -> None:
        self._raw += text
        self._parts[section].append(text)
