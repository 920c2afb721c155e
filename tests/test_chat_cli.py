"""`empath chat` with piped stdin: reaction line, streamed reply, reflection, reset, quit."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest


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
