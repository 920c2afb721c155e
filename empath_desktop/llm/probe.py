"""Native code may crash; the app must not. Models are tried in a child process first.

llama.cpp is C++ working on files users pick: a CPU feature its build gets wrong (AMX on
current Xeons), a damaged file, a model architecture it half supports — any of these can end
the process with SIGSEGV or SIGABRT, which no `except` catches. So:

- `probe_model` loads a model in a child process (`python -m empath_desktop.llm.probe`) and
  decodes a few tokens there; a crash kills only the child and comes back as one paragraph.
- `ModelGuard.open` probes each (file, build, load settings) once, remembers the verdict, and
  loads in-process only what survived. Around the in-process load and first decode it leaves a
  sentinel file; a sentinel whose process is gone at the next start means the app itself died
  loading that model, so the verdict becomes "crashed" and the app does not crash-loop.

The child reads one JSON request on stdin and writes progress lines and one JSON result line
on stdout. `EMPATH_PROBE_CRASH=abort|segv` makes the child crash after loading: a test hook
for the containment itself, read nowhere else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from empath_desktop.atomic import write_text_atomic
from empath_desktop.llm.backend import Backend, BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.gguf_info import check_fits, read_gguf_info
from empath_desktop.llm.model_files import (
    APP_NAME,
    ModelFileError,
    check_adapter,
    check_gguf,
)

logger = logging.getLogger(__name__)

CRASH_ENV_VAR = "EMPATH_PROBE_CRASH"
_PROGRESS = "probe-stage: "
_RESULT = "probe-result: "
_PROBE_PROMPT = "Hello! How are you today?"


class NativeCrashError(ModelFileError):
    """llama.cpp crashed on this model (in a probe, or in the app at an earlier start)."""


@dataclass(frozen=True, slots=True)
class ProbeReport:
    """What a child process made of a model. `message` is for people when `ok` is False."""

    ok: bool
    crashed: bool = False
    message: str = ""
    stage: str = ""  # where the child was: "loading", "decoding", "format probe", "done"
    load_s: float = 0.0
    tokens_per_s: float = 0.0
    system_info: str = ""
    format_well_formed: int | None = None
    format_total: int | None = None


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def _crash_message(path: Path, stage: str, signame: str) -> str:
    hint = {
        "SIGILL": "The llama.cpp library uses a processor instruction this CPU lacks: it was "
        "probably built on another machine. Reinstall the app on this machine (`make clean "
        "run`) so llama-cpp-python is compiled for this CPU.",
        "SIGBUS": "The file changed or shrank while it was being read (a download still in "
        "progress, or a network drive that went away).",
    }.get(signame, "The file may be damaged, or use a model feature this llama.cpp build "
          "handles badly.")
    return (
        f"llama.cpp crashed ({signame}) while {stage} {path.name} in a test process, so the "
        f"model was not loaded into the app and nothing was lost. {hint} You can try safe "
        "settings (one thread, no memory-mapping, no repacked weights), choose another GGUF "
        "file in Settings, or use the embedded default model. The file: "
        f"{path}."
    )


def _probe_timeout_s(path: Path) -> float:
    # Loading reads the whole file once; slow disks manage ~100 MB/s.
    try:
        size_gb = path.stat().st_size / 1e9
    except OSError:
        size_gb = 0.0
    return 60.0 + 30.0 * size_gb


def probe_model(
    path: Path | str,
    config: BackendConfig | None = None,
    *,
    timeout_s: float | None = None,
    child_module: str = __name__,
    extra: dict[str, object] | None = None,
    extra_timeout_s: float = 0.0,
) -> ProbeReport:
    """Load `path` in a child process and decode a few tokens.

    `child_module` (run as `python -m`) may be another module whose main calls `child_main`
    with a task to run after the decode, given `extra` (how `chat.format_probe` runs the
    format probe in the same child without this module knowing about chat). Never raises for
    anything the model or llama.cpp does; the report says what happened.
    """
    path = Path(path)
    config = dataclasses.replace(config or BackendConfig(model_path=str(path)),
                                 model_path=str(path))
    request = {"config": dataclasses.asdict(config), **(extra or {})}
    timeout = timeout_s if timeout_s is not None else _probe_timeout_s(path) + extra_timeout_s
    try:
        done = subprocess.run(
            [sys.executable, "-m", child_module],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ProbeReport(
            ok=False,
            message=f"Trying {path.name} in a test process did not finish within "
            f"{timeout:.0f} s, so it was not loaded. The machine may be very busy or short of "
            "memory; close other programs and try again, or choose a smaller model.",
            stage="timeout",
        )
    except OSError as exc:
        return ProbeReport(ok=False, message=f"Could not start a test process for {path.name}: "
                           f"{exc}.", stage="start")
    stage = "starting"
    result: dict | None = None
    for line in done.stdout.splitlines():
        if line.startswith(_PROGRESS):
            stage = line[len(_PROGRESS):]
        elif line.startswith(_RESULT):
            with contextlib.suppress(ValueError):
                result = json.loads(line[len(_RESULT):])
    if done.returncode < 0 or (result is None and done.returncode != 0):
        signame = _signal_name(-done.returncode) if done.returncode < 0 else (
            f"exit status {done.returncode}")
        logger.warning("probe of %s died (%s) while %s; stderr tail: %s", path, signame, stage,
                       done.stderr[-2000:])
        return ProbeReport(ok=False, crashed=True, stage=stage,
                           message=_crash_message(path, stage, signame))
    if result is None:
        return ProbeReport(ok=False, stage=stage, message=f"The test process for {path.name} "
                           "ended without a result.")
    fields = {f.name for f in dataclasses.fields(ProbeReport)}
    return ProbeReport(**{k: v for k, v in result.items() if k in fields})


ChildTask = Callable[[LlamaBackend, dict[str, Any]], dict[str, Any]]


def child_main(task: ChildTask | None = None, task_stage: str = "") -> int:
    """The child: load, decode, then run `task` (its result updates the report); report as
    JSON on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    def progress(stage: str) -> None:
        print(_PROGRESS + stage, flush=True)

    def report(rep: ProbeReport) -> int:
        print(_RESULT + json.dumps(dataclasses.asdict(rep)), flush=True)
        return 0

    request = json.loads(sys.stdin.read())
    config = BackendConfig(**request["config"])
    progress("loading")
    t0 = time.perf_counter()
    try:
        backend = LlamaBackend(config)
    except ModelFileError as exc:
        return report(ProbeReport(ok=False, message=str(exc), stage="loading"))
    load_s = time.perf_counter() - t0
    crash = os.environ.get(CRASH_ENV_VAR, "")
    progress("decoding")
    if crash == "abort":
        os.abort()
    if crash == "segv":
        import ctypes

        ctypes.string_at(0)
    import llama_cpp

    t1 = time.perf_counter()
    pieces = list(backend.stream(_PROBE_PROMPT, max_tokens=8, sampling=Sampling(temperature=0.0)))
    rate = len(pieces) / max(1e-6, time.perf_counter() - t1)
    found: dict[str, Any] = {}
    if task is not None:
        progress(task_stage)
        found = task(backend, request)
    progress("done")
    backend.close()
    return report(
        ProbeReport(
            ok=True,
            stage="done",
            load_s=round(load_s, 3),
            tokens_per_s=round(rate, 1),
            system_info=llama_cpp.llama_print_system_info().decode("utf-8", "replace"),
            **found,
        )
    )


def _build_fingerprint() -> str:
    """The llama.cpp library in use: a rebuilt library deserves a fresh probe."""
    import llama_cpp

    lib_dir = Path(llama_cpp.__file__).parent / "lib"
    parts = [llama_cpp.__version__]
    for lib in sorted(lib_dir.glob("*.so*")) + sorted(lib_dir.glob("*.dylib")):
        with contextlib.suppress(OSError):
            st = lib.stat()
            parts.append(f"{lib.name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _file_identity(path: Path) -> str:
    """Resolved path, size and modification time: a changed file gets a new verdict."""
    try:
        st = path.stat()
        return f"{path.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        return str(path)


class ModelGuard:
    """Loads models in-process only after they survived a child-process probe.

    `state_dir` (default: the user state dir) holds `verdicts.json` (one verdict per file +
    build + load settings) and the sentinels of loads in progress. One guard may be shared by
    threads that take turns.
    """

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        probe: Callable[[Path, BackendConfig], ProbeReport] | None = None,
    ) -> None:
        self.state_dir = state_dir or Path(platformdirs.user_state_dir(APP_NAME)) / "model-guard"
        self._probe = probe or (lambda path, config: probe_model(path, config))
        self._verdicts_path = self.state_dir / "verdicts.json"

    # -- verdicts --------------------------------------------------------------------

    def key(self, config: BackendConfig) -> str:
        file_id = _file_identity(Path(config.model_path))
        # An adapter is part of what is loaded: a new or retrained one is probed again.
        if config.lora_path is not None:
            file_id += f"+lora={_file_identity(Path(config.lora_path))}"
        # What changes the native code path; threads and context size do not.
        load = f"extra={config.extra_buffers}:safe={config.safe}"
        text = f"{file_id}|{_build_fingerprint()}|{load}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def _verdicts(self) -> dict[str, dict]:
        try:
            data = json.loads(self._verdicts_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            logger.warning("ignoring unreadable model verdicts %s: %s", self._verdicts_path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def verdict(self, config: BackendConfig) -> dict | None:
        """{"ok": bool, "message": str, "path": str} remembered for this load, or None."""
        self._collect_dead_sentinels()
        found = self._verdicts().get(self.key(config))
        return found if isinstance(found, dict) else None

    def _remember(self, key: str, ok: bool, message: str, path: str) -> None:
        verdicts = self._verdicts()
        verdicts[key] = {"ok": ok, "message": message, "path": path, "time": time.time()}
        try:
            write_text_atomic(self._verdicts_path, json.dumps(verdicts, indent=1))
        except OSError as exc:  # the guard still works for this run, it only forgets
            logger.warning("could not save the model verdict: %s", exc)

    def forget(self, config: BackendConfig) -> None:
        """Drop the remembered verdict, so the next `open` probes again (the user's "retry")."""
        verdicts = self._verdicts()
        if verdicts.pop(self.key(config), None) is not None:
            with contextlib.suppress(OSError):
                write_text_atomic(self._verdicts_path, json.dumps(verdicts, indent=1))

    # -- sentinels -------------------------------------------------------------------

    def _collect_dead_sentinels(self) -> None:
        """A sentinel left by a process that is gone: it died loading that model."""
        for sentinel in self.state_dir.glob("loading-*.json"):
            try:
                data = json.loads(sentinel.read_text(encoding="utf-8"))
                pid, key, path = int(data["pid"]), str(data["key"]), str(data["path"])
            except (OSError, ValueError, KeyError, TypeError):
                with contextlib.suppress(OSError):
                    sentinel.unlink()
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            logger.warning("a previous start died while loading %s", path)
            self._remember(
                key,
                False,
                f"EMPATH Desktop stopped unexpectedly the last time it loaded {Path(path).name}, "
                "probably a crash inside llama.cpp, so it is not loaded automatically again. "
                "You can try safe settings (one thread, no memory-mapping, no repacked "
                f"weights), choose another GGUF file in Settings, or use the embedded default "
                f"model. The file: {path}.",
                path,
            )
            with contextlib.suppress(OSError):
                sentinel.unlink()

    @contextlib.contextmanager
    def _sentinel(self, key: str, path: str) -> Iterator[None]:
        sentinel = self.state_dir / f"loading-{os.getpid()}.json"
        try:
            write_text_atomic(
                sentinel, json.dumps({"pid": os.getpid(), "key": key, "path": path}, indent=1)
            )
        except OSError as exc:
            logger.warning("could not write the load sentinel: %s", exc)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                sentinel.unlink()

    # -- loading ---------------------------------------------------------------------

    def check(self, config: BackendConfig) -> str:
        """Probe `config` in a child process unless its verdict is known; return its key.

        Raises `NativeCrashError` for a load that crashed (now or before), `ModelFileError`
        for a file that is not a usable GGUF, does not fit in free memory, or that llama.cpp
        refused.
        """
        self._collect_dead_sentinels()
        # Refused with numbers before any native code sees it: a model that cannot fit would
        # push the machine into swap or get the app killed by the kernel.
        path = Path(config.model_path)
        check_gguf(path)  # the same first paragraph for a bad file as every other load path
        if config.lora_path is not None:
            check_adapter(Path(config.lora_path))
        check_fits(read_gguf_info(path), config.n_ctx, n_batch=config.n_batch)
        key = self.key(config)
        known = self._verdicts().get(key)
        if isinstance(known, dict) and not known.get("ok"):
            raise NativeCrashError(str(known.get("message") or "This model crashed before."))
        if known is None:
            report = self._probe(Path(config.model_path), config)
            if report.crashed:
                self._remember(key, False, report.message, config.model_path)
                raise NativeCrashError(report.message)
            if not report.ok:
                raise ModelFileError(report.message)
            self._remember(key, True, "", config.model_path)
        return key

    def open(
        self,
        config: BackendConfig,
        factory: Callable[[BackendConfig], Backend] = LlamaBackend,
    ) -> Backend:
        """Probe (once) and load `config`. Raises `NativeCrashError` or `ModelFileError`."""
        key = self.check(config)
        with self._sentinel(key, config.model_path):
            backend = factory(config)
            # The first decode is where a bad native path crashes: keep it under the sentinel.
            try:
                for _ in backend.stream(_PROBE_PROMPT, max_tokens=1,
                                        sampling=Sampling(temperature=0.0)):
                    pass
            except Exception:
                backend.close()
                raise
        return backend


if __name__ == "__main__":
    sys.exit(child_main())
