"""The transcript and the input box.

All model and user text enters the transcript through `QTextCursor.insertText`, which never
interprets markup: HTML, Markdown links or Qt rich text in a reply display literally.

Huge text would freeze the UI (Qt's line layout is quadratic in a run without spaces), so the
transcript shows at most `DISPLAY_CHARS` of a message, with a note of how much is not shown,
and breaks long runs with zero-width spaces; both only in the display, never in what is sent
or saved. A paste that would make the input longer than `MAX_INPUT_CHARS` is cut there, with a
notice under the text saying how much was left out.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QWidget

DISPLAY_CHARS = 4000
MAX_INPUT_CHARS = 20_000
# A break opportunity every 80 characters of a run without whitespace.
_LONG_RUN = re.compile(r"(\S{80})(?=\S)")


def _breakable(text: str) -> str:
    return _LONG_RUN.sub("\\1\u200b", text)


class ChatView(QTextEdit):
    """Read-only transcript; a reply streams in piece by piece."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self._speaker = QTextCharFormat()
        self._speaker.setFontWeight(QFont.Weight.Bold)
        self._body = QTextCharFormat()
        self._note = QTextCharFormat()
        self._note.setFontItalic(True)
        self._note.setForeground(QColor(120, 120, 130))
        self._reply_open = False
        self._shown = 0  # characters of the open reply shown
        self._hidden = 0  # characters of the current message not shown

    def add_user(self, text: str) -> None:
        self._paragraph()
        self._insert("You: ", self._speaker)
        self._insert_body(text, 0)

    def begin_reply(self, name: str, note: str = "") -> None:
        self._paragraph()
        self._insert(f"{name}: ", self._speaker)
        if note:
            self._insert(f"({note}) ", self._note)
        self._reply_open = True
        self._shown = 0
        self._hidden = 0

    def append_reply(self, text: str) -> None:
        if self._reply_open and text:
            self._shown += self._insert_body(text, self._shown)

    def end_reply(self, note: str = "") -> None:
        self._note_hidden()
        if note:
            self._insert(f" [{note}]", self._note)
        self._reply_open = False

    def _insert_body(self, text: str, shown: int) -> int:
        """Show what fits of `text` after `shown` characters of its message; return how many
        were shown. The rest is counted and noted once the message ends."""
        room = max(DISPLAY_CHARS - shown, 0)
        if room:
            self._insert(_breakable(text[:room]), self._body)
        self._hidden += max(len(text) - room, 0)
        if not self._reply_open:
            self._note_hidden()
        return min(len(text), room)

    def _note_hidden(self) -> None:
        if self._hidden:
            self._insert(f" … [{self._hidden:,} more characters not shown]", self._note)
            self._hidden = 0

    def add_notice(self, text: str) -> None:
        self._paragraph()
        self._insert(text, self._note)

    def transcript(self) -> str:
        return self.toPlainText()

    def _paragraph(self) -> None:
        if not self.document().isEmpty():
            self._insert("\n\n", self._body)

    def _insert(self, text: str, fmt: QTextCharFormat) -> None:
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text, fmt)
        self.setTextCursor(cursor)
        self.ensureCursorVisible()


class ChatInput(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line; typing is reported for the avatar."""

    sig_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Say something… (Enter sends, Shift+Enter for a new line)")
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self._notice = QLabel(self)
        self._notice.setTextFormat(Qt.TextFormat.PlainText)
        self._notice.setStyleSheet("color: #a04000; background: palette(base);")
        self._notice.hide()
        self.textChanged.connect(self._on_text_changed)

    def notice(self) -> str:
        """The inline notice shown under the text ('' when none)."""
        return self._notice.text() if self._notice.isVisible() else ""

    def insertFromMimeData(self, source: QMimeData) -> None:  # noqa: N802 - Qt override
        text = source.text() if source.hasText() else ""
        selected = len(self.textCursor().selectedText())
        room = MAX_INPUT_CHARS - (len(self.toPlainText()) - selected)
        if len(text) <= room:
            super().insertFromMimeData(source)
            return
        kept = max(room, 0)
        self.textCursor().insertText(text[:kept])
        self._show_notice(
            f"Pasted text cut to fit: {len(text) - kept:,} of its {len(text):,} characters were "
            f"not pasted (a message holds at most {MAX_INPUT_CHARS:,})."
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place_notice()

    def _show_notice(self, text: str) -> None:
        self._notice.setText(text)
        self._place_notice()
        self._notice.show()

    def _place_notice(self) -> None:
        area = self.viewport().geometry()
        height = self._notice.sizeHint().height()
        self._notice.setGeometry(area.left(), area.bottom() - height, area.width(), height)

    def _on_text_changed(self) -> None:
        # The notice is shown after the cut paste's own change, so the next edit clears it.
        self._notice.hide()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if is_enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submit()
            return
        super().keyPressEvent(event)

    def submit(self) -> None:
        text = self.toPlainText().strip()
        if text:
            self.clear()
            self.sig_submitted.emit(text)
