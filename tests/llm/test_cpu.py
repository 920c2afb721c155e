"""The thread governor leaves a core to whoever else is using it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from empath_desktop.llm import cpu
from empath_desktop.llm.cpu import ThreadGovernor, physical_cores, usable_cpus


def test_physical_cores_are_counted_within_the_affinity():
    assert 1 <= physical_cores() <= len(usable_cpus())


def test_a_fixed_core_count_is_never_exceeded():
    governor = ThreadGovernor(cores=3)
    assert 1 <= governor.threads() <= 3


def test_without_proc_stat_the_governor_uses_every_core(monkeypatch, tmp_path):
    monkeypatch.setattr(cpu, "_PROC_STAT", tmp_path / "missing")
    governor = ThreadGovernor(cores=4)
    assert not governor.measurable
    assert governor.threads() == 4


@pytest.mark.skipif(not cpu._PROC_STAT.exists() or physical_cores() < 2,
                    reason="needs Linux /proc/stat and two cores")
def test_a_busy_core_is_left_to_the_other_process():
    governor = ThreadGovernor()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        # Wait on the measurement itself, not a fixed sleep: a window of >= MIN_WINDOW_S in
        # which the burner has run is enough; the deadline only bounds a broken machine.
        deadline = time.monotonic() + 30
        while governor.threads() == governor.cores and time.monotonic() < deadline:
            time.sleep(cpu.MIN_WINDOW_S)
        assert governor.threads() <= governor.cores - 1
        assert governor.others >= 0.5
    finally:
        burner.kill()
        burner.wait()
