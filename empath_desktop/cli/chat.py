"""`empath chat`: the three stages in a terminal.

The reaction appears as one line the moment it is parsed, the reply streams, the reflection
follows dimmed (or hidden). Ctrl-C cancels the running turn without leaving; `reset` starts
over; `quit` or Ctrl-D leaves. Works with piped stdin (one message per line). Both chats drive
a `ChatSession`, so every turn is saved to the same conversation files as the window's.

`empath chat --jsonl` is the same conversation for programs (`run_chat_jsonl`): every non-blank
line of stdin is one user message, verbatim (`reset` and `quit` are messages like any other;
end of input ends the chat), and each turn prints exactly one JSON object on one line of
stdout, nothing else (`turn_json` lists the keys). A failed turn prints
`{"user": ..., "error": "<paragraph>"}` and the chat goes on. Progress and errors go to stderr.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import sys
from types import FrameType
from typing import Any, TextIO

from empath_desktop.chat.pipeline import (
    ReactionReady,
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnFailed,
    TurnRecord,
    TurnRecorded,
)
from empath_desktop.session import ChatSession, SaveFailed

logger = logging.getLogger(__name__)

DIM, RESET = "\033[2m", "\033[0m"


def stdin_text() -> TextIO:
    """Standard input as UTF-8 text with undecodable bytes replaced (U+FFFD): a stray Latin-1
    byte in a pipe must not end the chat."""
    return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")


def run_chat(session: ChatSession, *, hide_reflections: bool, out: TextIO = sys.stdout) -> int:
    """The interactive chat on a session whose model is loaded (stdin read as `stdin_text`)."""
    inp = stdin_text()
    tty = out.isatty()
    dim, reset = (DIM, RESET) if tty else ("", "")
    stopped = False

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopped
        stopped = True
        session.stop()

    if sys.stdin.isatty():
        out.write(f"Chatting with {session.persona_name} on {session.model_name}. "
                  "'reset' starts over, 'quit' or Ctrl-D leaves, Ctrl-C stops a reply.\n")
        if greeting := session.greeting():
            out.write(f"{session.persona_name}: {greeting}\n")
    while True:
        if sys.stdin.isatty():
            out.write("\nyou> ")
            out.flush()
        line = inp.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in {"quit", "exit"}:
            return 0
        if text.lower() == "reset":
            session.new()
            session.reset_memory()
            out.write("(new conversation)\n")
            continue
        stopped = False
        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            shown_reaction = False
            for ev in session.run_turn(text):
                match ev:
                    case ReactionReady(reaction=r) if not shown_reaction:
                        out.write(f"({r.expression} · {r.posture})\n{session.persona_name}: ")
                        shown_reaction = True
                    case RespondDelta(text=piece):
                        out.write(piece)
                    case RespondDone():
                        out.write("\n")
                    case ReflectDelta(text=piece) if not hide_reflections:
                        out.write(f"{dim}{piece}{reset}")
                    case ReflectDone(text=reflection) if not hide_reflections and reflection:
                        out.write("\n")
                    case TurnFailed(message=message):
                        out.write(f"[error] {message}\n")
                    case SaveFailed(message=message):
                        print(f"empath: {message}", file=sys.stderr)
                out.flush()
            if stopped:
                out.write("\n(stopped)\n")
        finally:
            signal.signal(signal.SIGINT, previous)


def claim_stdout() -> TextIO:
    """Reserve stdout for JSON lines: return a stream on a copy of file descriptor 1 and point
    descriptor 1 itself at stderr, so nothing else (a stray print, a native library's message
    while loading the model) can reach the stream a program parses. Where stdout has no file
    descriptor (captured in tests) it is returned as it is."""
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
        copy = os.dup(fd)
    except (OSError, ValueError, io.UnsupportedOperation):
        return sys.stdout
    os.dup2(sys.stderr.fileno(), fd)
    # Named, not the locale's: the lines are ASCII anyway (`turn_json_line`), and "\n" on
    # every platform keeps one object per line for the reader.
    return open(copy, "w", encoding="utf-8", newline="\n", closefd=True)


def turn_json(record: TurnRecord) -> dict[str, Any]:
    """The JSON object of one finished turn.

    Keys: `user`, `react` (the react text), `expression`, `posture`, `intensity` (the final
    reaction), `respond`, `reflect`, `timings` (ms since send, `TurnRecord.timings`),
    `well_formed` (the record's format report) and `cancelled`.
    """
    r = record.reaction
    return {
        "user": record.user,
        "react": record.turn.react,
        "expression": r.expression,
        "posture": r.posture,
        "intensity": round(r.intensity, 3),
        "respond": record.turn.respond,
        "reflect": record.turn.reflect,
        "timings": dict(record.timings),
        "well_formed": record.report.well_formed,
        "cancelled": record.cancelled,
    }


def turn_json_line(obj: dict[str, Any]) -> str:
    """One line of `--jsonl` output. ASCII-escaped: whatever the locale's encoding, writing it
    cannot fail, and any JSON reader restores the text."""
    return json.dumps(obj, ensure_ascii=True) + "\n"


def _turn_object(session: ChatSession, text: str) -> dict[str, Any]:
    record: TurnRecord | None = None
    failure: str | None = None
    for ev in session.run_turn(text):
        match ev:
            case TurnFailed(message=message):
                failure = message
            case TurnRecorded(record=rec):
                record = rec
            case SaveFailed(message=message):
                logger.warning("%s", message)
    if failure is not None:
        return {"user": text, "error": f"{failure} The conversation goes on with the next message."}
    if record is None:
        return {
            "user": text,
            "error": "The model produced no answer for this message. "
            "The conversation goes on with the next message.",
        }
    return turn_json(record)


def run_chat_jsonl(
    session: ChatSession, *, inp: TextIO | None = None, out: TextIO | None = None
) -> int:
    """The `--jsonl` chat: one message per non-blank input line, one JSON line per turn.

    `inp` defaults to `stdin_text()`, `out` to stdout. Ctrl-C cancels the running turn, whose
    object then says `"cancelled": true`.
    """
    inp = stdin_text() if inp is None else inp
    out = sys.stdout if out is None else out

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        session.stop()

    turns = 0
    for line in inp:
        text = line.strip()
        if not text:
            continue
        turns += 1
        logger.info("turn %d: %.60r", turns, text)
        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            obj = _turn_object(session, text)
        finally:
            signal.signal(signal.SIGINT, previous)
        if "error" in obj:
            logger.error("turn %d failed: %s", turns, obj["error"])
        out.write(turn_json_line(obj))
        out.flush()
    return 0
