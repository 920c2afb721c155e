"""Waiting on a condition in tests that have no Qt signal to wait on (STYLE.md: tests wait
on conditions, never on fixed sleeps)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll until `condition()` holds (True, at once) or `timeout` passes (False). The timeout
    only bounds a hang: it is generous so that a loaded machine never fails a test."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.002)
    return True
