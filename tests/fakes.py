"""A scripted stand-in for the LLM backend, for precise ordering tests of UI and pipeline logic,
and a recorder around any backend.

Used in addition to the real model, never instead: every behaviour tested here is also
exercised on the embedded GGUF elsewhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from empath_desktop.llm.backend import Sampling

DEFAULT_SCRIPT = {
    "react": ["warm", " smile*", " + *leans", " forward*"],  # after the pipeline's lead "*"
    "respond": [" Hello", " there", "!", " How", " are", " you", "?"],
    "reflect": ["They", " seem", " friendly", "."],
}


class FakeBackend:
    """Streams scripted pieces for whichever section the prompt has just opened."""

    name = "fake"
    is_chat = False

    def __init__(
        self,
        script: dict[str, list[str]] | None = None,
        *,
        delay_s: float = 0.0,
        n_ctx: int = 4096,
    ) -> None:
        self.script = script or DEFAULT_SCRIPT
        self.delay_s = delay_s
        self._n_ctx = n_ctx
        self.lock = threading.RLock()
        self.prompts: list[str] = []

    @property
    def n_ctx(self) -> int:
        return self._n_ctx

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def render_chat(self, messages: Sequence[dict[str, str]]) -> str:
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        sampling: Sampling | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        self.prompts.append(prompt)
        # The section the prompt has just opened (the pipeline may add a lead after the tag).
        tail = prompt[-12:]
        opened = [s for s in ("react", "respond", "reflect") if f"<{s}>" in tail]
        script = self.script[opened[-1]] if opened else []  # e.g. warming a prefix
        with self.lock:
            for piece in script[:max_tokens]:
                if self.delay_s:
                    time.sleep(self.delay_s)
                if cancel is not None and cancel.is_set():
                    return
                yield piece

    def choose(self, prompt: str, options: Sequence[str]) -> tuple[int, list[float]]:
        return 0, [0.0] * len(options)

    def close(self) -> None:
        pass


class RecordingBackend:
    """Wraps a backend (the real one, say) and records every prompt streamed through it, so a
    test can assert what was asked of the model and in which order."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.prompts: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def stream(self, prompt: str, **kwargs: Any) -> Iterator[str]:
        self.prompts.append(prompt)
        return self.inner.stream(prompt, **kwargs)
