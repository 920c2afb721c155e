"""kill -9 at seeded random moments, on the real embedded model: `empath chat --jsonl` and the
window playing a script. Every turn the process reported (a printed JSON line, a turn seen on
disk) is in its conversation file afterwards, and every file still loads."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from empath_desktop.store.conversations import ConversationStore
from empath_desktop.store.settings import Settings, save_settings
from tests.waiting import wait_for

MESSAGES = [
    "I got the job!", "My cat is sick.", "What a lovely morning.", "I failed my exam.",
    "Tell me something kind.", "I am so tired today.",
]  # fmt: skip
RUNS = 5
BUDGET_S = 60.0  # all runs of one test together; at least two runs whatever the time
WAIT_S = 180.0  # a bound on a hang, never a synchronisation


def _store() -> ConversationStore:
    data = Path(os.environ["XDG_DATA_HOME"])
    return ConversationStore(data / "empath-desktop" / "conversations")


def _all_turns(store: ConversationStore) -> list[str]:
    """Every saved turn's message; each file must load (a torn last line alone is skipped)."""
    users = []
    for path in store.paths():
        users += [t.user for t in store.load(path).turns]
    return users


def _short_turns() -> None:
    save_settings(Settings(max_tokens=32))


class _Lines:
    """Collects a child's stdout lines on a thread, so the test never blocks on a pipe."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.lines: list[bytes] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def finish(self) -> list[bytes]:
        self._thread.join(timeout=30)
        return self.lines


def _kill_at_random(proc: subprocess.Popen[bytes], rng: random.Random, reached) -> None:
    """Wait until `reached(k)` for a random k (1-2 turns done), then a random moment more
    (inside the next turn, or between turns), then SIGKILL."""
    k = rng.randint(1, 2)
    assert wait_for(lambda: reached(k) or proc.poll() is not None, timeout=WAIT_S)
    time.sleep(rng.uniform(0.0, 2.5))  # the fault's moment, not a synchronisation
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _runs():
    """Seeds for the runs of one test: up to RUNS, within BUDGET_S after the second."""
    start = time.perf_counter()
    for seed in range(RUNS):
        if seed >= 2 and time.perf_counter() - start > BUDGET_S:
            return
        yield seed


@pytest.mark.model
def test_kill_9_of_chat_jsonl_loses_no_reported_turn(default_model, record_property) -> None:
    _short_turns()
    store = _store()
    reported: list[str] = []
    lost: list[str] = []
    for seed in _runs():
        rng = random.Random(seed)
        with subprocess.Popen(
            [sys.executable, "-m", "empath_desktop", "chat", "--jsonl", "--seed", str(seed)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        ) as proc:
            try:
                assert proc.stdin is not None
                messages = [f"{m} (run {seed})" for m in MESSAGES]
                proc.stdin.write("".join(f"{m}\n" for m in messages).encode())
                proc.stdin.flush()  # stdin stays open: the chat waits for more
                out = _Lines(proc)
                _kill_at_random(proc, rng, lambda k, out=out: len(out.lines) >= k)
            finally:
                proc.kill()
            lines = out.finish()
        objects = [json.loads(line) for line in lines]
        assert all("error" not in obj for obj in objects), objects
        reported += [obj["user"] for obj in objects]
        saved = _all_turns(store)
        lost += [u for u in reported if u not in saved and u not in lost]
    record_property("turns_checked", len(reported))
    record_property("turns_lost", len(lost))
    assert lost == [], "turns reported before kill -9 and missing from disk"


@pytest.mark.model
def test_kill_9_of_the_window_mid_script_loses_no_saved_turn(
    default_model, tmp_path, record_property
) -> None:
    _short_turns()
    store = _store()
    script = tmp_path / "script.txt"
    seen: list[str] = []
    lost: list[str] = []
    for seed in _runs():
        rng = random.Random(seed)
        script.write_text("".join(f"{m} (window {seed})\n" for m in MESSAGES), encoding="utf-8")

        def reached(k: int, seed: int = seed) -> bool:
            return sum(f"(window {seed})" in u for u in _all_turns(store)) >= k

        with subprocess.Popen(
            [sys.executable, "-m", "empath_desktop.app", "--script", str(script)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        ) as proc:
            try:
                _kill_at_random(proc, rng, reached)
            finally:
                proc.kill()
        saved = _all_turns(store)
        lost += [u for u in seen if u not in saved and u not in lost]
        seen = saved
        # Each file is whole lines but perhaps a torn last one; no other damage.
        for path in store.paths():
            lines = path.read_bytes().split(b"\n")
            for line in lines[:-1]:
                json.loads(line)
    record_property("turns_checked", len(seen))
    record_property("turns_lost", len(lost))
    assert lost == [], "turns seen on disk before kill -9 and missing after"
