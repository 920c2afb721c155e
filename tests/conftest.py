"""Shared fixtures. Qt runs offscreen; the real embedded model is loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

# Before any Qt import: tests never need a display or an audio device.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _private_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read or write the real settings and conversations (the model cache is
    shared on purpose: assembling 250 MB per test would only cost time)."""
    root = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(root / "data"))


@pytest.fixture(scope="session")
def default_model() -> Path:
    """The embedded default GGUF, assembled and verified (into the user cache, reused)."""
    from empath_desktop.engine.model_files import default_model_path

    return default_model_path()


@pytest.fixture(scope="session")
def llama_backend(default_model: Path) -> Iterator[object]:
    """One real llama-cpp-python backend on the default model, shared by the session."""
    from empath_desktop.engine.llm import BackendConfig, LlamaBackend

    backend = LlamaBackend(BackendConfig(model_path=str(default_model), n_ctx=4096))
    yield backend
    backend.close()
