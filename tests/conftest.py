"""Shared fixtures. Qt runs offscreen; the real embedded model is loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Before any Qt import: tests never need a display or an audio device.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

if TYPE_CHECKING:
    from empath_desktop.llm.probe import ModelGuard
    from tests.servers import LocalServer


@pytest.fixture(autouse=True)
def _private_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real settings and conversations (the model cache is
    shared on purpose: assembling 250 MB per test would only cost time)."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(root / "state"))


@pytest.fixture(scope="session")
def model_guard(tmp_path_factory: pytest.TempPathFactory) -> ModelGuard:
    """A guard with its own verdicts: every session probes afresh, as a new install would."""
    from empath_desktop.llm.probe import ModelGuard

    return ModelGuard(tmp_path_factory.mktemp("model-guard"))


@pytest.fixture(scope="session")
def default_model(model_guard: ModelGuard) -> Path:
    """The embedded default GGUF, assembled and verified (into the user cache, reused), and
    tried in a child process first: if llama.cpp crashes on this CPU, every model-backed test
    fails with the explanation instead of the crash killing the whole test run."""
    from empath_desktop.llm.backend import BackendConfig
    from empath_desktop.llm.model_files import ModelFileError, default_model_path

    path = default_model_path()
    try:
        model_guard.check(BackendConfig(model_path=str(path)))
    except ModelFileError as exc:
        pytest.fail(f"the embedded model cannot run on this machine: {exc}", pytrace=False)
    return path


@pytest.fixture(scope="session")
def llama_backend(default_model: Path, model_guard: ModelGuard) -> Iterator[object]:
    """One real llama-cpp-python backend on the default model, shared by the session."""
    from empath_desktop.llm.backend import BackendConfig

    backend = model_guard.open(
        BackendConfig(model_path=str(default_model), n_ctx=4096)
    )
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def llama_server(
    default_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServer]:
    """llama-cpp-python's OpenAI-compatible server on loopback with the embedded model, shared
    by the tests that talk to a server (tests that kill theirs start their own)."""
    from tests.servers import LocalServer

    log = tmp_path_factory.mktemp("server") / "server.log"
    with LocalServer(default_model, n_ctx=4096, logits_all=False, log=log) as server:
        yield server
