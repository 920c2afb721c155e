"""Long-term memory through the chat session: kept after a turn, recalled in a new session,
forgotten at once; and `empath memory` on the same file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from empath_desktop.chat.pipeline import RespondDelta, TurnRecorded
from empath_desktop.session import ChatSession, ModelLoaded, ModelRequest
from empath_desktop.session.memory import open_memory
from empath_desktop.store.conversations import ConversationStore
from empath_desktop.store.longterm import LongTermMemory
from tests.fakes import FakeBackend

REQUEST = ModelRequest(model_path=None, persona="empath")


def session_on(tmp_path: Path, memory: LongTermMemory | None) -> tuple[ChatSession, list]:
    backends: list[FakeBackend] = []

    def factory(_config: object) -> FakeBackend:
        backends.append(FakeBackend())
        return backends[-1]

    session = ChatSession(
        ConversationStore(tmp_path / "conversations"), backend_factory=factory, memory=memory
    )
    assert isinstance(session.load_here(REQUEST)[-1], ModelLoaded)
    return session, backends


def reply_of(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, RespondDelta))


def test_what_the_user_told_is_recalled_in_a_new_session(tmp_path: Path) -> None:
    db = tmp_path / "memory.db"
    first, _ = session_on(tmp_path, LongTermMemory(db))
    list(first.run_turn("Hi! My dog is called Rex."))
    list(first.run_turn("I live in Lyon."))
    note = next(n for n in first.memory.notes() if n.key == "pet:dog")
    assert note.conversation.endswith(".jsonl") and note.turn == 0

    second, backends = session_on(tmp_path, LongTermMemory(db))
    assert "Rex" in second.greeting() or "Lyon" in second.greeting()
    events = list(second.run_turn("What's my dog's name?"))
    assert reply_of(events).startswith("Your dog's name is Rex")
    assert "The user's dog's name is Rex." in backends[-1].prompts[-1]
    assert isinstance(events[-1], TurnRecorded)


def test_a_forgotten_note_is_not_recalled_by_the_running_session(tmp_path: Path) -> None:
    memory = LongTermMemory(tmp_path / "memory.db")
    session, backends = session_on(tmp_path, memory)
    list(session.run_turn("My dog is called Rex."))
    for note in memory.notes():
        memory.forget(note.id)
    session.new()  # the conversation itself still says it; a new one does not
    session.reset_memory()
    events = list(session.run_turn("What's my dog's name?"))
    assert "Rex" not in reply_of(events)
    assert all("Rex" not in prompt for prompt in backends[-1].prompts[-2:])


def test_memory_off_keeps_and_recalls_nothing(tmp_path: Path) -> None:
    memory, notice = open_memory(False, tmp_path / "memory.db")
    assert memory is None and notice == ""
    session, _ = session_on(tmp_path, memory)
    list(session.run_turn("My dog is called Rex."))
    assert not (tmp_path / "memory.db").exists()
    assert session.greeting() == ""


def test_an_unusable_memory_is_one_paragraph_and_the_chat_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    memory, notice = open_memory(True, blocker / "memory.db")
    assert memory is None and "cannot be created" in notice


def _empath(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "empath_desktop.app", *args],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )


def test_empath_memory_lists_exports_and_forgets(tmp_path: Path, monkeypatch) -> None:
    import os

    env = dict(os.environ)
    memory = LongTermMemory()  # the user data dir of this test (conftest sets XDG_DATA_HOME)
    memory.remember_turn("My name is Sam. My dog is called Rex.", "", conversation="c.jsonl",
                         turn=2)
    memory.close()
    listed = _empath("memory", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "The user's dog's name is Rex." in listed.stdout and "c.jsonl turn 3" in listed.stdout
    exported = json.loads(_empath("memory", "export", env=env).stdout)
    rex = next(n for n in exported if n["key"] == "pet:dog")
    assert _empath("memory", "forget", str(rex["id"]), env=env).returncode == 0
    assert "Rex" not in _empath("memory", "list", env=env).stdout
    missing = _empath("memory", "forget", "9999", env=env)
    assert missing.returncode == 1 and "no note 9999" in missing.stderr
    assert "Forgot 1 notes." in _empath("memory", "forget-all", env=env).stdout
    assert "Nothing is remembered." in _empath("memory", "list", env=env).stdout


@pytest.mark.parametrize("broken", [b"garbage " * 100])
def test_a_corrupt_memory_file_is_reported_by_the_cli_and_kept(tmp_path: Path, broken) -> None:
    import os

    from empath_desktop.store.longterm import default_path

    path = default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(broken)
    result = _empath("memory", "list", env=dict(os.environ))
    assert result.returncode == 0
    assert "set aside" in result.stderr and "Traceback" not in result.stderr
    assert any(".corrupt-" in p.name for p in path.parent.iterdir())
