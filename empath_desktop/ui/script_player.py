"""Scripted conversations for unattended demos and end-to-end checks.

Each line of the script is typed into the input visibly, sent, and the next one starts when
the turn (reflection included) is recorded. With a record dir, a screenshot of the window is
saved after each stage of each turn, and `timings.json` collects per-turn UI timings and the
parsed sections.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from empath_desktop.chat.pipeline import TurnRecord

if TYPE_CHECKING:  # the window is given to the player by the composition root (app.py)
    from empath_desktop.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

TYPE_MS = 28  # per character: fast enough for a demo, slow enough to read
PAUSE_MS = 600  # between a finished turn and typing the next message


class ScriptError(Exception):
    """A script that cannot be played; the message is one paragraph for the user."""


def read_script(path: Path) -> list[str]:
    """One user message per non-empty line; lines starting with '#' are comments. Raises
    ScriptError for a file that cannot be read or is not UTF-8 text."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ScriptError(
            f"The script {path} is not UTF-8 text (byte {exc.start} cannot be read as UTF-8), "
            "so nothing was played. Save it as UTF-8 and try again."
        ) from exc
    except OSError as exc:
        raise ScriptError(
            f"The script {path} could not be read ({exc.strerror or exc}), so nothing was played."
        ) from exc
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@dataclass
class _TurnLog:
    user: str
    screenshots: list[str] = field(default_factory=list)


class ScriptPlayer(QObject):
    sig_finished = Signal(int)  # exit code: 0, or 1 when the model never became ready

    def __init__(
        self,
        window: MainWindow,
        messages: list[str],
        record_dir: Path | None = None,
        type_ms: int = TYPE_MS,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._messages = list(messages)
        self._record_dir = record_dir
        self._type_ms = type_ms
        self._index = -1
        self._typed = ""
        self._logs: list[dict] = []
        self._current: _TurnLog | None = None
        self._type_timer = QTimer(self)
        self._type_timer.setInterval(type_ms)
        self._type_timer.timeout.connect(self._on_type_tick)
        if record_dir is not None:
            record_dir.mkdir(parents=True, exist_ok=True)
        window.sig_stage_reached.connect(self._on_stage_reached)
        window.sig_turn_recorded.connect(self._on_turn_recorded)
        window.sig_state_changed.connect(self._on_state_changed)

    def start(self) -> None:
        if self._window.state == "ready":
            self._next()
        elif self._window.state == "error":
            self._finish(1)

    def _on_state_changed(self, state: str) -> None:
        if self._index == -1 and state == "ready":
            self._next()
        elif self._index == -1 and state == "error":
            self._finish(1)

    def _next(self) -> None:
        self._index += 1
        if self._index >= len(self._messages):
            self._finish(0)
            return
        self._typed = ""
        self._window.input.clear()
        self._type_timer.start()

    def _on_type_tick(self) -> None:
        message = self._messages[self._index]
        if len(self._typed) < len(message):
            self._typed = message[: len(self._typed) + 1]
            self._window.input.setPlainText(self._typed)
            return
        self._type_timer.stop()
        self._current = _TurnLog(user=message)
        self._window.input.submit()

    def _on_stage_reached(self, stage: str) -> None:
        if self._current is None or self._record_dir is None:
            return
        name = f"turn{self._index + 1:02d}-{stage}.png"
        if self._window.grab().save(str(self._record_dir / name)):
            self._current.screenshots.append(name)
        else:
            logger.warning("could not save screenshot %s", name)

    def _on_turn_recorded(self, record: TurnRecord) -> None:
        if self._current is None:
            return
        timings = self._window.turn_timings()
        self._logs.append(
            {
                "user": self._current.user,
                "reaction_applied_ms": timings.get("reaction_applied_ms"),
                "first_respond_ms": timings.get("first_respond_ms"),
                "respond_done_ms": timings.get("respond_done_ms"),
                "reflect_done_ms": timings.get("reflect_done_ms"),
                "engine_ms": record.timings,
                "react": record.turn.react,
                "respond": record.turn.respond,
                "reflect": record.turn.reflect,
                "expression": record.reaction.expression,
                "posture": record.reaction.posture,
                "well_formed": record.report.well_formed,
                "screenshots": self._current.screenshots,
            }
        )
        self._current = None
        self._write_timings()
        QTimer.singleShot(PAUSE_MS, self._next)

    def _write_timings(self) -> None:
        if self._record_dir is None:
            return
        path = self._record_dir / "timings.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"turns": self._logs}, indent=2), encoding="utf-8")
        tmp.replace(path)

    def _finish(self, code: int) -> None:
        self._write_timings()
        self.sig_finished.emit(code)
