"""Workers behind Settings → Model: what a model file is, and the scaffold-free format probe.

Both run off the UI thread. `ModelInfoWorker` reads a GGUF header (a fraction of a second,
but the embedded default may first need assembling and hashing, which takes seconds).
`FormatProbeWorker` runs `chat.format_probe.probe_format`: the model is loaded
in a child process, so a llama.cpp crash ends only that process. `probe_model` waits for its
child and cannot be interrupted, and closing Settings must not wait for a minute-long probe,
so the worker runs it one process further out, in a session of its own whose whole process
group is killed when the probe is cancelled.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from empath_desktop.llm import gguf_info
from empath_desktop.llm.gguf_info import format_bytes, format_count
from empath_desktop.llm.model_files import ModelFileError, default_model_path

logger = logging.getLogger(__name__)

FORMAT_PROMPTS = 10
_POLL_S = 0.1

# The child prints one JSON line; it only imports the engine, so it never starts Qt.
_PROBE_CHILD = """\
import json, sys
from empath_desktop.chat.format_probe import probe_format
report = probe_format(sys.argv[1], int(sys.argv[2]))
print(json.dumps({"ok": report.ok, "message": report.message,
                  "well_formed": report.format_well_formed, "total": report.format_total}))
"""


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """What Settings shows about one model file. `problem` is a paragraph, '' when none."""

    request_id: int
    text: str
    problem: str = ""


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    """`text`: "N of 10 turns well formed by the model itself", or a paragraph on failure."""

    ok: bool
    text: str
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class ProbeDone:
    request_id: int
    outcome: ProbeOutcome


ProbeRunner = Callable[[Path, threading.Event], ProbeOutcome]


def _resolve(path_text: str) -> tuple[Path, bool]:
    """The file to look at and whether it is the embedded default (empty text)."""
    if path_text.strip():
        return Path(path_text.strip()).expanduser(), False
    return default_model_path(), True


def summarise_model(request_id: int, path_text: str, n_ctx: int) -> ModelSummary:
    """Describe the model at `path_text` ('' for the embedded default) and whether it fits in
    the memory free now. Never raises for anything about the file."""
    try:
        path, embedded = _resolve(path_text)
        info = gguf_info.read_gguf_info(path)
    except ModelFileError as exc:
        return ModelSummary(request_id, "", str(exc))
    context = f", trained for {info.context_length} tokens" if info.context_length else ""
    origin = "Embedded default (sha256 verified): " if embedded else ""
    text = (
        f"{origin}{info.name} — {info.architecture}, {format_count(info.parameters)} "
        f"parameters, {info.quantisation}, {format_bytes(info.file_size)}{context}."
    )
    available = gguf_info.available_memory_bytes()
    try:
        estimate = gguf_info.check_fits(info, n_ctx, available)
    except ModelFileError as exc:
        return ModelSummary(request_id, text, str(exc))
    free = (
        f"{format_bytes(available)} is free now: it fits."
        if available is not None
        else "Free memory is unknown on this system."
    )
    return ModelSummary(request_id, f"{text}\nNeeds about {estimate.describe()}. {free}")


def _kill_group(proc: subprocess.Popen) -> None:
    if hasattr(os, "killpg"):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:  # pragma: no cover - no process groups (Windows): the probe's own child lingers
        proc.kill()


def probe_in_child_session(path: Path, cancel: threading.Event) -> ProbeOutcome:
    """`probe_format(path, 10)` in a child session that `cancel` kills."""
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", _PROBE_CHILD, str(path), str(FORMAT_PROMPTS)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        return ProbeOutcome(False, f"Could not start the format probe for {path.name}: {exc}.")
    while True:
        try:
            stdout, stderr = proc.communicate(timeout=_POLL_S)
            break
        except subprocess.TimeoutExpired:
            if cancel.is_set():
                _kill_group(proc)
                proc.communicate()
                return ProbeOutcome(False, "The format probe was stopped.", cancelled=True)
    for line in reversed(stdout.splitlines()):
        with contextlib.suppress(ValueError):
            result = json.loads(line)
            if isinstance(result, dict):
                break
    else:
        logger.warning("format probe of %s gave no result; stderr: %s", path, stderr[-2000:])
        return ProbeOutcome(
            False,
            f"The format probe of {path.name} ended without a result (exit status "
            f"{proc.returncode}). Try again; if it keeps failing, run `empath models "
            "--format-probe` in a terminal to see why.",
        )
    if not result.get("ok"):
        return ProbeOutcome(False, str(result.get("message") or "The format probe failed."))
    return ProbeOutcome(
        True,
        f"{result.get('well_formed')} of {result.get('total')} turns well formed by the "
        "model itself.",
    )


class ModelInfoWorker(QObject):
    """Reads model headers on its own thread; results leave by `sig_info_read`."""

    sig_info_read = Signal(object)  # ModelSummary

    @Slot(int, str, int)
    def read(self, request_id: int, path_text: str, n_ctx: int) -> None:
        try:
            summary = summarise_model(request_id, path_text, n_ctx)
        except Exception:  # a bug here must not leave Settings saying "Reading…" forever
            logger.exception("reading the model file %r failed", path_text)
            summary = ModelSummary(
                request_id,
                "",
                "The model file could not be described because of an internal error (details "
                "are in the log). The file may still work: OK loads it as usual.",
            )
        self.sig_info_read.emit(summary)


class FormatProbeWorker(QObject):
    """Runs format probes on its own thread, one at a time; `cancel` ends one early."""

    sig_probe_finished = Signal(object)  # ProbeDone

    def __init__(self, runner: ProbeRunner = probe_in_child_session) -> None:
        super().__init__()
        self._runner = runner

    @Slot(int, str, object)
    def run(self, request_id: int, path_text: str, cancel: threading.Event) -> None:
        if cancel.is_set():  # cancelled while queued
            outcome = ProbeOutcome(False, "The format probe was stopped.", cancelled=True)
        else:
            try:
                path, _embedded = _resolve(path_text)
            except ModelFileError as exc:
                outcome = ProbeOutcome(False, str(exc))
            else:
                try:
                    outcome = self._runner(path, cancel)
                except Exception:  # a bug here must not leave Settings waiting forever
                    logger.exception("format probe of %s failed", path)
                    outcome = ProbeOutcome(
                        False,
                        f"The format probe of {path.name} could not be run because of an "
                        "internal error (details are in the log). The model itself was not "
                        "judged; you can still use it.",
                    )
        self.sig_probe_finished.emit(ProbeDone(request_id, outcome))
