"""The one way a worker gets its thread in the UI: a parentless QObject moved to a named,
started QThread (`start_in_thread`), and stopped by `stop_threads` once its work is cancelled:
quit every thread's event loop, then wait for each, bounded, so closing never hangs on a
worker stuck in native code."""

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


def stop_threads(threads: Sequence[QThread], wait_ms: int = STOP_WAIT_MS) -> bool:
    """Quit `threads` and wait for each up to `wait_ms` (cancel their work first, so they
    return to their event loops). False, with a warning, when one did not stop in time."""
    for thread in threads:
        thread.quit()
    current = QThread.currentThread()
    stopped = True
    for thread in threads:
        if thread is not current and not thread.wait(wait_ms):  # a thread cannot wait for itself
            logger.warning("worker thread %s did not stop in time", thread.objectName())
            stopped = False
    return stopped
