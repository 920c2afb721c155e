"""`empath chat` with piped stdin: reaction line, streamed reply, reflection, reset, quit; and
`empath chat --jsonl`: one JSON object per turn and nothing else on stdout."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest

from empath_desktop.cli.chat import run_chat, run_chat_jsonl
from empath_desktop.session import ChatSession, ModelRequest
from empath_desktop.store.conversations import ConversationStore
from tests.fakes import FakeBackend


@pytest.mark.model
def test_terminal_chat_runs_turns_from_a_pipe(default_model) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "empath_desktop", "chat"],
        input="Hello there!\nreset\nI lost my keys again.\nquit\nnever read\n",
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    reactions = re.findall(r"^\((\w+) · (\w+)\)$", result.stdout, flags=re.MULTILINE)
    assert len(reactions) == 2
    assert result.stdout.count("EMPATH: ") == 2
    assert "(new conversation)" in result.stdout
    assert "\033[" not in result.stdout  # no terminal colours when the output is not a TTY


JSONL_KEYS = {
    "user", "react", "expression", "posture", "intensity", "respond", "reflect", "timings"
}  # fmt: skip


def _jsonl_chat(backend, text: str, store: ConversationStore | None = None) -> list[dict]:
    out = io.StringIO()
    session = ChatSession(store, backend_factory=lambda _config: backend)
    session.load_here(ModelRequest(model_path=None, persona="empath"))
    assert run_chat_jsonl(session, inp=io.StringIO(text), out=out) == 0
    lines = out.getvalue().splitlines()
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(obj, dict) for obj in objects)
    return objects


def test_jsonl_chat_prints_one_object_per_message_and_survives_failures() -> None:
    class ExplodingBackend(FakeBackend):
        def stream(self, prompt, **kwargs):
            if "explode" in prompt[-200:]:
                raise RuntimeError("native trouble")
            return super().stream(prompt, **kwargs)

    too_long = "word " * 5000  # longer than the fake's context: the pipeline refuses it
    store = ConversationStore()  # the user's (private to the test), as the app's
    objects = _jsonl_chat(
        ExplodingBackend(), f"Hello there!\n\n  \n{too_long}\nplease explode\nquit\n", store
    )
    # Blank lines are skipped; `quit` is a message like any other.
    assert [o["user"] for o in objects] == [
        "Hello there!", too_long.strip(), "please explode", "quit"
    ]  # fmt: skip
    first, refused, exploded, last = objects
    assert set(first) >= JSONL_KEYS and "error" not in first
    assert (first["expression"], first["posture"]) == ("happy", "lean_forward")
    assert first["respond"] == "Hello there! How are you?"
    assert first["reflect"] == "They seem friendly."
    assert {"first_react_ms", "reaction_ms", "respond_done_ms", "reflect_done_ms"} <= set(
        first["timings"]
    )
    assert first["well_formed"] is True
    assert "too long" in refused["error"] and "Traceback" not in refused["error"]
    assert "native trouble" in exploded["error"] and "goes on" in exploded["error"]
    assert set(last) >= JSONL_KEYS and "error" not in last
    # The terminal chat saves its conversation like the window: the answered turns.
    saved = store.load(store.latest())
    assert [t.user for t in saved.turns] == ["Hello there!", "quit"]


@pytest.mark.model
def test_jsonl_chat_on_the_real_model(default_model) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "empath_desktop.app", "chat", "--jsonl", "--seed", "1"],
        # A stray Latin-1 byte must not end the chat.
        input="I got the job!\nMy cat is sick and I'm scared \xe9t\xe9.\n".encode("latin-1"),
        capture_output=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.decode("ascii").splitlines()  # nothing but ASCII JSON lines
    assert len(lines) == 2, result.stdout
    objects = [json.loads(line) for line in lines]
    for obj in objects:
        assert isinstance(obj, dict) and set(obj) >= JSONL_KEYS, obj
        assert obj["react"] and obj["respond"] and obj["reflect"]
        assert obj["timings"]["reaction_ms"] > 0
    assert objects[0]["user"] == "I got the job!"
    assert objects[1]["user"] == "My cat is sick and I'm scared \ufffdt\ufffd."


@pytest.mark.model
def test_terminal_chat_saves_and_continue_resumes_the_latest_conversation(
    default_model, tmp_path
) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}

    def chat(*flags: str, text: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "empath_desktop", "chat", "--jsonl", "--seed", "1", *flags],
            input=text, capture_output=True, text=True, timeout=300, env=env,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert len(result.stdout.splitlines()) == 1, result.stdout

    chat(text="My dog is called Biscuit.\n")
    chat("--continue", text="What is my dog called?\n")
    store = ConversationStore(tmp_path / "data" / "empath-desktop" / "conversations")
    paths = store.paths()
    assert len(paths) == 1, paths
    assert [t.user for t in store.load(paths[0]).turns] == [
        "My dog is called Biscuit.", "What is my dog called?"
    ]  # fmt: skip


def test_terminal_chat_reads_undecodable_stdin_as_replacement_characters(monkeypatch) -> None:
    """A Latin-1 byte on a pipe into `empath chat` used to end it with a traceback."""
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 time\nhello\n"), encoding="utf-8")
    )
    session = ChatSession(backend_factory=lambda _config: FakeBackend())
    session.load_here(ModelRequest(model_path=None, persona="empath"))
    out = io.StringIO()
    assert run_chat(session, hide_reflections=True, out=out) == 0
    assert out.getvalue().count("EMPATH: ") == 2
    assert session.conversation is not None
    saved = session.store.load(session.conversation.path)
    assert [t.user for t in saved.turns] == ["caf\ufffd time", "hello"]


@pytest.mark.model
def test_an_undecodable_settings_file_is_one_paragraph_and_the_chat_starts(default_model) -> None:
    from empath_desktop.store.settings import settings_path

    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"persona = '\xff'\n")
    result = subprocess.run(
        [sys.executable, "-m", "empath_desktop", "chat", "--jsonl", "--seed", "1"],
        input=b"hello\n",
        capture_output=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout.splitlines()) == 1
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    notices = [ln for ln in stderr.splitlines() if ln.startswith("empath: Your settings file")]
    assert len(notices) == 1 and "settings.toml.bad-" in notices[0], stderr[-2000:]
    assert not path.exists() and len(list(path.parent.glob("settings.toml.bad-*"))) == 1
