"""Native crashes are contained: models are tried in a child process, verdicts remembered,
a load that killed the app is not repeated, and no load uses llama.cpp's extra buffers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import llama_cpp
import pytest

from empath_desktop.llm.backend import BackendConfig, LlamaBackend, open_llama
from empath_desktop.llm.model_files import ModelFileError
from empath_desktop.llm.probe import (
    CRASH_ENV_VAR,
    ModelGuard,
    NativeCrashError,
    ProbeReport,
    probe_model,
)


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


class CountingProbe:
    """The real probe, counted: proves a remembered verdict is not probed again."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, path: Path, config: BackendConfig) -> ProbeReport:
        self.calls += 1
        return probe_model(path, config)


@pytest.mark.model
def test_the_embedded_model_passes_the_probe(default_model):
    report = probe_model(default_model)
    assert report.ok and not report.crashed, report.message
    assert report.stage == "done" and report.tokens_per_s > 0
    assert "CPU" in report.system_info


@pytest.mark.model
@pytest.mark.parametrize(("mode", "signame"), [("abort", "SIGABRT"), ("segv", "SIGSEGV")])
def test_a_crash_in_the_child_comes_back_as_one_paragraph(
    default_model, monkeypatch, mode, signame
):
    monkeypatch.setenv(CRASH_ENV_VAR, mode)
    report = probe_model(default_model)
    assert not report.ok and report.crashed
    assert signame in report.message and default_model.name in report.message
    assert report.stage == "decoding"
    assert "\n" not in report.message and "Traceback" not in report.message


def test_a_file_llama_cpp_refuses_is_a_refusal_not_a_crash(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all" * 100)
    report = probe_model(bad)
    assert not report.ok and not report.crashed
    assert "GGUF" in report.message
    guard = ModelGuard(tmp_path / "guard")
    with pytest.raises(ModelFileError) as caught:
        guard.open(BackendConfig(model_path=str(bad)))
    assert not isinstance(caught.value, NativeCrashError)


@pytest.mark.model
def test_a_crashing_model_is_remembered_and_not_tried_again(default_model, monkeypatch, tmp_path):
    probe = CountingProbe()
    guard = ModelGuard(tmp_path, probe=probe)
    config = BackendConfig(model_path=str(default_model))
    monkeypatch.setenv(CRASH_ENV_VAR, "abort")
    with pytest.raises(NativeCrashError, match="SIGABRT"):
        guard.open(config)
    monkeypatch.delenv(CRASH_ENV_VAR)
    # The next start (a new guard on the same state) refuses at once, without a probe.
    again = ModelGuard(tmp_path, probe=probe)
    with pytest.raises(NativeCrashError, match="SIGABRT"):
        again.open(config)
    assert probe.calls == 1
    # Safe settings are another load: probed on their own, and they work.
    backend = again.open(BackendConfig(model_path=str(default_model), safe=True))
    try:
        assert backend.threads == 1
        assert backend._llm.model_params.load_mode == llama_cpp.LLAMA_LOAD_MODE_NONE
    finally:
        backend.close()
    # The user's "try again" forgets the verdict.
    again.forget(config)
    backend = again.open(config)
    backend.close()
    assert probe.calls == 3


def test_a_load_that_killed_the_app_is_not_repeated_at_the_next_start(tmp_path, default_model):
    model = default_model
    guard = ModelGuard(tmp_path / "guard", probe=lambda *_: pytest.fail("probed a crasher"))
    config = BackendConfig(model_path=str(model))
    sentinel = guard.state_dir / "loading-1.json"
    sentinel.parent.mkdir(parents=True)
    key = guard.key(config)
    sentinel.write_text(json.dumps({"pid": _dead_pid(), "key": key, "path": str(model)}))
    with pytest.raises(NativeCrashError, match="stopped unexpectedly"):
        guard.open(config)
    assert not sentinel.exists()
    verdict = guard.verdict(config)
    assert verdict is not None and verdict["ok"] is False


def test_a_sentinel_of_a_live_process_is_left_alone(tmp_path):
    guard = ModelGuard(tmp_path)
    sentinel = tmp_path / "loading-x.json"
    sentinel.write_text(json.dumps({"pid": os.getppid(), "key": "k", "path": "/m.gguf"}))
    assert guard.verdict(BackendConfig(model_path="/m.gguf")) is None
    assert sentinel.exists()


def test_unreadable_verdicts_are_ignored_not_fatal(tmp_path, default_model):
    (tmp_path / "verdicts.json").write_bytes(b"\xff\xfe not json")
    (tmp_path / "loading-1.json").write_bytes(b"[[[[")
    guard = ModelGuard(tmp_path, probe=lambda *_: ProbeReport(ok=False, message="refused"))
    with pytest.raises(ModelFileError, match="refused"):
        guard.check(BackendConfig(model_path=str(default_model)))


def test_a_model_that_does_not_fit_is_refused_with_numbers_before_any_probe(
    tmp_path, default_model, monkeypatch
):
    from empath_desktop.llm import gguf_info

    monkeypatch.setattr(gguf_info, "available_memory_bytes", lambda *a, **k: 100 * 2**20)
    guard = ModelGuard(tmp_path, probe=lambda *_: pytest.fail("probed a model that cannot fit"))
    with pytest.raises(ModelFileError) as caught:
        guard.check(BackendConfig(model_path=str(default_model)))
    message = str(caught.value)
    assert "does not fit in memory" in message and "MB" in message


@pytest.mark.model
def test_no_load_uses_llama_cpp_extra_buffers(default_model, llama_backend):
    """The AMX crash (llama.cpp #20824) lives in the extra buffer types: a regression here
    is caught on any CPU, not only on the Xeons where it crashes."""
    assert llama_backend._llm.model_params.use_extra_bufts is False
    llm = open_llama(str(default_model), vocab_only=True, verbose=False)
    try:
        assert llm.model_params.use_extra_bufts is False
    finally:
        llm.close()
    # The constructor's defaults are untouched for everyone else.
    from llama_cpp import llama_cpp as lib

    assert lib.llama_model_default_params().use_extra_bufts is True


@pytest.mark.model
def test_the_backend_follows_the_machine_unless_threads_are_fixed(default_model):
    fixed = LlamaBackend(BackendConfig(model_path=str(default_model), n_threads=1, n_ctx=256))
    try:
        assert fixed.threads == 1 and fixed._governor is None
    finally:
        fixed.close()
    auto = LlamaBackend(BackendConfig(model_path=str(default_model), n_ctx=256))
    try:
        assert auto._governor is not None
        assert 1 <= auto.threads <= auto._governor.cores
    finally:
        auto.close()
