"""Scripts and standard input that are not UTF-8, or absurdly long: one paragraph, never a
traceback; the chat goes on where it can."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from empath_desktop.cli.chat import run_chat_jsonl
from empath_desktop.session import ChatSession, ModelRequest
from empath_desktop.ui.script_player import ScriptError, read_script
from tests.fakes import FakeBackend

TIMEOUT_S = 120


def _app(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "empath_desktop.app", *args],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT_S,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def assert_one_paragraph(stderr: bytes, *words: str) -> str:
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text[-3000:]
    lines = [ln for ln in text.splitlines() if ln.startswith("empath: ")]
    assert len(lines) == 1, text[-3000:]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "content", [b"Hello\n\xff\xfe caf\xe9\n", b"\x00\x9f" * 1000, b"\xef\xbb\xbf\xc3"]
)
def test_a_script_that_is_not_utf8_is_one_paragraph_and_exit_2(
    tmp_path: Path, content: bytes
) -> None:
    script = tmp_path / "demo.txt"
    script.write_bytes(content)
    result = _app("--script", str(script), "--exit-when-done")
    assert result.returncode == 2, result.stderr[-3000:]
    assert_one_paragraph(result.stderr, str(script), "UTF-8")


def test_a_missing_or_unreadable_script_is_one_paragraph_and_exit_2(tmp_path: Path) -> None:
    result = _app("--script", str(tmp_path), "--exit-when-done")  # a folder
    assert result.returncode == 2
    assert_one_paragraph(result.stderr, "could not be read")
    with pytest.raises(ScriptError, match="could not be read"):
        read_script(tmp_path / "missing.txt")


def _jsonl(inp: io.TextIOBase) -> list[dict]:
    session = ChatSession(backend_factory=lambda _config: FakeBackend())
    session.load_here(ModelRequest(model_path=None, persona="empath"))
    out = io.StringIO()
    assert run_chat_jsonl(session, inp=inp, out=out) == 0
    session.close()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_jsonl_chat_goes_on_past_undecodable_and_huge_lines() -> None:
    raw = b"\xff\xfe\xfd\n" + b"x" * 5_000_000 + b"\nstill here\n"
    inp = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace")
    objects = _jsonl(inp)
    assert len(objects) == 3
    assert objects[0]["user"] == "\ufffd\ufffd\ufffd"
    assert objects[2]["user"] == "still here" and "error" not in objects[2]
