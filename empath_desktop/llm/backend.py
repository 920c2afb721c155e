"""LLM backends: a small protocol and its llama-cpp-python implementation.

Exactly one object owns a `Llama` context (STYLE.md rule 5). Every call takes `backend.lock`
itself, so threads that share a backend (the chat's engine and reflection workers, the lab's
teacher) are served one call at a time. A caller that needs several calls in a row without
another thread's in between holds the (re-entrant) lock around them, as the lab's teacher does
for a decision; the chat pipeline orders its stages with a lock of its own.
Every `Llama` in the project is made by `open_llama`, which loads without llama.cpp's extra
weight buffers (see there); loading a file the user chose goes through
`empath_desktop.llm.probe.ModelGuard`, which first tries it in a child process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import llama_cpp
import numpy as np

from empath_desktop.llm.cpu import ThreadGovernor, physical_cores

logger = logging.getLogger(__name__)

# Re-check the load every this many tokens while streaming (cheap: two small /proc reads).
_GOVERN_EVERY = 8
_PARAMS_LOCK = threading.Lock()


def open_llama(
    model_path: str,
    *,
    extra_buffers: bool = False,
    lora_path: str | None = None,
    **kwargs: Any,
) -> llama_cpp.Llama:
    """Construct `llama_cpp.Llama` with llama.cpp's extra weight buffers off unless asked for,
    and the GGUF LoRA at `lora_path` applied over the model when given.

    The extra buffer types repack weights at load for AMX or other CPU-specific kernels.
    A llama.cpp built with `-march=native` on a current Xeon (AMX) segfaulted on the first
    matmul through them with the embedded model (llama.cpp issue #20824), and pip reuses such
    a wheel from its cache, so the fix must hold at run time for any build. The reporter
    measured the same decode speed with and without them there (39 tok/s); on another AMX
    Xeon a small Gemma-3-shaped test model decoded about 25 % faster with them, so they are
    worth offering back once a probe has shown them safe on a machine (`extra_buffers=True`).
    llama-cpp-python has no keyword for `use_extra_bufts`, so its default model parameters
    are wrapped for the one constructor call.
    """
    from llama_cpp import Llama
    from llama_cpp import llama_cpp as lib

    original = lib.llama_model_default_params

    def params() -> Any:
        p = original()
        p.use_extra_bufts = extra_buffers
        return p

    with _PARAMS_LOCK:
        lib.llama_model_default_params = params
        try:
            if lora_path is not None:
                kwargs["lora_path"] = lora_path
            llm = Llama(model_path=model_path, **kwargs)
        finally:
            lib.llama_model_default_params = original
    if bool(llm.model_params.use_extra_bufts) != extra_buffers:
        llm.close()
        raise RuntimeError("llama-cpp-python ignored use_extra_bufts; refusing an unsafe load")
    return llm


@dataclass(frozen=True, slots=True)
class Sampling:
    """Sampling settings for one generation call."""

    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class BackendConfig:
    """How to open a model file."""

    model_path: str
    n_ctx: int = 4096
    # None: follow the load (`cpu.ThreadGovernor`), up to the physical cores; a number fixes it.
    n_threads: int | None = None
    n_batch: int = 256
    # llama.cpp's repacked weight buffers (AMX and friends); see `open_llama`.
    extra_buffers: bool = False
    # The fewest native features: one thread, no memory-mapping (a file changed under a map
    # is a SIGBUS), small batches. Offered after a load crashed.
    safe: bool = False
    # "auto": the GGUF's chat template for instruct-tuned models, a raw transcript otherwise;
    # "template" or "raw" force one.
    chat_format: str = "auto"
    # A GGUF LoRA applied over the model (the trained EMPATH adapter of the embedded model,
    # `model_files.default_adapter_path`); None: the model as it is.
    lora_path: str | None = None


class Backend(Protocol):
    """What the engine needs from a language model.

    `stream` yields text pieces as they are decoded and stops at the first stop string (which is
    not yielded); `cancel` set by another thread ends it within one token. `choose` returns the
    index of the most probable continuation among `options` (exact scoring, no sampling), so a
    caller can constrain an answer to a closed set without retries.
    """

    name: str
    lock: threading.RLock
    is_chat: bool

    @property
    def n_ctx(self) -> int: ...

    def render_chat(self, messages: Sequence[dict[str, str]]) -> str: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        sampling: Sampling = Sampling(),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]: ...

    def choose(self, prompt: str, options: Sequence[str]) -> tuple[int, list[float]]: ...

    def close(self) -> None: ...


class GenerationError(Exception):
    """A generation call failed inside the model runtime; the message is meant for people."""


def common_prefix_len(a: Sequence[Any], b: Sequence[Any]) -> int:
    """How many leading items (tokens, characters) `a` and `b` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def looks_instruct(name: str) -> bool:
    lowered = name.lower()
    return any(tag in lowered for tag in ("instruct", "-it", "_it", " it ", "chat"))


class LlamaBackend:
    """llama-cpp-python on one GGUF file, with KV prefix reuse across calls.

    llama.cpp keeps the evaluated tokens of the last call; every call here starts by keeping
    the longest common token prefix and evaluating only the new suffix, so a fixed persona
    prefix and the conversation history are evaluated once, not every turn.
    """

    def __init__(self, config: BackendConfig) -> None:
        from pathlib import Path

        from empath_desktop.llm.model_files import ModelFileError, check_adapter, check_gguf

        path = Path(config.model_path)
        check_gguf(path)
        if config.lora_path is not None:
            check_adapter(Path(config.lora_path))
        self.config = config
        self.lock = threading.RLock()
        fixed = 1 if config.safe else config.n_threads
        self._governor = None if fixed else ThreadGovernor(physical_cores())
        threads = fixed or physical_cores()
        self._threads = threads
        try:
            self._llm = open_llama(
                str(path),
                extra_buffers=config.extra_buffers and not config.safe,
                lora_path=config.lora_path,
                n_ctx=config.n_ctx,
                n_batch=32 if config.safe else config.n_batch,
                n_threads=threads,
                n_threads_batch=threads,
                use_mmap=not config.safe,
                # Sliding-window models (Gemma 3) can only drop a KV suffix with the full cache.
                swa_full=True,
                verbose=logger.isEnabledFor(logging.DEBUG),
            )
        except (ValueError, RuntimeError, OSError) as exc:
            if config.lora_path is not None:
                raise ModelFileError(
                    f"llama.cpp could not load {path} with the adapter {config.lora_path}: "
                    f"{exc}. The adapter may be damaged or made for another model: remove it, "
                    "or turn the adapter off (Settings, or `empath chat --no-adapter`)."
                ) from exc
            raise ModelFileError(
                f"llama.cpp could not load {path}: {exc}. The file may be corrupt, truncated, or "
                "of an architecture this llama-cpp-python build does not support. Choose another "
                "GGUF file, or leave the model unset to use the embedded default."
            ) from exc
        meta = self._llm.metadata
        self.name = meta.get("general.name") or path.stem
        if config.lora_path is not None:
            self.name += f" + {Path(config.lora_path).stem}"
        self.chat_template = meta.get("tokenizer.chat_template")
        if config.chat_format == "auto":
            self.is_chat = bool(self.chat_template) and looks_instruct(f"{self.name} {path.stem}")
        else:
            self.is_chat = config.chat_format == "template" and bool(self.chat_template)
        self._add_bos = meta.get("tokenizer.ggml.add_bos_token", "true") != "false"
        self._closed = False
        self._siblings: list[LlamaBackend] = []
        self._logits_key: tuple[int, ...] | None = None
        self._logits: np.ndarray | None = None
        logger.info("loaded %s (%s, chat=%s)", self.name, path, self.is_chat)

    @property
    def n_ctx(self) -> int:
        return self._llm.n_ctx()

    @property
    def threads(self) -> int:
        """The thread count of the latest decode."""
        return self._threads

    def _govern_threads(self) -> None:
        """Follow the machine's load (caller holds the lock)."""
        if self._governor is None:
            return
        threads = self._governor.threads()
        if threads != self._threads:
            llama_cpp.llama_set_n_threads(self._llm.ctx, threads, threads)
            self._threads = threads

    def tokenize(self, text: str, *, bos: bool = False) -> list[int]:
        self._check_open()
        return self._llm.tokenize(text.encode("utf-8"), add_bos=bos and self._add_bos, special=True)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def render_chat(self, messages: Sequence[dict[str, str]]) -> str:
        """The model's own chat template applied to `messages`, ending with the assistant cue."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        tok = self._llm._model  # token strings are only exposed here
        formatter = Jinja2ChatFormatter(
            template=self.chat_template or "",
            eos_token=tok.token_get_text(self._llm.token_eos()),
            bos_token=tok.token_get_text(self._llm.token_bos()),
        )
        return formatter(messages=list(messages)).prompt

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        sampling: Sampling = Sampling(),
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        with self.lock:
            self._check_open()
            tokens = self.tokenize(prompt, bos=True)
            if len(tokens) + max_tokens > self.n_ctx:
                raise GenerationError(
                    f"The prompt ({len(tokens)} tokens) plus {max_tokens} new tokens does not "
                    f"fit the context window of {self.n_ctx} tokens."
                )
            self._logits_key = None
            self._govern_threads()
            try:
                chunks = self._llm.create_completion(
                    tokens,
                    max_tokens=max_tokens,
                    stop=list(stop),
                    stream=True,
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    top_k=sampling.top_k,
                    min_p=sampling.min_p,
                    repeat_penalty=sampling.repeat_penalty,
                    seed=sampling.seed,
                )
                for n, chunk in enumerate(chunks, 1):
                    if cancel is not None and cancel.is_set():
                        break
                    if n % _GOVERN_EVERY == 0:
                        self._govern_threads()
                    text = chunk["choices"][0]["text"]
                    if text:
                        yield text
            except (ValueError, RuntimeError) as exc:
                raise GenerationError(f"llama.cpp failed while generating: {exc}") from exc

    def choose(self, prompt: str, options: Sequence[str]) -> tuple[int, list[float]]:
        if not options:
            raise ValueError("choose() needs at least one option")
        with self.lock:
            self._check_open()
            self._govern_threads()
            base = self.tokenize(prompt, bos=True)
            scores: list[float] = []
            for option in options:
                full = self.tokenize(prompt + option, bos=True)
                # Tokenisation may merge across the boundary; score from where they diverge.
                k = common_prefix_len(base, full)
                context, continuation = full[:k], full[k:]
                logprob = 0.0
                for i, token in enumerate(continuation):
                    logprob += float(self._log_softmax_after(context + continuation[:i])[token])
                scores.append(logprob)
            best = max(range(len(options)), key=scores.__getitem__)
            return best, scores

    def sibling(self, n_ctx: int) -> LlamaBackend:
        """Another context on the same model file, for work that must not disturb this one's
        KV cache (the reaction appraisal). The weights are memory-mapped, so the second load
        shares their pages: it costs its KV cache and compute buffers, not the model again.
        It never carries this backend's LoRA adapter: the appraisal's prompt and calibration
        were tuned on the base model. It is closed with this backend."""
        from dataclasses import replace

        with self.lock:
            self._check_open()
            child = LlamaBackend(replace(self.config, n_ctx=n_ctx, lora_path=None))
            self._siblings.append(child)
            return child

    def close(self) -> None:
        """Free the model. Later calls (another thread still holding this backend after a
        reload) raise `GenerationError` instead of touching freed memory."""
        with self.lock:
            if not self._closed:
                self._closed = True
                for child in self._siblings:
                    child.close()
                self._llm.close()

    def _check_open(self) -> None:
        if self._closed:
            raise GenerationError("The model was unloaded (a new model is being loaded).")

    def _log_softmax_after(self, tokens: list[int]) -> np.ndarray:
        """Log-probabilities of the next token after `tokens`, reusing the KV cache."""
        key = tuple(tokens)
        if key == self._logits_key and self._logits is not None:
            return self._logits
        llm = self._llm
        cached = llm._input_ids[: llm.n_tokens].tolist()
        # Keep at least one token to evaluate: logits exist only for the last decoded batch.
        keep = min(common_prefix_len(cached, tokens), len(tokens) - 1)
        if not llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            keep = 0
            llm.reset()
        llm.n_tokens = keep
        llm.eval(tokens[keep:])
        raw = np.ctypeslib.as_array(
            llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
        ).astype(np.float64)
        raw -= raw.max()
        self._logits = raw - np.log(np.exp(raw).sum())
        self._logits_key = key
        return self._logits
