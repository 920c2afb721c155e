"""The transcript and the input box.

All model and user text enters the transcript through `QTextCursor.insertText`, which never
interprets markup: HTML, Markdown links or Qt rich text in a reply display literally.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget


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

    def add_user(self, text: str) -> None:
        self._paragraph()
        self._insert("You: ", self._speaker)
        self._insert(text, self._body)

    def begin_reply(self, name: str, note: str = "") -> None:
        self._paragraph()
        self._insert(f"{name}: ", self._speaker)
        if note:
            self._insert(f"({note}) ", self._note)
        self._reply_open = True

    def append_reply(self, text: str) -> None:
        if self._reply_open and text:
            self._insert(text, self._body)

    def end_reply(self, note: str = "") -> None:
        if note:
            self._insert(f" [{note}]", self._note)
        self._reply_open = False

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
