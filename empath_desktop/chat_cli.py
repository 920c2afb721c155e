"""`empath chat`: the three stages in a terminal.

The reaction appears as one line the moment it is parsed, the reply streams, the reflection
follows dimmed (or hidden). Ctrl-C cancels the running turn without leaving; `reset` starts
over; `quit` or Ctrl-D leaves. Works with piped stdin (one message per line).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import TextIO

from empath_desktop.engine.pipeline import (
    Pipeline,
    ReactionReady,
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnFailed,
)

DIM, RESET = "\033[2m", "\033[0m"


def run_chat(pipeline: Pipeline, *, hide_reflections: bool, out: TextIO = sys.stdout) -> int:
    tty = out.isatty()
    dim, reset = (DIM, RESET) if tty else ("", "")
    cancel = threading.Event()

    def on_sigint(_signum: int, _frame: FrameType | None) -> None:
        cancel.set()

    name = pipeline.persona.name
    if sys.stdin.isatty():
        out.write(f"Chatting with {name} on {pipeline.backend.name}. "
                  "'reset' starts over, 'quit' or Ctrl-D leaves, Ctrl-C stops a reply.\n")
    while True:
        if sys.stdin.isatty():
            out.write("\nyou> ")
            out.flush()
        line = sys.stdin.readline()
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        if text.lower() in {"quit", "exit"}:
            return 0
        if text.lower() == "reset":
            pipeline.reset()
            out.write("(new conversation)\n")
            continue
        cancel.clear()
        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            shown_reaction = False
            for ev in pipeline.run_turn(text, cancel):
                match ev:
                    case ReactionReady(reaction=r) if not shown_reaction or ev.final:
                        if not shown_reaction:
                            out.write(f"({r.expression} · {r.posture})\n{name}: ")
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
                out.flush()
            if cancel.is_set():
                out.write("\n(stopped)\n")
        finally:
            signal.signal(signal.SIGINT, previous)
