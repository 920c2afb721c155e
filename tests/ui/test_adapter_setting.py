"""The session applies the installed EMPATH adapter to the embedded model only, and the
`use_adapter` setting turns it off. A recording factory stands in for llama.cpp."""

from __future__ import annotations

from pathlib import Path

import pytest

from empath_desktop.llm.backend import BackendConfig
from empath_desktop.llm.model_files import DEFAULT_ADAPTER_NAME
from empath_desktop.session import ChatSession, ModelFailed, ModelRequest
from empath_desktop.store.conversations import ConversationStore
from tests.fakes import FakeBackend
from tests.files import write_named_gguf


def test_the_session_loads_the_adapter_for_the_embedded_model_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from empath_desktop.llm import model_files
    from empath_desktop.session import config

    adapter = tmp_path / "models" / DEFAULT_ADAPTER_NAME
    adapter.parent.mkdir()
    monkeypatch.setattr(model_files, "adapter_install_path", lambda: adapter)
    embedded = tmp_path / "embedded.gguf"
    monkeypatch.setattr(config, "default_model_path", lambda *a: embedded)
    configs: list[BackendConfig] = []

    def factory(config: BackendConfig) -> FakeBackend:
        configs.append(config)
        return FakeBackend()

    session = ChatSession(ConversationStore(tmp_path / "c"), backend_factory=factory)

    def load(request: ModelRequest) -> None:
        shown = session.load_here(request)
        assert not [e for e in shown if isinstance(e, ModelFailed)], shown

    try:
        load(ModelRequest(model_path=None, persona="empath"))
        assert configs[-1].lora_path is None  # nothing installed: the plain model, no error

        write_named_gguf(adapter, "EMPATH adapter")
        load(ModelRequest(model_path=None, persona="empath"))
        assert configs[-1].model_path == str(embedded)
        assert configs[-1].lora_path == str(adapter)
        load(ModelRequest(model_path=None, persona="empath", use_adapter=False))
        assert configs[-1].lora_path is None
        other = write_named_gguf(tmp_path / "other.gguf", "another model")
        load(ModelRequest(model_path=str(other), persona="empath"))
        assert configs[-1].lora_path is None
    finally:
        session.close()
