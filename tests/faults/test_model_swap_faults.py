"""A model file swapped or deleted while it loads: after the child-process probe passed it (the
in-process load then meets another file), or before the probe. Each runs in a child process
of its own, so a native crash would show as one here instead of taking pytest down. The
outcome is one paragraph and no model, never a crash or a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT_S = 240

CHILD = """
import json, os, sys
from pathlib import Path
from empath_desktop.llm.probe import ModelGuard, probe_model
from empath_desktop.session import ChatSession, ModelFailed, ModelLoaded, ModelRequest
from empath_desktop.store.conversations import ConversationStore

path, state, mutation, when = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]

def mutate():
    if mutation == "deleted":
        path.unlink()
    elif mutation == "garbage":
        path.write_bytes(os.urandom(1 << 20))
    elif mutation == "truncated":  # the header still reads: only the weights are missing
        with path.open("r+b") as f:
            f.truncate(path.stat().st_size // 3)

def probe(p, config):
    if when == "before_probe":
        mutate()
    report = probe_model(p, config)
    if when == "after_probe":
        mutate()
    return report

session = ChatSession(ConversationStore(state / "conv"), guard=ModelGuard(state, probe=probe))
events = session.load_here(ModelRequest(model_path=str(path), persona="empath"))
session.close()
print(json.dumps([[type(e).__name__, getattr(e, "message", "")] for e in events]))
"""

CASES = [
    ("deleted", "after_probe"),
    ("garbage", "after_probe"),
    ("truncated", "after_probe"),
    ("truncated", "before_probe"),
]


@pytest.mark.model
@pytest.mark.parametrize(("mutation", "when"), CASES)
def test_a_model_swapped_during_its_load_is_one_paragraph(
    default_model: Path, tmp_path: Path, mutation: str, when: str
) -> None:
    copy = tmp_path / "model.gguf"
    shutil.copyfile(default_model, copy)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(copy), str(tmp_path / "state"), mutation, when],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    events = json.loads(result.stdout.splitlines()[-1])
    kinds = [kind for kind, _ in events]
    assert "ModelLoaded" not in kinds, events
    (message,) = [m for kind, m in events if kind == "ModelFailed"]
    assert message and "\n" not in message and "model.gguf" in message, message
