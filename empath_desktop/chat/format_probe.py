"""The scaffold-free format probe: how often a model writes the three tagged sections itself.

In the app the pipeline guarantees the format by scaffolding (it writes `<react>*` and repairs
any deviation), so a chat never shows whether a model knows the format on its own. This probe
asks the app's own prompt (persona card, few-shot examples, `PromptBuilder`) for a fixed set of
everyday messages, lets the model write the whole answer, opening tag included, and counts the
answers that `tags.format_report` calls well formed: the checker the training rewards use, so
the probe and training measure the same thing.

The backend is passed in; this module never loads a model. Run it where a native crash cannot
take the caller with it: `probe_format` runs it in `llm.probe`'s child process.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from empath_desktop.chat.pipeline import PipelineConfig
from empath_desktop.chat.prompts import DEFAULT_PERSONA, PersonaCard, PromptBuilder, load_persona
from empath_desktop.chat.tags import format_report
from empath_desktop.llm.backend import Backend, LlamaBackend, Sampling
from empath_desktop.llm.probe import ProbeReport, child_main, probe_model
from empath_desktop.resources import assets_dir

logger = logging.getLogger(__name__)

DEFAULT_N = 10
# The pipeline's budgets for the three sections plus room for the six tags the model writes.
_PIPELINE = PipelineConfig()
DEFAULT_MAX_TOKENS = (
    _PIPELINE.react_max_tokens
    + _PIPELINE.respond_max_tokens
    + _PIPELINE.reflect_max_tokens
    + _PIPELINE.scaffold_reserve
)


@dataclass(frozen=True, slots=True)
class FormatProbeResult:
    """`well_formed` of `total` answers followed the format; `samples` are the raw answers."""

    well_formed: int
    total: int
    samples: tuple[str, ...]

    def summary(self) -> str:
        return f"{self.well_formed} of {self.total} turns well formed by the model itself"


def format_prompts_path() -> Path:
    return assets_dir() / "probe" / "format_prompts.txt"


def load_format_prompts(path: Path | None = None) -> tuple[str, ...]:
    """The probe's user messages: one per line; blank lines and '#' comments are skipped."""
    text = (path or format_prompts_path()).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def build_probe_prompt(backend: Backend, builder: PromptBuilder, user_text: str) -> str:
    """The prompt the app would send for `user_text` as a first message, without the scaffold:
    it ends where the model starts its turn, before `<react>`."""
    return builder.render(backend, (), (), user_text)


def run_format_probe(
    backend: Backend,
    n: int = DEFAULT_N,
    *,
    seed: int = 0,
    persona: PersonaCard | None = None,
    prompts: Sequence[str] | None = None,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    sampling: Sampling | None = None,
    cancel: threading.Event | None = None,
) -> FormatProbeResult:
    """Answer the first `n` probe messages and count the well-formed answers.

    Answer i is sampled with seed `seed + i` (the app's sampling otherwise), so a model gives
    the same answers on every run and two models see the same draws. A set `cancel` ends the
    probe after the current answer; the result then counts only the answers given.
    Raises `ValueError` when `n` is not between 1 and the number of prompts.
    """
    messages = tuple(prompts) if prompts is not None else load_format_prompts()
    if not 1 <= n <= len(messages):
        raise ValueError(f"n must be between 1 and {len(messages)}, not {n}")
    builder = PromptBuilder(persona or load_persona(DEFAULT_PERSONA))
    base = sampling or Sampling()
    samples: list[str] = []
    well_formed = 0
    for index, user_text in enumerate(messages[:n]):
        if cancel is not None and cancel.is_set():
            break
        prompt = build_probe_prompt(backend, builder, user_text)
        answer = "".join(
            backend.stream(
                prompt,
                max_tokens=max_tokens,
                stop=builder.turn_stops,
                sampling=Sampling(
                    temperature=base.temperature,
                    top_p=base.top_p,
                    top_k=base.top_k,
                    min_p=base.min_p,
                    repeat_penalty=base.repeat_penalty,
                    seed=seed + index,
                ),
                cancel=cancel,
            )
        )
        ok = format_report(answer).well_formed
        well_formed += ok
        samples.append(answer)
        logger.debug("format probe %d: well_formed=%s %r", index, ok, answer)
    return FormatProbeResult(well_formed=well_formed, total=len(samples), samples=tuple(samples))


def probe_format(path: Path | str, n: int = DEFAULT_N) -> ProbeReport:
    """`llm.probe.probe_model` with the format probe run in the same child process after the
    load: a native crash is reported, never shared."""
    return probe_model(
        path, child_module=__name__, extra={"format_prompts": n}, extra_timeout_s=20.0 * n
    )


def _child_task(backend: LlamaBackend, request: dict) -> dict:
    result = run_format_probe(backend, int(request["format_prompts"]))
    return {"format_well_formed": result.well_formed, "format_total": result.total}


if __name__ == "__main__":  # the child process of `probe_format`
    sys.exit(child_main(_child_task, "running the format probe on"))
