"""A `Backend` over an OpenAI-compatible HTTP server: llama.cpp's `llama-server`, vLLM, Ollama,
LM Studio, llama-cpp-python's `llama_cpp.server`.

The app sends its own raw prompt to `/v1/completions` and streams the answer, so the format
scaffold and prompt-prefix reuse (the server's prompt cache) work as in-process. With
`ServerConfig.chat` the conversation goes to `/v1/chat/completions` instead and the server
applies the model's chat template; the scaffold's partial reply is sent as a final assistant
message to be continued (`continue_final_message`, understood by vLLM; llama-server continues a
trailing assistant message by itself; other servers answer after it, and the scaffold still
keeps the turn well formed).

Every call has timeouts (connect, and between received bytes). A call that cannot connect
tries again with growing pauses (0.1 s, doubling) for up to `reconnect_s`, so a server that is
restarting is found again without the user doing anything; a failure after text has arrived is
not retried (the text is already shown). Each failure becomes a `ServerError` with one
paragraph for people: refused connection, timeout, an HTTP error status, or a URL that does not
speak the OpenAI API. Cancelling a stream closes the HTTP response, which is how these servers
learn to stop generating. The API key is never logged and never part of a repr.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import httpx2
import openai

from empath_desktop.llm.backend import (
    GenerationError,
    Sampling,
    common_prefix_len,
    looks_instruct,
)
from empath_desktop.llm.model_files import APP_NAME, ModelFileError

logger = logging.getLogger(__name__)

API_KEY_ENV_VARS = ("EMPATH_SERVER_API_KEY", "OPENAI_API_KEY")
# Scores of the options `choose` cannot see in the server's answer: far below any listed one,
# finite so that differences and softmaxes stay numbers.
_UNSEEN = -30.0
_T = TypeVar("_T")
_SAMPLING = Sampling()


class ServerError(ModelFileError, GenerationError):
    """The server cannot be used right now; the message is one paragraph meant for people.
    Raised when connecting (like a bad model file) and during a turn (like a failed one)."""


def resolve_api_key(base_url: str) -> str | None:
    """The key for `base_url`: `EMPATH_SERVER_API_KEY`, else `OPENAI_API_KEY`, else the OS
    keyring (service "empath-desktop", user `base_url`) when the `keyring` package is
    installed; None when there is none (local servers need none)."""
    for name in API_KEY_ENV_VARS:
        if value := os.environ.get(name):
            return value
    try:
        import keyring
    except ImportError:
        return None
    try:
        return keyring.get_password(APP_NAME, base_url)
    except Exception as exc:  # any keyring backend failure means "no key"
        logger.info("the OS keyring could not be read (%s); going on without a key", type(exc))
        return None


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Where the server is and how patient to be with it."""

    base_url: str  # the API root, usually ending in /v1: http://localhost:8000/v1
    model: str | None = None  # None: the first model the server lists
    # Never logged or shown; `from_url` fills it from the environment or the keyring.
    api_key: str | None = field(default=None, repr=False)
    # Used when the server does not tell its context size (llama-cpp-python, Ollama).
    n_ctx: int = 4096
    # Send conversations to /v1/chat/completions (the server's chat template) instead of the
    # app's own transcript to /v1/completions. None: when the model's name says it is
    # instruction-tuned ("instruct", "-it", "chat"), as for a GGUF in-process.
    chat: bool | None = None
    connect_timeout: float = 3.0
    # The longest wait for the next bytes (a prompt evaluation before the first token counts).
    read_timeout: float = 120.0
    # How long a call keeps trying to connect (with backoff) before it reports the server down.
    reconnect_s: float = 2.0
    # How many alternatives `choose` asks for at the answer's first token.
    top_logprobs: int = 20

    @classmethod
    def from_url(cls, base_url: str, model: str | None = None, **kwargs: Any) -> ServerConfig:
        """A config for `base_url` with the API key resolved by `resolve_api_key`."""
        url = base_url.rstrip("/")
        return cls(base_url=url, model=model, api_key=resolve_api_key(url), **kwargs)


class ServerBackend:
    """The `Backend` protocol over an OpenAI-compatible server.

    Calls do not take `lock` themselves: the server orders or batches concurrent requests, so
    threads may stream at once (several CartPole environments). `lock` is there for callers
    that need a sequence of calls to stay together, as with the in-process backend.
    `concurrent_requests` says so to callers that spread work over siblings (`lab.fleet`).
    """

    concurrent_requests = True

    def __init__(self, config: ServerConfig, *, _shared: ServerBackend | None = None) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.is_chat = bool(config.chat)
        self._closed = False
        self._counts: OrderedDict[str, int] = OrderedDict()
        if _shared is not None:  # a sibling: the same connection pool and discoveries
            self._client, self._http = _shared._client, _shared._http
            self.model, self.name, self._n_ctx = _shared.model, _shared.name, _shared._n_ctx
            self.models = _shared.models
            self._tokenizer, self._choose_mode = _shared._tokenizer, _shared._choose_mode
            self._owner = False
            return
        self._owner = True
        timeout = httpx2.Timeout(config.read_timeout, connect=config.connect_timeout)
        # The key also goes to the endpoints beside the API (models, tokenizer, props).
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx2.Client(timeout=timeout, headers=headers)
        self._client = openai.OpenAI(
            base_url=config.base_url,
            # Local servers need no key, but the client insists on one.
            api_key=config.api_key or "none",
            timeout=timeout,
            max_retries=0,  # retries are ours: only for connecting, with backoff
            http_client=self._http,
        )
        self._tokenizer: str | None = None  # discovered on first count_tokens
        self._choose_mode = "logprobs"  # "greedy" once the server has refused logprobs
        self.models: tuple[str, ...] = ()  # every model the server lists, sorted
        try:
            self.model, listed = self._discover_model()
            self._n_ctx = self._discover_n_ctx(listed)
        except BaseException:
            self._client.close()  # no one else will: the caller gets no backend to close
            raise
        if config.chat is None:
            self.is_chat = looks_instruct(self.model)
        self.name = f"{self.model} @ {config.base_url}"
        logger.info("server %s: model %s, n_ctx %d", config.base_url, self.model, self._n_ctx)

    # -- discovery -----------------------------------------------------------------------

    @property
    def _root(self) -> str:
        """The server's root (the extras and props live beside /v1, not under it)."""
        url = self.config.base_url
        return url[: -len("/v1")] if url.endswith("/v1") else url

    def _discover_model(self) -> tuple[str, dict[str, Any]]:
        """The model to use and its /v1/models entry; proves the URL speaks the API."""
        try:
            response = self._call(lambda: self._http.get(f"{self.config.base_url}/models"))
            response.raise_for_status()
            entries = response.json()["data"]
            models = {str(m["id"]): m for m in entries}
        except (ValueError, KeyError, TypeError) as exc:
            why = f"its /models answer was not the API's model list ({exc})"
            raise self._not_openai(why) from exc
        except httpx2.HTTPStatusError as exc:
            raise self._error(_as_status_error(exc)) from exc
        if not models:
            raise ServerError(
                f"The server at {self.config.base_url} serves no model yet. Load one there "
                "(for Ollama: `ollama pull NAME`), then connect again."
            )
        self.models = tuple(sorted(models))
        wanted = self.config.model
        if wanted is None:
            return next(iter(models.items()))
        if wanted not in models:
            raise ServerError(
                f"The server at {self.config.base_url} has no model named {wanted!r}; it "
                f"serves {', '.join(sorted(models))}. Choose one of those as the server model."
            )
        return wanted, models[wanted]

    def _discover_n_ctx(self, listed: dict[str, Any]) -> int:
        """vLLM lists `max_model_len`; llama-server tells its slot context in /props;
        otherwise the configured value."""
        if isinstance(listed.get("max_model_len"), int):
            return int(listed["max_model_len"])
        try:
            props = self._http.get(f"{self._root}/props").json()
            return int(props["default_generation_settings"]["n_ctx"])
        except (httpx2.HTTPError, ValueError, KeyError, TypeError):
            return self.config.n_ctx

    # -- the Backend protocol ------------------------------------------------------------

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def render_chat(self, messages: Sequence[dict[str, str]]) -> str:
        """The messages as the opaque prompt `stream` sends to /v1/chat/completions (the
        server applies the template); text appended to it is the assistant's reply so far."""
        return _CHAT_MARK + json.dumps(list(messages)) + _CHAT_MARK

    def count_tokens(self, text: str) -> int:
        """The server's own count where it offers a tokenizer endpoint (llama-cpp-python's
        /extras/tokenize/count, llama-server's and vLLM's /tokenize), counting the BOS token
        the prompt will get. Elsewhere (Ollama) an estimate, one token per 3 UTF-8 bytes plus
        8, which overcounts English and code (≈4 bytes a token) so that a prompt it admits fits;
        dense scripts (≈3 bytes a character, often a token each) come out about right."""
        if (hit := self._counts.get(text)) is not None:
            self._counts.move_to_end(text)
            return hit
        count = self._server_count(text)
        if count is None:
            count = len(text.encode("utf-8")) // 3 + 8
        self._counts[text] = count
        if len(self._counts) > 256:
            self._counts.popitem(last=False)
        return count

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        sampling: Sampling = _SAMPLING,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        self._check_open()
        request: dict[str, Any] = {
            "model": self.model,
            "max_tokens": max_tokens,
            "stop": list(stop) or None,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "seed": sampling.seed,
            "stream": True,
            # Not in the OpenAI API; llama.cpp, llama-cpp-python and vLLM read them, others
            # ignore them.
            "extra_body": {
                "top_k": sampling.top_k,
                "min_p": sampling.min_p,
                "repeat_penalty": sampling.repeat_penalty,
            },
        }
        chat = _split_chat(prompt)
        if chat is None:
            opened: Callable[[], Any] = lambda: self._client.completions.create(  # noqa: E731
                prompt=prompt, **request
            )
        else:
            messages, reply = chat
            if reply:
                messages.append({"role": "assistant", "content": reply})
                request["extra_body"] |= {
                    "continue_final_message": True,
                    "add_generation_prompt": False,
                }
            opened = lambda: self._client.chat.completions.create(  # noqa: E731
                messages=messages, **request
            )
        if cancel is not None and cancel.is_set():
            return
        response = self._call(opened, cancel)
        resume = _Resume(chat[1]) if chat is not None else None
        try:
            for chunk in response:
                if cancel is not None and cancel.is_set():
                    break
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                text = choice.text if chat is None else choice.delta.content
                if text and resume is not None:
                    text = resume.feed(text)
                if text:
                    yield text
            if resume is not None and (rest := resume.flush()):
                yield rest
        except (openai.APIError, httpx2.HTTPError) as exc:
            raise self._error(exc, midstream=True) from exc
        finally:
            # Closing the response is what tells the server to stop generating.
            response.close()

    def choose(self, prompt: str, options: Sequence[str]) -> tuple[int, list[float]]:
        """The option the model finds most probable after `prompt`, from one request.

        With log-probabilities (llama.cpp, llama-cpp-python, vLLM): the `top_logprobs` most
        probable first tokens of the answer. An option scores the log-probability of the
        longest listed token that it starts with (or that starts with it); an option none
        of them matches scores far below all (-30). This equals exact scoring when the options
        differ in their first token and that token is listed (the appraisal's single-word
        expressions, the CartPole teacher's " left"/" right"); otherwise it ranks options by
        their first token only. Scoring every token of every option would need `echo` with
        prompt log-probabilities, which most servers lack and llama-cpp-python's computes
        with a sort of the whole vocabulary per prompt token (minutes on a 262k vocabulary).

        Without log-probabilities (the server refused them, e.g. Ollama's completions): the
        model's greedy continuation, and the option sharing the longest prefix with it wins
        (score 0, the others -30; ties go to the earlier option).
        """
        if not options:
            raise ValueError("choose() needs at least one option")
        self._check_open()
        if self._choose_mode == "logprobs":
            top = self._top_logprobs(prompt)
            if top is not None:
                return _score_first_tokens(options, top)
            logger.info("%s gives no log-probabilities: choose() follows greedy text", self.name)
            self._choose_mode = "greedy"
        text = "".join(
            self.stream(
                prompt,
                # Enough to spell out the longest option (a token is at least one byte).
                max_tokens=max(len(o.encode("utf-8")) for o in options),
                sampling=Sampling(temperature=0.0, top_k=1, repeat_penalty=1.0, seed=0),
            )
        )
        shared = [common_prefix_len(text.lstrip(), o.lstrip()) for o in options]
        best = max(range(len(options)), key=shared.__getitem__)
        return best, [0.0 if i == best else _UNSEEN for i in range(len(options))]

    def sibling(self, n_ctx: int) -> ServerBackend:
        """A backend on the same connection with a lock of its own, for work beside the chat
        (the reaction appraisal, parallel CartPole environments). The server keeps the
        context; `n_ctx` is accepted for the protocol of in-process siblings. Closing it
        leaves the connection open."""
        del n_ctx
        self._check_open()
        return ServerBackend(replace(self.config), _shared=self)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._owner:
                self._client.close()

    # -- internals -----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise GenerationError("The server connection was closed (a new model is chosen).")

    def _call(self, request: Callable[[], _T], cancel: threading.Event | None = None) -> _T:
        """`request()`, tried again with doubling pauses while the server refuses connections,
        for up to `reconnect_s`; any failure raised as a `ServerError`."""
        deadline = time.monotonic() + self.config.reconnect_s
        pause = 0.1
        while True:
            try:
                return request()
            except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
                raise self._error(exc) from exc
            except (openai.APIConnectionError, httpx2.TransportError) as exc:
                if time.monotonic() + pause > deadline or (cancel and cancel.is_set()):
                    raise self._error(exc) from exc
                logger.info(
                    "server %s unreachable, retrying in %.1f s", self.config.base_url, pause
                )
                if cancel is not None:
                    cancel.wait(pause)
                else:
                    time.sleep(pause)
                pause *= 2
            except openai.APIError as exc:
                raise self._error(exc) from exc

    def _error(self, exc: Exception, *, midstream: bool = False) -> ServerError:
        url = self.config.base_url
        if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
            return ServerError(
                f"The server at {url} did not answer within {self.config.read_timeout:g} s. It "
                "may be overloaded or still loading its model; the app will try again with "
                "your next message."
            )
        if midstream:
            return ServerError(
                f"The connection to the server at {url} broke off in the middle of the reply "
                f"({_reason(exc)}). The server may have stopped or restarted; the app connects "
                "again with your next message."
            )
        if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
            return ServerError(
                f"Cannot connect to the server at {url} ({_reason(exc)}). Check that it is "
                "running and that the address and port are right; the app keeps trying with "
                "each new message, and everything else works meanwhile."
            )
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = _detail(exc)
            if status in (401, 403):
                return ServerError(
                    f"The server at {url} refused the API key (HTTP {status}: {detail}). Set "
                    f"the key in {API_KEY_ENV_VARS[0]} or the OS keyring and connect again."
                )
            if status in (404, 405) or "json" not in exc.response.headers.get("content-type", ""):
                return self._not_openai(f"HTTP {status} for {exc.request.url.path}")
            if status < 500:
                return ServerError(
                    f"The server at {url} rejected the request (HTTP {status}: {detail}). Check "
                    "the server model name and that the model fits the server's settings."
                )
            return ServerError(
                f"The server at {url} failed (HTTP {status}: {detail}). Its own log says "
                "why; the app will try again with your next message."
            )
        return self._not_openai(_reason(exc))

    def _not_openai(self, why: str) -> ServerError:
        return ServerError(
            f"The address {self.config.base_url} does not answer like an OpenAI-compatible "
            f"API ({why}). Use the API root of an OpenAI-compatible server, which usually "
            "ends in /v1 (vLLM: http://HOST:8000/v1, Ollama: http://HOST:11434/v1, "
            "llama-server: http://HOST:8080/v1)."
        )

    def _server_count(self, text: str) -> int | None:
        """Ask the first tokenizer endpoint that works (remembered); None if none does."""
        candidates = {
            "llama-cpp-python": (f"{self._root}/extras/tokenize/count", {"input": text}),
            "llama-server": (f"{self._root}/tokenize", {"content": text, "add_special": True}),
            "vllm": (f"{self._root}/tokenize", {"model": self.model, "prompt": text}),
        }
        order = [self._tokenizer] if self._tokenizer else list(candidates)
        for kind in order:
            if kind == "none":
                return None
            url, body = candidates[kind]
            try:
                response = self._call(lambda url=url, body=body: self._http.post(url, json=body))
                data = response.json() if response.status_code == 200 else {}
            except ValueError:
                data = {}
            count = data.get("count", len(data["tokens"]) if "tokens" in data else None)
            if isinstance(count, int):
                self._tokenizer = kind
                return count
        self._tokenizer = "none"
        logger.info("%s has no tokenizer endpoint: token counts are estimated", self.name)
        return None

    def _top_logprobs(self, prompt: str) -> dict[str, float] | None:
        """The server's most probable first tokens after `prompt`, None if it gives none."""
        try:
            response = self._call(
                lambda: self._client.completions.create(
                    model=self.model,
                    prompt=prompt,
                    max_tokens=1,
                    temperature=0.0,
                    logprobs=self.config.top_logprobs,
                )
            )
        except ServerError as exc:
            # A server without log-probabilities (or with fewer) says so with a 400 or 422;
            # llama-cpp-python without `logits_all` with a 500 naming them.
            cause = exc.__cause__
            if isinstance(cause, openai.APIStatusError) and (
                cause.status_code in (400, 422) or "logprob" in _detail(cause).lower()
            ):
                return None
            raise
        logprobs = response.choices[0].logprobs if response.choices else None
        if logprobs is None:
            return None
        top = logprobs.top_logprobs
        if top and isinstance(top[0], dict) and top[0]:
            return {str(k): float(v) for k, v in top[0].items()}
        # llama-server answers in the chat API's shape: content[0].top_logprobs entries.
        content = getattr(logprobs, "content", None) or (logprobs.model_extra or {}).get("content")
        if content:
            first = content[0]
            entries = first.get("top_logprobs") if isinstance(first, dict) else None
            if entries:
                return {str(e["token"]): float(e["logprob"]) for e in entries}
        return None


_CHAT_MARK = "\x00empath-chat\x00"
_OPEN_TAG = re.compile(r"<(react|respond|reflect)>")
# How far into a fresh answer the current section's opening tag is looked for.
_RESUME_WINDOW = 400


class _Resume:
    """A chat reply resumed where the assistant's partial message ends. Servers that honour
    `continue_final_message` (vLLM, llama-server) simply go on; others (llama-cpp-python's
    server, some gateways) start a fresh answer from its beginning. This finds the section the
    partial message is in (its last opening tag) in the fresh answer and passes on only what
    follows it (without the part of the section already written), so the format scaffold sees
    a continuation either way."""

    def __init__(self, partial: str) -> None:
        opened = list(_OPEN_TAG.finditer(partial))
        self._tag = opened[-1].group(0) if opened else ""
        self._written = partial[opened[-1].end():] if opened else ""
        self._buffer = ""
        self._decided = not self._tag  # no open section: nothing to find

    def feed(self, text: str) -> str:
        if self._decided:
            return text
        self._buffer += text
        found = self._buffer.find(self._tag)
        if found >= 0:
            rest = self._buffer[found + len(self._tag):]
            if len(rest) < len(self._written) and self._written.startswith(rest):
                return ""  # still inside the echo of what was written: wait for more
            self._decided = True
            self._buffer = ""
            return rest.removeprefix(self._written)
        if len(self._buffer) > _RESUME_WINDOW or not self._could_hold_tag():
            return self.flush()  # a real continuation
        return ""

    def _could_hold_tag(self) -> bool:
        """Whether the buffer may still lead up to the tag (a fresh answer starts with tags)."""
        return self._buffer.lstrip()[:1] in ("", "<")

    def flush(self) -> str:
        self._decided = True
        out, self._buffer = self._buffer, ""
        return out


def _split_chat(prompt: str) -> tuple[list[dict[str, str]], str] | None:
    """(messages, the assistant's reply so far) from a `render_chat` prompt; None for raw."""
    if not prompt.startswith(_CHAT_MARK):
        return None
    end = prompt.index(_CHAT_MARK, len(_CHAT_MARK))
    return json.loads(prompt[len(_CHAT_MARK) : end]), prompt[end + len(_CHAT_MARK) :]


def _score_first_tokens(options: Sequence[str], top: dict[str, float]) -> tuple[int, list[float]]:
    scores = []
    for option in options:
        matches = [
            (len(t), p)
            for t, p in top.items()
            if t and (option.startswith(t) or t.startswith(option))
        ]
        scores.append(max(matches)[1] if matches else _UNSEEN)
    best = max(range(len(options)), key=scores.__getitem__)
    return best, scores




def _as_status_error(exc: httpx2.HTTPStatusError) -> openai.APIStatusError:
    return openai.APIStatusError(exc.response.text[:200], response=exc.response, body=None)


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message", inner.get("detail")) if isinstance(inner, dict) else inner
        if message:
            return str(message)[:200]
    return exc.response.reason_phrase or "no detail"


def _reason(exc: BaseException) -> str:
    """The innermost cause's words ("Connection refused"), not the wrappers'."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."
