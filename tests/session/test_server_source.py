"""A server as the model source, from Settings and the command line to a loaded session:
which source wins, the URL check, the flags' errors, a server that is down, and (marked
`model`) a real loopback llama_cpp.server chatting through `ChatSession`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from empath_desktop.app import build_parser, main
from empath_desktop.chat.pipeline import TurnRecorded
from empath_desktop.session import (
    ChatSession,
    ModelFailed,
    ModelLoaded,
    model_request,
    pipeline_config,
)
from empath_desktop.session.config import server_config
from empath_desktop.store.conversations import ConversationStore
from empath_desktop.store.settings import Settings, read_settings
from tests.servers import LocalServer, free_port

URL = "http://127.0.0.1:8080/v1"


def test_the_model_source_first_found_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMPATH_MODEL", raising=False)
    settings = Settings(model_path="/m/file.gguf", server_url=URL, server_model="big")
    request = model_request(settings)
    assert (request.server_url, request.server_model, request.model_path) == (URL, "big", None)
    assert request.source == URL
    # --model wins over the server in Settings; --server over both, with its own model name.
    by_file = model_request(settings, model="/m/other.gguf")
    assert (by_file.server_url, by_file.model_path) == (None, "/m/other.gguf")
    assert server_config(by_file) is None
    flagged = model_request(Settings(), server="http://h:1/v1", server_model=None)
    assert (flagged.server_url, flagged.server_model) == ("http://h:1/v1", None)
    # Over a server the model writes its react (the faster first reaction, bench/server.py).
    assert not pipeline_config(request).appraise
    # No server: the file in Settings, as before.
    plain = model_request(Settings(model_path="/m/file.gguf"))
    assert (plain.server_url, plain.model_path) == (None, "/m/file.gguf")
    assert pipeline_config(plain).appraise


def test_the_api_key_comes_from_the_environment_and_never_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMPATH_SERVER_API_KEY", "sk-secret-123")
    config = server_config(model_request(Settings(server_url=URL)))
    assert config is not None and config.api_key == "sk-secret-123"
    assert "sk-secret" not in repr(config)
    assert "sk-secret" not in repr(model_request(Settings(server_url=URL)))


def test_settings_keep_only_an_http_server_url(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('server_url = "ftp://example.org/v1"\nserver_model = "m"\n')
    assert read_settings(path).settings.server_url == ""
    path.write_text(f'server_url = "{URL}"\n')
    assert read_settings(path).settings.server_url == URL


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--model", "x.gguf", "--server", URL], "not both"),
        (["chat", "--model", "x.gguf", "--server", URL], "not both"),
        (["--server-model", "big"], "--server URL as well"),
        (["chat", "--server", "localhost:8080"], "not an http(s) URL"),
    ],
)
def test_flag_mistakes_are_argparse_errors(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert words in capsys.readouterr().err


def test_server_flags_are_common_options() -> None:
    args = build_parser().parse_args(["chat", "--server", URL, "--server-model", "big"])
    assert (args.server, args.server_model) == (URL, "big")


def test_a_server_that_is_down_is_one_paragraph_and_the_session_stays_usable(
    tmp_path: Path,
) -> None:
    session = ChatSession(ConversationStore(tmp_path))
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    shown = session.load_here(model_request(Settings(server_url=url)))
    failed = shown[-1]
    assert isinstance(failed, ModelFailed), shown
    assert "Cannot connect to the server" in failed.message and url in failed.message
    assert "\n" not in failed.message and "Traceback" not in failed.message
    assert session.state == "error"
    assert session.send("hello?") is None  # nothing starts, nothing hangs


@pytest.fixture(scope="module")
def llama_server(
    default_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServer]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    with LocalServer(default_model, n_ctx=4096, log=log) as server:
        yield server


@pytest.mark.model
@pytest.mark.timeout(300)
def test_a_session_on_a_real_server_chats_and_switches_back(
    tmp_path: Path, llama_server: LocalServer, llama_backend: object
) -> None:
    session = ChatSession(ConversationStore(tmp_path), backend_factory=lambda _c: llama_backend)
    loaded = session.load_here(model_request(Settings(server_url=llama_server.url)))
    assert isinstance(loaded[-1], ModelLoaded), loaded
    assert loaded[-1].info.path == llama_server.url
    assert loaded[-1].info.name.endswith(f"@ {llama_server.url}")
    record = next(
        e.record for e in session.run_turn("Hello! How are you?") if isinstance(e, TurnRecorded)
    )
    assert record.report.well_formed, record.raw
    # Back to a model file: the server connection is closed, the conversation goes on.
    server_backend = session.backend
    back = session.load_here(model_request(Settings(model_path="/m/any.gguf")))
    assert isinstance(back[-1], ModelLoaded) and session.backend is llama_backend
    assert server_backend is not None and server_backend._closed  # type: ignore[attr-defined]
    # A server that stops: the next load is one paragraph and keeps the loaded model.
    llama_server.stop()
    failed = session.load_here(model_request(Settings(server_url=llama_server.url)))[-1]
    assert isinstance(failed, ModelFailed) and failed.kept_model == session.model_name
    llama_server.start()
