"""Conversation history: one append-only JSONL file per conversation (DESIGN.md §6).

The first line is a header record, then one line per finished turn. Each turn is written as
one complete line, then fsynced, so a crash loses at most the turn in flight. A write the disk
refuses half-way is cut off again; a torn line left by a crash is ended by the next append and
skipped (counted, logged) when the file is read, as is any line that is not a valid record.
Pure Python: the window owns a `ConversationStore` and appends each `TurnRecord` it receives.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import logging
import math
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from empath_desktop.atomic import fsync_dir, write_text_atomic
from empath_desktop.chat.prompts import Exchange
from empath_desktop.store.settings import data_dir

if TYPE_CHECKING:
    # Only for annotations: the pipeline module imports llama.cpp, which this module never needs.
    from empath_desktop.chat.pipeline import TurnRecord

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
SUFFIX = ".jsonl"
# Microseconds in the name keep creation order unambiguous when names are compared.
_NAME_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
# Windows would otherwise translate bytes in text mode; POSIX has no such flag.
_O_BINARY = getattr(os, "O_BINARY", 0)


class ConversationError(Exception):
    """A conversation file that cannot be read at all; the message is meant for people."""


@dataclass(frozen=True, slots=True)
class SavedTurn:
    """One turn as read back from disk."""

    user: str
    react: str
    respond: str
    reflect: str
    expression: str = "neutral"
    posture: str = "neutral"
    intensity: float = 0.5
    confidence: float = 0.0
    raw: str = ""
    time: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    generated_tokens: int = 0
    generation_s: float = 0.0
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class LoadedConversation:
    """A conversation file's header and its readable turns, oldest first.

    `skipped` counts lines that could not be read (a torn last line after a crash).
    """

    path: Path
    header: dict[str, Any]
    turns: tuple[SavedTurn, ...]
    skipped: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _turn_line(record: TurnRecord) -> dict[str, Any]:
    reaction = record.reaction
    report = record.report
    return {
        "type": "turn",
        "time": _now().isoformat(timespec="seconds"),
        "user": record.user,
        "raw": record.raw,
        "react": record.turn.react,
        "respond": record.turn.respond,
        "reflect": record.turn.reflect,
        "reaction": {
            "expression": reaction.expression,
            "posture": reaction.posture,
            "intensity": reaction.intensity,
            "confidence": reaction.confidence,
            "text": reaction.text,
        },
        "format": {
            "order": list(report.order),
            "unclosed": list(report.unclosed),
            "stray_closes": report.stray_closes,
            "outside_chars": report.outside_chars,
            "well_formed": report.well_formed,
        },
        "timings": dict(record.timings),
        "generated_tokens": record.generated_tokens,
        "generation_s": record.generation_s,
        "cancelled": record.cancelled,
    }


def _encode(obj: dict[str, Any]) -> bytes:
    # ensure_ascii keeps every line pure ASCII: no encoding surprises, and json escapes any
    # newline inside the text, so one record is always exactly one line.
    return (json.dumps(obj, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")


class Conversation:
    """An open conversation file that turns are appended to. Use from one thread."""

    def __init__(self, path: Path, header: dict[str, Any] | None = None) -> None:
        self.path = path
        # A new conversation writes its header with the first turn, so starting a
        # conversation nobody talks in leaves no empty file behind.
        self._pending_header = header

    def append(self, record: TurnRecord) -> None:
        """Write one turn durably; raises `OSError` if the disk refuses.

        A failed write takes back what it wrote, so the file still ends on a complete line:
        every earlier turn stays readable and the next successful turn starts a line of its own.
        """
        data = _encode(_turn_line(record))
        header = self._pending_header
        if header is not None:
            data = _encode(header) + data
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | _O_BINARY, 0o666)
        try:
            start = os.lseek(fd, 0, os.SEEK_END)
            if not _ends_a_line(fd, start):
                # A crash tore the last line: end it, so it alone stays skipped on load.
                logger.warning("%s ends in a torn line; appending after it", self.path)
                data = b"\n" + data
            try:
                _write_all(fd, data)
                os.fsync(fd)
            except OSError:
                # A full disk writes part of a record, then fails: cut that part off again.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                raise
        finally:
            os.close(fd)
        if header is not None:
            fsync_dir(self.path.parent)
            self._pending_header = None


def _ends_a_line(fd: int, size: int) -> bool:
    """Whether the open file of `size` bytes is empty or ends with a newline."""
    if size == 0:
        return True
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) == b"\n"


def _write_all(fd: int, data: bytes) -> None:
    """`os.write` until all of `data` is written (a write may be short before it fails)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _as_str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def _as_number(value: Any, name: str) -> float:
    # `1e999` parses as inf and `NaN` as nan: neither is a time, an intensity or a count.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TypeError(f"{name} is not a finite number")
    return float(value)


def _as_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name} is not a whole number >= 0")
    return value


def _as_bool(value: Any, name: str) -> bool:
    # Not bool(value): the string "false" is truthy.
    if not isinstance(value, bool):
        raise TypeError(f"{name} is not true or false")
    return value


def _as_object(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{name} is not an object")
    return value


def _saved_turn(obj: dict[str, Any]) -> SavedTurn:
    """Build a turn from one decoded line; raises KeyError/TypeError on a malformed one."""
    reaction = _as_object(obj.get("reaction", {}), "reaction")
    timings = _as_object(obj.get("timings", {}), "timings")
    return SavedTurn(
        user=_as_str(obj["user"], "user"),
        react=_as_str(obj.get("react", ""), "react"),
        respond=_as_str(obj.get("respond", ""), "respond"),
        reflect=_as_str(obj.get("reflect", ""), "reflect"),
        expression=_as_str(reaction.get("expression", "neutral"), "expression"),
        posture=_as_str(reaction.get("posture", "neutral"), "posture"),
        intensity=_as_number(reaction.get("intensity", 0.5), "intensity"),
        confidence=_as_number(reaction.get("confidence", 0.0), "confidence"),
        raw=_as_str(obj.get("raw", ""), "raw"),
        time=_as_str(obj.get("time", ""), "time"),
        timings={k: _as_number(v, f"timings.{k}") for k, v in timings.items()},
        generated_tokens=_as_count(obj.get("generated_tokens", 0), "generated_tokens"),
        generation_s=_as_number(obj.get("generation_s", 0.0), "generation_s"),
        cancelled=_as_bool(obj.get("cancelled", False), "cancelled"),
    )


def _decode_line(line: bytes) -> dict[str, Any]:
    """One record from one line; raises ValueError/TypeError saying why it is not one."""
    try:
        text = line.decode("utf-8")  # strict: json.loads(bytes) would also guess UTF-16/32
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise TypeError("not a JSON object")
    return obj


class ConversationStore:
    """The folder of conversation files (default: `<user data dir>/conversations`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else data_dir() / "conversations"

    def start(self, model: str, persona: str) -> Conversation:
        """A new conversation; its file appears with the first appended turn."""
        created = _now()
        name = f"{created.strftime(_NAME_TIME_FORMAT)}-{secrets.token_hex(4)}{SUFFIX}"
        header = {
            "type": "header",
            "version": FORMAT_VERSION,
            "created": created.isoformat(timespec="seconds"),
            "model": model,
            "persona": persona,
        }
        return Conversation(self.root / name, header)

    def paths(self) -> list[Path]:
        """Every conversation file, oldest first by creation."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.glob(f"*{SUFFIX}") if p.is_file())

    def latest(self) -> Path | None:
        """The conversation written to most recently (a continued old one counts), or None."""
        candidates = []
        for path in self.paths():
            try:
                candidates.append((path.stat().st_mtime_ns, path.name, path))
            except OSError:  # deleted while listing
                continue
        return max(candidates)[2] if candidates else None

    def load(self, path: Path) -> LoadedConversation:
        """Read a conversation; unreadable turn lines are skipped with a warning.

        Raises `ConversationError` if the file cannot be read or has no valid header.
        """
        try:
            lines = path.read_bytes().split(b"\n")
        except OSError as exc:
            raise ConversationError(f"Could not read the conversation {path}: {exc}.") from exc
        header: dict[str, Any] | None = None
        turns: list[SavedTurn] = []
        skipped = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = _decode_line(line)
                if header is None:
                    if obj.get("type") != "header":
                        raise TypeError("the first record is not a header")
                    header = obj
                elif obj.get("type") == "turn":
                    turns.append(_saved_turn(obj))
                else:
                    raise TypeError(f"unknown record type {obj.get('type')!r}")
            except (ValueError, KeyError, TypeError, OverflowError) as exc:
                if header is None:
                    raise ConversationError(
                        f"{path} is not an EMPATH conversation file (line {number}: {exc})."
                    ) from exc
                # A line torn by a crash, or damaged: lose it alone, never the conversation.
                logger.warning("%s line %d skipped: %s", path, number, exc)
                skipped += 1
        if header is None:
            raise ConversationError(f"The conversation file {path} is empty.")
        version = header.get("version")
        if version != FORMAT_VERSION:
            raise ConversationError(
                f"{path} uses conversation format version {version!r}; this version of the "
                f"app reads version {FORMAT_VERSION}. Update the app to open it."
            )
        return LoadedConversation(path, header, tuple(turns), skipped)

    def continue_(self, path: Path) -> Conversation:
        """Keep appending to an existing conversation file; raises `OSError` if it is gone.

        A torn last line (a crash mid-write) is ended by the next append, not here.
        """
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such conversation file", str(path))
        return Conversation(path)


def to_exchanges(loaded: LoadedConversation) -> list[Exchange]:
    """The turns as engine memory, to restore when the user continues a conversation.

    A turn cancelled before any reply never entered the pipeline's memory, so it is left out.
    """
    return [
        Exchange(t.user, t.react, t.respond, t.reflect)
        for t in loaded.turns
        if t.respond or not t.cancelled
    ]


# Characters with inline meaning in CommonMark/GFM (and `$` math on GitHub), escaped anywhere.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]{}|~$])")
# Starts of a line that open a block: headings, lists, thematic breaks, setext underlines.
_BLOCK_START = re.compile(r"^(\s*)([#+\-=]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """Text that renders literally in Markdown: no markup, links or HTML from user or model.

    Line breaks are kept (as hard breaks); blank lines still separate paragraphs.
    """
    lines = []
    for line in text.split("\n"):
        line = _INLINE_SPECIAL.sub(r"\\\1", html.escape(line, quote=False))
        lines.append(_BLOCK_START.sub(lambda m: f"{m[1]}{m[2][:-1]}\\{m[2][-1]}", line))
    out = []
    for i, line in enumerate(lines):
        follows = i + 1 < len(lines) and lines[i + 1].strip()
        out.append(line + "\\" if line.strip() and follows else line)
    return "\n".join(out)


def _display_time(iso: Any) -> str:
    try:
        return datetime.fromisoformat(str(iso)).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return str(iso)


def export_markdown(loaded: LoadedConversation, out_path: Path) -> Path:
    """Write a readable transcript of `loaded` to `out_path` and return that path.

    Crash-safe: an existing file at `out_path` is replaced whole or not at all.
    """
    header = loaded.header
    persona = str(header.get("persona") or "Avatar")
    # Only the file name: an exported transcript should not reveal the user's folders.
    model = Path(str(header.get("model") or "embedded default")).name
    parts = [
        f"# Conversation of {escape_markdown(_display_time(header.get('created')))}",
        "",
        f"Persona: {escape_markdown(persona)} · Model: {escape_markdown(model)}",
    ]
    for turn in loaded.turns:
        parts += ["", "---", "", f"**You:** {escape_markdown(turn.user)}", ""]
        reaction = f"{escape_markdown(turn.expression)} · {escape_markdown(turn.posture)}"
        parts.append(f"**{escape_markdown(persona)}:** *({reaction})*")
        if turn.respond:
            parts += ["", escape_markdown(turn.respond)]
        if turn.cancelled:
            parts += ["", "*(interrupted)*"]
        if turn.reflect:
            parts += [
                "",
                "<details><summary>Reflection</summary>",
                "",
                escape_markdown(turn.reflect),
                "",
                "</details>",
            ]
    write_text_atomic(out_path, "\n".join(parts) + "\n")
    return out_path
