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

from empath_desktop.chat.pipeline import Pipeline
from empath_desktop.chat.prompts import load_persona
from empath_desktop.cli.chat import run_chat_jsonl
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


def _jsonl_chat(backend, text: str) -> list[dict]:
    out = io.StringIO()
    pipeline = Pipeline(backend, load_persona("empath"))
    assert run_chat_jsonl(pipeline, inp=io.StringIO(text), out=out) == 0
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
    objects = _jsonl_chat(
        ExplodingBackend(), f"Hello there!\n\n  \n{too_long}\nplease explode\nquit\n"
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
