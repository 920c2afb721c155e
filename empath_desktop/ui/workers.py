"""The one way a worker gets its thread in the UI: a parentless QObject moved to a named,
started QThread (`start_in_thread`), stopped by `stop_threads` once its work is cancelled."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, QThread

logger = logging.getLogger(__name__)

STOP_WAIT_MS = 5000


def start_in_thread(worker: QObject, name: str) -> QThread:
    """Move a parentless worker to a new started QThread named `name`."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    return thread


def stop_threads(threads: Sequence[QThread], wait_ms: int = STOP_WAIT_MS) -> None:
    """Quit `threads` and wait for each to finish (cancel their work first, so they return to
    their event loops). One still running after `wait_ms` (a step in native code that cannot
    be cancelled, such as warming the model's cache) is named in a warning and still waited
    for: a QThread destroyed while running aborts the whole process."""
    for thread in threads:
        thread.quit()
    current = QThread.currentThread()
    for thread in threads:
        if thread is current:  # a thread cannot wait for itself
            continue
        if not thread.wait(wait_ms):
            logger.warning("waiting for worker thread %s to finish", thread.objectName())
            thread.wait()
