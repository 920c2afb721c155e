""""What I remember": every long-term note, where it came from, and the user's hands on it.

A view of a `LongTermMemory`: it lists the notes (text, kind, source conversation and turn,
when), and edits, forgets and exports them straight through the store, so a change holds from
the next turn on (the session recalls from the same store). Notes are user data: they are
shown in table items and plain-text labels only, never as rich text or in tooltips.

The store's calls take milliseconds; they run on the UI thread on user actions and on
`refresh`, never while painting.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from empath_desktop.atomic import write_text_atomic
from empath_desktop.store.longterm import LongTermMemory, MemoryStoreError, Note

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
COLUMNS = ("What I remember", "Kind", "From", "When")
_TEXT, _KIND, _SOURCE, _WHEN = range(len(COLUMNS))
_KIND_LABELS = {"fact": "Something you told me", "impression": "My impression"}


def note_source(note: Note) -> str:
    """Where a note came from, as the user knows it: the conversation file and the turn,
    counted from 1 (as `empath memory list` says it)."""
    if not note.conversation:
        return "—"
    if note.turn < 0:
        return note.conversation
    return f"{note.conversation}, turn {note.turn + 1}"


def _when(stamp: float) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M")


def _plain_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class MemoryDialog(QDialog):
    """Non-modal. `set_memory(None, reason)` when memory is off or unusable: the dialog then
    shows `reason` in one line and nothing else."""

    def __init__(
        self, memory: LongTermMemory | None, off_reason: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("What I remember")
        self.setModal(False)
        self.resize(820, 440)
        self._memory: LongTermMemory | None = None
        self._filling = False  # the table is being (re)filled: its changes are not edits

        self.off_label = _plain_label()
        self.off_label.setObjectName("memoryOffLabel")
        self.summary = _plain_label()
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("memoryTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(_TEXT, QHeaderView.ResizeMode.Stretch)
        for column in (_KIND, _SOURCE, _WHEN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        # Delete forgets: a key of the table itself (an open editor keeps its own Delete).
        self.table.installEventFilter(self)

        self.edit_button = QPushButton("&Edit")
        self.edit_button.setToolTip("Correct the selected note (or double-click it)")
        self.edit_button.clicked.connect(self._on_edit_clicked)
        self.forget_button = QPushButton("&Forget")
        self.forget_button.setToolTip("Forget the selected notes (Delete)")
        self.forget_button.clicked.connect(self.forget_selected)
        self.forget_all_button = QPushButton("Forget &all…")
        self.forget_all_button.clicked.connect(self.ask_forget_all)
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save every note as a JSON file")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.edit_button, self.forget_button, self.forget_all_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.refresh_button)
        # Errors of the last action; they quote the store's messages and file names.
        self.status = _plain_label()
        self.status.setObjectName("memoryStatusLabel")

        self._content = QWidget()
        content = QVBoxLayout(self._content)
        content.setContentsMargins(0, 0, 0, 0)
        content.addWidget(self.summary)
        content.addWidget(self.table, 1)
        content.addLayout(buttons)
        content.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.off_label)
        layout.addWidget(self._content, 1)
        layout.addWidget(close)
        self._confirm: QMessageBox | None = None
        self.set_memory(memory, off_reason)

    # -- the store -------------------------------------------------------------------

    @property
    def memory(self) -> LongTermMemory | None:
        return self._memory

    def set_memory(self, memory: LongTermMemory | None, off_reason: str = "") -> None:
        """Show `memory`'s notes, or, with None, `off_reason` alone."""
        self._memory = memory
        if self._confirm is not None:
            self._confirm.close()  # it asked about the store that was replaced
        self.off_label.setText(off_reason or "Nothing is remembered across conversations.")
        self.off_label.setVisible(memory is None)
        self._content.setVisible(memory is not None)
        self.status.clear()
        self.refresh()

    def _call(self, action: Callable[[LongTermMemory], _T]) -> _T | None:
        """Run `action` on the store; a failure becomes the status line (None returned)."""
        if self._memory is None:
            return None
        try:
            return action(self._memory)
        except (MemoryStoreError, sqlite3.Error, OSError) as exc:
            logger.warning("memory panel: %s", exc)
            self.status.setText(
                f"The memory database could not be used ({exc}). The notes shown may be out "
                "of date; try Refresh."
            )
            return None

    def notes(self) -> list[Note]:
        """The notes as listed, in order."""
        return [self._note_at(row) for row in range(self.table.rowCount())]

    def _note_at(self, row: int) -> Note:
        note: Note = self.table.item(row, _TEXT).data(Qt.ItemDataRole.UserRole)
        return note

    def refresh(self) -> None:
        """List the store's notes again, keeping the selection."""
        if self._memory is None:
            self._fill([])
            return
        notes = self._call(LongTermMemory.notes)
        if notes is not None:
            self._fill(notes)

    def _fill(self, notes: list[Note]) -> None:
        selected = {note.id for note in self._selected_notes()}
        self.table.clearSelection()
        self._filling = True
        try:
            self.table.setRowCount(len(notes))
            for row, note in enumerate(notes):
                self._set_row(row, note)
                if note.id in selected:
                    self.table.selectionModel().select(
                        self.table.model().index(row, _TEXT),
                        QItemSelectionModel.SelectionFlag.Select
                        | QItemSelectionModel.SelectionFlag.Rows,
                    )
        finally:
            self._filling = False
        self.table.resizeRowsToContents()
        self._show_count(len(notes))
        self._on_selection_changed()

    def _set_row(self, row: int, note: Note) -> None:
        """Show `note` in `row` (a caller sets `_filling`: these are not the user's edits).
        Items are updated in place: the text item may be the one whose edit is being
        handled."""
        for column, value in (
            (_TEXT, note.text),
            (_KIND, _KIND_LABELS.get(note.kind, note.kind)),
            (_SOURCE, note_source(note)),
            (_WHEN, _when(note.updated)),
        ):
            item = self.table.item(row, column)
            if item is None:
                item = QTableWidgetItem()
                if column != _TEXT:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
            item.setText(value)
        self.table.item(row, _TEXT).setData(Qt.ItemDataRole.UserRole, note)

    def _show_count(self, count: int) -> None:
        if count == 0:
            self.summary.setText("Nothing is remembered yet.")
        else:
            self.summary.setText(
                f"{count} note{'s' if count != 1 else ''}, newest first. Double-click a note "
                "to correct it; what you change or forget holds from your next message on."
            )

    def _selected_notes(self) -> list[Note]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self._note_at(row) for row in rows]

    # -- actions -----------------------------------------------------------------------

    def edit_note(self, note_id: int, text: str) -> bool:
        """Change a note's text in the store and the list; False when it cannot be (empty
        text, a note already forgotten elsewhere, a store failure: the status says why)."""
        self.status.clear()
        try:
            edited = self._call(lambda memory: memory.edit(note_id, text))
        except ValueError:
            self.status.setText("A note cannot be empty. To remove it, use Forget.")
            edited = None
        else:
            if edited is None and not self.status.text():
                self.status.setText("That note was already forgotten (in another window?).")
        rows = [r for r in range(self.table.rowCount()) if self._note_at(r).id == note_id]
        if edited is None or not rows:
            self.refresh()  # back to what the store holds
            return edited is not None
        self._filling = True
        try:
            self._set_row(rows[0], edited)
        finally:
            self._filling = False
        self.table.resizeRowToContents(rows[0])
        return True

    def forget_selected(self) -> int:
        """Forget the selected notes; returns how many were forgotten."""
        notes = self._selected_notes()
        if not notes:
            return 0
        self.status.clear()
        forgotten = self._call(lambda memory: sum(memory.forget(n.id) for n in notes))
        self.refresh()
        return forgotten or 0

    def ask_forget_all(self) -> QMessageBox | None:
        """Ask before forgetting everything (non-modal; the question is returned, None when
        there is nothing to forget). Only its "Forget all" button forgets."""
        count = self.table.rowCount()
        if self._memory is None or count == 0:
            return None
        if self._confirm is not None:
            self._confirm.close()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Forget everything?",
            f"Forget all {count} notes? Nothing will be remembered from your past "
            "conversations. This cannot be undone (the conversations themselves are kept).",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        forget = box.addButton("Forget all", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("forgetAllQuestion")
        box.finished.connect(lambda _result: self._on_forget_all_answered(box, forget))
        self._confirm = box
        box.open()
        return box

    def _on_forget_all_answered(self, box: QMessageBox, forget: QAbstractButton) -> None:
        """The question closed: by its "Forget all" button, or any other way (Cancel, Esc,
        its window closed, the store replaced)."""
        confirmed = box.clickedButton() == forget
        box.deleteLater()
        self._confirm = None
        if not confirmed:
            return
        self.status.clear()
        forgotten = self._call(LongTermMemory.forget_all)
        self.refresh()
        if forgotten is not None:
            self.status.setText(f"Forgot {forgotten} note{'s' if forgotten != 1 else ''}.")

    def export_to(self, path: Path) -> bool:
        """Write every note as JSON (as `empath memory export` does), crash-safely."""
        notes = self._call(LongTermMemory.export)
        if notes is None:
            return False
        try:
            write_text_atomic(path, json.dumps(notes, indent=1, ensure_ascii=False) + "\n")
        except OSError as exc:
            self.status.setText(f"Could not export to {path}: {exc.strerror or exc}")
            return False
        self.status.setText(f"Exported {len(notes)} notes to {path}.")
        return True

    # -- slots -------------------------------------------------------------------------

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != _TEXT:
            return
        note = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(note, Note) and item.text() != note.text:
            self.edit_note(note.id, item.text())

    def _on_selection_changed(self) -> None:
        selected = len(self.table.selectionModel().selectedRows())
        self.edit_button.setEnabled(selected == 1)
        self.forget_button.setEnabled(selected > 0)
        self.forget_all_button.setEnabled(self.table.rowCount() > 0)
        self.export_button.setEnabled(self._memory is not None)

    def _on_edit_clicked(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if len(rows) == 1:
            self.table.editItem(self.table.item(rows[0].row(), _TEXT))

    def _on_export_clicked(self) -> None:
        out, _filter = QFileDialog.getSaveFileName(
            self, "Export what I remember", str(Path.home() / "empath-memory.json"),
            "JSON (*.json)",
        )
        if out:
            self.export_to(Path(out))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (
            watched is self.table
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.matches(QKeySequence.StandardKey.Delete)
        ):
            self.forget_selected()
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        self.refresh()
        super().showEvent(event)
