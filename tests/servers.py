"""llama-cpp-python's own OpenAI-compatible server (`llama_cpp.server`) on loopback, for tests
and benches of `empath_desktop.llm.server`.

`LocalServer` starts the real server in a child process on a free port of 127.0.0.1, waits until
it answers, and kills it (also mid-stream, to test what the app does then). Run as a script,
this module *is* that server with one addition: a counter of the tokens the server has
generated, at `GET /debug/generated` (`{"tokens": n, "last": t}`, `t` a `time.monotonic()`
stamp, comparable across processes on Linux). The server's own API tells a client nothing about
work it does after the client stopped listening, so this counter is how a test sees whether
closing a stream really stopped the generation.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalServer:
    """`python -m llama_cpp.server` (with the token counter) on `model`, one process."""

    def __init__(
        self,
        model: Path,
        *,
        n_ctx: int = 4096,
        port: int | None = None,
        logits_all: bool = True,
        cache: bool = False,
        n_threads: int | None = None,
        log: Path | None = None,
    ) -> None:
        self.model = model
        self.n_ctx = n_ctx
        self.port = port or free_port()
        self.logits_all = logits_all
        self.cache = cache
        self.n_threads = n_threads or os.cpu_count() or 1
        self.log = log
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0) -> LocalServer:
        """Start the process and return once `/v1/models` answers (a loading model is not
        serving yet); raise with the server's output if it exits or never answers."""
        args = [
            sys.executable, str(Path(__file__).resolve()),
            "--model", str(self.model), "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(self.n_ctx), "--logits_all", str(self.logits_all),
            "--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads),
            "--cache", str(self.cache), "--verbose", "False",
            # Its default cuts a streaming reply short whenever another request arrives.
            "--interrupt_requests", "False",
        ]  # fmt: skip
        if self.log is None:
            self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        else:
            with self.log.open("ab") as out:  # the child keeps its own descriptor
                self._proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self._proc.returncode}{self._tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/models", timeout=2) as r:
                    json.load(r)
                return self
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    self.stop()
                    why = f"the server did not answer in {timeout} s{self._tail()}"
                    raise RuntimeError(why) from None
                time.sleep(0.1)  # polling a child's socket: nothing to wait on

    def generated(self) -> tuple[int, float]:
        """(tokens generated so far, monotonic time of the latest one)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/debug/generated") as r:
            data = json.load(r)
        return int(data["tokens"]), float(data["last"])

    def stop(self) -> None:
        """Kill the process (SIGKILL: a crash, not a shutdown) and reap it."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=30)
        self._proc = None

    def _tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return ":\n" + self.log.read_text(errors="replace")[-2000:]

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve() -> None:
    """llama_cpp.server's own `main()`, with the token counter added to its app."""
    import llama_cpp
    import llama_cpp.server.__main__ as server_main

    counter = {"tokens": 0, "last": 0.0}
    original_generate = llama_cpp.Llama.generate

    def generate(self: llama_cpp.Llama, *args: object, **kwargs: object):
        for token in original_generate(self, *args, **kwargs):
            counter["tokens"] += 1
            counter["last"] = time.monotonic()
            yield token

    llama_cpp.Llama.generate = generate  # type: ignore[method-assign]
    create_app = server_main.create_app

    def create_counting_app(**kwargs: object):
        app = create_app(**kwargs)

        @app.get("/debug/generated")
        def generated() -> dict[str, float]:
            return dict(counter)

        return app

    server_main.create_app = create_counting_app
    server_main.main()


if __name__ == "__main__":
    _serve()
