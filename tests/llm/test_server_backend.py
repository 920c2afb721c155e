"""`ServerBackend` against a real OpenAI-compatible server: llama-cpp-python's own
`llama_cpp.server` on loopback with the embedded model (tests/servers.py), plus a loopback HTTP
server that speaks another API and a port where nothing listens.

Cancellation is measured by the server's own count of generated tokens (the counter
tests/servers.py adds to it): after Stop, a follow-up request is served only once the cancelled
generation has let go of the model (llama_cpp.server serves one request at a time), so the
count it leaves behind bounds what the server generated after the click.
"""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from empath_desktop.chat.pipeline import Pipeline, PipelineConfig, TurnRecorded
from empath_desktop.chat.prompts import load_persona
from empath_desktop.lab.teachers import OPTIONS
from empath_desktop.llm.backend import Sampling
from empath_desktop.llm.server import ServerBackend, ServerConfig, ServerError
from tests.servers import LocalServer, free_port

pytestmark = [pytest.mark.model, pytest.mark.timeout(300)]


@pytest.fixture(scope="session")
def llama_server(
    default_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServer]:
    log = tmp_path_factory.mktemp("server") / "server.log"
    with LocalServer(default_model, n_ctx=4096, log=log) as server:
        yield server


@pytest.fixture()
def server_backend(llama_server: LocalServer) -> Iterator[ServerBackend]:
    backend = ServerBackend(ServerConfig.from_url(llama_server.url))
    yield backend
    backend.close()


def test_turns_over_the_server_are_well_formed(server_backend: ServerBackend) -> None:
    config = PipelineConfig(respond_max_tokens=60, reflect_max_tokens=30, sampling=Sampling(seed=3))
    pipeline = Pipeline(server_backend, load_persona("empath"), config)
    for message in ("Hello! How are you today?", "My cat died this morning."):
        events = list(pipeline.run_turn(message))
        record = events[-1].record
        assert isinstance(events[-1], TurnRecorded)
        assert record.report.well_formed, record.raw
        assert record.turn.respond.strip(), record.raw
        assert not record.cancelled


def test_stop_closes_the_stream_and_the_server_stops_generating(
    server_backend: ServerBackend, llama_server: LocalServer
) -> None:
    cancel = threading.Event()
    before, _ = llama_server.generated()
    stream = server_backend.stream(
        "Once upon a time, in a land far away,",
        max_tokens=1000,
        sampling=Sampling(temperature=1.0, seed=7),
        cancel=cancel,
    )
    received = 0
    for _piece in stream:
        received += 1
        if received == 5:
            cancel.set()
            at_stop, _ = llama_server.generated()
    assert received == 5  # the iterator ended at the next chunk after Stop
    # The follow-up is served only once the stopped generation released the model.
    follow = list(server_backend.stream("Hi", max_tokens=1, sampling=Sampling(seed=1)))
    assert len(follow) <= 1
    after, _ = llama_server.generated()
    generated_after_stop = after - at_stop - 1  # less the follow-up's one token
    assert at_stop - before >= 5
    # Tokens decoded between the click and the server noticing the closed connection: one
    # in flight plus its send buffer at most, never the 1000 asked for.
    assert generated_after_stop <= 12


def test_choose_scores_closed_sets_through_log_probabilities(
    server_backend: ServerBackend,
) -> None:
    best, scores = server_backend.choose("One, two, three, four, five, six,", [" banana", " seven"])
    assert best == 1 and len(scores) == 2 and scores[1] > scores[0]
    prompt = "The pole leans left and falls left. To catch it, push-cart:"
    best, scores = server_backend.choose(prompt, OPTIONS)
    assert best in (0, 1) and all(s > -30 for s in scores), scores


def test_sibling_shares_the_connection_and_closing_it_keeps_it(
    server_backend: ServerBackend,
) -> None:
    sibling = server_backend.sibling(1024)
    assert sibling.lock is not server_backend.lock
    sibling.close()
    assert "".join(server_backend.stream("Hello", max_tokens=2, sampling=Sampling(seed=1)))


def test_count_tokens_asks_the_server(server_backend: ServerBackend) -> None:
    short, long = server_backend.count_tokens("hello"), server_backend.count_tokens("hello " * 50)
    assert 1 <= short < long <= 60
    assert server_backend.n_ctx == 4096


def test_a_killed_server_is_one_error_and_a_restarted_one_works_again(
    default_model: Path, tmp_path: Path
) -> None:
    # A server of its own, killed mid-reply (logits off: it only streams).
    server = LocalServer(default_model, n_ctx=1024, logits_all=False, log=tmp_path / "log")
    with server:
        backend = ServerBackend(ServerConfig.from_url(server.url, n_ctx=1024))
        stream = backend.stream("Once upon a time", max_tokens=500, sampling=Sampling(seed=1))
        assert next(stream)
        server.stop()
        with pytest.raises(ServerError) as failed:
            for _ in stream:
                pass
        assert "broke off" in str(failed.value) and "Traceback" not in str(failed.value)
        with pytest.raises(ServerError, match="Cannot connect"):
            list(backend.stream("Hi", max_tokens=2))
        server.start()
        assert "".join(backend.stream("Hi there", max_tokens=3, sampling=Sampling(seed=1)))
        # No log-probabilities from this server: choose() follows the greedy text.
        best, scores = backend.choose("One, two, three, four,", [" banana", " five"])
        assert best == 1 and scores == [-30.0, 0.0]
        backend.close()


def test_a_server_that_is_down_is_one_paragraph() -> None:
    config = ServerConfig.from_url(f"http://127.0.0.1:{free_port()}/v1", reconnect_s=0.3)
    with pytest.raises(ServerError) as failed:
        ServerBackend(config)
    message = str(failed.value)
    assert message.startswith("Cannot connect") and "\n" not in message


class _OtherApi(http.server.BaseHTTPRequestHandler):
    """A web server that is not an OpenAI API: HTML everywhere, 404 but for /v1/models."""

    def do_GET(self) -> None:
        status = 200 if self.path == "/v1/models" else 404
        body = b"<html><body>Welcome to my router</body></html>"
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the app's error, not the access log."""


@pytest.fixture()
def other_api() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _OtherApi)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize("path", ["/v1", "/api"])
def test_a_server_speaking_another_api_is_one_paragraph(other_api: str, path: str) -> None:
    with pytest.raises(ServerError) as failed:
        ServerBackend(ServerConfig.from_url(other_api + path))
    message = str(failed.value)
    assert "does not answer like an OpenAI-compatible API" in message and "\n" not in message


def test_the_api_key_stays_out_of_reprs_and_logs(
    llama_server: LocalServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-test-do-not-print-4242"
    monkeypatch.setenv("EMPATH_SERVER_API_KEY", secret)
    config = ServerConfig.from_url(llama_server.url)
    assert config.api_key == secret and secret not in repr(config)
    caplog.set_level(logging.DEBUG)
    backend = ServerBackend(config)
    "".join(backend.stream("Hello", max_tokens=2, sampling=Sampling(seed=1)))
    backend.close()
    assert secret not in caplog.text and secret not in repr(backend.__dict__.get("config"))


def test_chat_mode_goes_through_the_servers_chat_template(llama_server: LocalServer) -> None:
    """/v1/chat/completions with the scaffold's partial reply as the last assistant message;
    llama_cpp.server starts a fresh answer instead of continuing it, and the turn is still
    well formed (`_Resume` finds the open section in it)."""
    backend = ServerBackend(ServerConfig.from_url(llama_server.url, chat=True))
    try:
        assert backend.is_chat
        config = PipelineConfig(respond_max_tokens=40, reflect_max_tokens=20, appraise=False,
                                sampling=Sampling(seed=5))
        record = list(Pipeline(backend, load_persona("empath"), config).run_turn("Hi!"))[-1].record
        assert record.report.well_formed, record.raw
        assert record.turn.react.strip(), record.raw
    finally:
        backend.close()


def test_instruction_tuned_model_names_choose_chat_mode() -> None:
    from empath_desktop.llm.backend import looks_instruct

    assert looks_instruct("Qwen/Qwen2.5-7B-Instruct") and looks_instruct("gemma-3-4b-it")
    assert not looks_instruct("gemma-3-270m-q4_k_m.gguf")
