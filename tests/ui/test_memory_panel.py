"""'What I remember' in the window: the notes with their source, edits and deletions that hold
from the next turn on, forget-all behind a question, JSON export, memory switched off and on at
run time, and the greeting of a returning user. Real SQLite files in tmp_path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QMessageBox

from empath_desktop.session import ChatSession
from empath_desktop.store.conversations import ConversationStore
from empath_desktop.store.longterm import LongTermMemory, default_path
from empath_desktop.store.settings import Settings
from empath_desktop.ui import memory_panel
from empath_desktop.ui.main_window import MainWindow
from empath_desktop.ui.memory_panel import MemoryDialog
from empath_desktop.ui.settings_dialog import SettingsDialog
from tests.fakes import FakeBackend, RecordingBackend

# The offscreen platform warns on every top-level show; it says nothing about this code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

READY_MS = 120_000
REX = "The user's dog's name is Rex."


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[LongTermMemory]:
    """A store that knows the user's name and dog, told in turn 3 of c.jsonl."""
    store = LongTermMemory(tmp_path / "memory.db")
    store.remember_turn("My name is Sam. My dog is called Rex.", "", conversation="c.jsonl",
                        turn=2)
    yield store
    store.close()


@pytest.fixture
def make_window(qtbot, tmp_path: Path):
    """A window on a fake model whose prompts are recorded (or on `backend`), with `store` as
    its long-term memory; shut down at the end of the test."""
    windows: list[MainWindow] = []

    def make(store: LongTermMemory | None, backend: Any = None, **settings: Any) -> MainWindow:
        def factory(_config: object) -> Any:
            return backend if backend is not None else FakeBackend()

        session = ChatSession(
            ConversationStore(tmp_path / "conversations"), backend_factory=factory,
            memory=store,
        )
        window = MainWindow(Settings(**settings), session=session)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        qtbot.waitUntil(lambda: window.state == "ready", timeout=READY_MS)
        return window

    yield make
    for window in windows:
        window.shutdown()


def turn_prompts(qtbot, window: MainWindow, text: str) -> str:
    """Run one turn in the window; every prompt the model got during it, joined."""
    backend = window.session.pipeline.backend
    before = len(backend.prompts)
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=READY_MS):
        assert window.send(text)
    qtbot.waitUntil(lambda: window.state == "ready")
    return "\n".join(backend.prompts[before:])


def row_of(panel: MemoryDialog, text: str) -> int:
    return next(r for r, note in enumerate(panel.notes()) if note.text == text)


def select(panel: MemoryDialog, text: str) -> None:
    panel.table.clearSelection()
    panel.table.selectRow(row_of(panel, text))


def test_the_panel_lists_every_note_with_its_source(qtbot, memory: LongTermMemory) -> None:
    markup = memory.remember("impression", "impression:x", "<b>Warm</b> <img src=x>", 0.3)
    panel = MemoryDialog(memory)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.table.rowCount() == 3 and not panel.off_label.isVisible()
    rex = row_of(panel, REX)
    cells = [panel.table.item(rex, column).text() for column in range(4)]
    assert cells[1:3] == ["Something you told me", "c.jsonl, turn 3"]  # as `empath memory list`
    assert cells[3][:4].isdigit()
    shown = panel.table.item(row_of(panel, markup.text), 0)
    assert shown.text() == "<b>Warm</b> <img src=x>"  # items are plain text
    assert panel.table.item(row_of(panel, markup.text), 2).text() == "—"
    assert "3 notes" in panel.summary.text()


def test_forgetting_in_the_panel_holds_from_the_next_turn(
    qtbot, make_window, memory: LongTermMemory
) -> None:
    window = make_window(memory)
    assert REX in turn_prompts(qtbot, window, "What's my dog's name?")
    panel = window.show_memory_panel()
    select(panel, REX)
    qtbot.mouseClick(panel.forget_button, Qt.MouseButton.LeftButton)
    assert REX not in [note.text for note in panel.notes()]
    assert all(note.key != "pet:dog" for note in memory.notes())
    window.new_conversation()  # the first turn itself still said it; a new one did not
    prompts = turn_prompts(qtbot, window, "What's my dog's name?")
    assert "Rex" not in prompts and "Rex" not in window.chat.transcript()


def test_an_edit_in_the_panel_holds_from_the_next_turn(
    qtbot, make_window, memory: LongTermMemory
) -> None:
    window = make_window(memory)
    panel = window.show_memory_panel()
    select(panel, REX)
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    editor = panel.table.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == REX
    editor.selectAll()
    qtbot.keyClicks(editor, "The user's dog's name is Max.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any("Max" in note.text for note in panel.notes()))
    assert [n.text for n in memory.notes() if n.key == "pet:dog"] == [
        "The user's dog's name is Max."
    ]
    prompts = turn_prompts(qtbot, window, "What's my dog's name?")
    assert "The user's dog's name is Max." in prompts and "Rex" not in prompts
    assert "Your dog's name is Max" in window.chat.transcript()

    # An empty note is refused and the list shows what the store still holds.
    item = panel.table.item(row_of(panel, "The user's dog's name is Max."), 0)
    item.setText("   ")
    assert "cannot be empty" in panel.status.text()
    assert "The user's dog's name is Max." in [note.text for note in panel.notes()]


def test_forget_all_asks_first(qtbot, memory: LongTermMemory) -> None:
    panel = MemoryDialog(memory)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.mouseClick(panel.forget_all_button, Qt.MouseButton.LeftButton)
    question = panel.findChild(QMessageBox, "forgetAllQuestion")
    assert question is not None and question.isVisible()
    assert "Forget all 2 notes?" in question.text() and memory.count() == 2
    question.button(QMessageBox.StandardButton.Cancel).click()
    assert memory.count() == 2 and panel.table.rowCount() == 2

    question = panel.ask_forget_all()
    assert question is not None
    forget = next(b for b in question.buttons() if b.text() == "Forget all")
    forget.click()
    assert memory.count() == 0 and panel.table.rowCount() == 0
    assert panel.status.text() == "Forgot 2 notes."
    assert panel.ask_forget_all() is None  # nothing left to ask about


def test_export_writes_every_note_as_json(
    qtbot, memory: LongTermMemory, tmp_path: Path, monkeypatch
) -> None:
    out = tmp_path / "out" / "memory.json"
    monkeypatch.setattr(
        memory_panel.QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(out), "JSON")
    )
    panel = MemoryDialog(memory)
    qtbot.addWidget(panel)
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    notes = json.loads(out.read_text(encoding="utf-8"))
    assert notes == memory.export()
    rex = next(n for n in notes if n["key"] == "pet:dog")
    assert (rex["text"], rex["conversation"], rex["turn"]) == (REX, "c.jsonl", 2)
    assert [p.name for p in out.parent.iterdir()] == ["memory.json"]  # no temporary left
    assert str(out) in panel.status.text()


def test_memory_off_shows_one_line_and_nothing_else(qtbot, make_window) -> None:
    window = make_window(None, memory=False)
    panel = window.show_memory_panel()
    assert panel.off_label.isVisible() and panel.off_label.text().startswith("Memory is off")
    assert panel.off_label.textFormat() == Qt.TextFormat.PlainText
    assert not panel.table.isVisible() and not panel.forget_all_button.isVisible()


def test_switching_memory_off_and_on_at_run_time(
    qtbot, make_window, memory: LongTermMemory, monkeypatch, tmp_path: Path
) -> None:
    window = make_window(memory)
    panel = window.show_memory_panel()
    window.apply_settings(replace(window.settings, memory=False))
    assert window.session.memory is None and panel.off_label.isVisible()
    prompts = turn_prompts(qtbot, window, "What's my dog's name? I live in Lyon.")
    assert "Rex" not in prompts
    kept = LongTermMemory(tmp_path / "memory.db")  # the file is left as it was
    assert [n.key for n in kept.notes() if n.key == "home"] == []
    assert {n.key for n in kept.notes()} == {"name", "pet:dog"}
    kept.close()

    window.apply_settings(replace(window.settings, memory=True))
    assert window.session.memory is not None and window.session.memory.path == default_path()
    assert not panel.off_label.isVisible()
    turn_prompts(qtbot, window, "My cat is called Tom.")
    qtbot.waitUntil(lambda: any("Tom" in note.text for note in panel.notes()))

    # Turning it on when the store cannot be opened: one paragraph in the banner, no memory.
    window.apply_settings(replace(window.settings, memory=False))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    window.apply_settings(replace(window.settings, memory=True))
    assert "cannot be created" in window.banner.text()
    assert window.session.memory is None
    assert panel.off_label.text().startswith("Memory is unavailable")


def test_a_returning_user_is_greeted_with_what_is_remembered(
    qtbot, make_window, memory: LongTermMemory, tmp_path: Path
) -> None:
    window = make_window(memory)
    transcript = window.chat.transcript()
    assert transcript.startswith("EMPATH: Welcome back, Sam!")
    assert "Rex" in transcript  # "Last time you told me: your dog's name is Rex."
    prompts = turn_prompts(qtbot, window, "Hello!")
    assert "Welcome back" not in prompts  # shown, not part of the conversation
    window.shutdown()

    empty = LongTermMemory(tmp_path / "empty.db")
    try:
        assert make_window(empty).chat.transcript() == ""
        assert make_window(None, memory=False).chat.transcript() == ""
    finally:
        empty.close()


def test_the_settings_checkbox_is_the_memory_setting(qtbot) -> None:
    dialog = SettingsDialog(Settings(memory=True), ["empath"], ["default"], [])
    qtbot.addWidget(dialog)
    check = dialog.findChild(QCheckBox, "memoryCheck")
    assert check.text().replace("&", "") == "Remember me across conversations"
    assert check.isChecked()
    check.setChecked(False)
    assert dialog.result_settings().memory is False
    dialog.reject()


class _SharedModel(RecordingBackend):
    """The session's fixture model, recorded; the fixture frees it, not the window."""

    def close(self) -> None:
        pass


@pytest.mark.model
def test_on_the_real_model_a_forgotten_note_is_not_in_the_next_prompt(
    qtbot, make_window, memory: LongTermMemory, llama_backend
) -> None:
    window = make_window(memory, _SharedModel(llama_backend), max_tokens=24)
    assert "Welcome back, Sam!" in window.chat.transcript()
    assert REX in turn_prompts(qtbot, window, "Do you remember my dog?")
    panel = window.show_memory_panel()
    select(panel, REX)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert all(note.key != "pet:dog" for note in memory.notes())
    window.new_conversation()
    assert "Rex" not in turn_prompts(qtbot, window, "Do you remember my dog?")
