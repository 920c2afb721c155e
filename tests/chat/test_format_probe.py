"""The scaffold-free format probe: app prompts, the model writes every tag, the parser judges."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest

from empath_desktop.chat.format_probe import (
    DEFAULT_N,
    FormatProbeResult,
    load_format_prompts,
    probe_format,
    run_format_probe,
)
from empath_desktop.chat.prompts import DEFAULT_PERSONA, load_persona
from empath_desktop.llm.backend import Sampling
from tests.fakes import FakeBackend

GOOD = "<react>*smiles* + *nods*</react>\n<respond>Nice!</respond>\n<reflect>Happy.</reflect>"
BAD = "*smiles* Nice! <respond>oops</respond>"


class AnswerBackend(FakeBackend):
    """Answers the i-th call with answers[i] and records each call's arguments."""

    def __init__(self, answers: Sequence[str], *, is_chat: bool = False) -> None:
        super().__init__()
        self.answers = list(answers)
        self.is_chat = is_chat
        self.calls: list[dict] = []

    def stream(
        self,
        prompt: str,
        *,
        max_tokens: int,
        stop: Sequence[str] = (),
        sampling: Sampling | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[str]:
        answer = self.answers[len(self.calls)]
        self.calls.append({"prompt": prompt, "stop": tuple(stop), "sampling": sampling})
        # In pieces, as a model streams it.
        yield from (answer[i : i + 5] for i in range(0, len(answer), 5))


def test_prompts_are_ten_distinct_messages() -> None:
    prompts = load_format_prompts()
    assert len(prompts) == DEFAULT_N == 10
    assert len(set(prompts)) == 10
    assert not any(p.startswith("#") for p in prompts)


def test_counts_well_formed_answers_the_model_wrote_itself() -> None:
    answers = [GOOD, BAD] * 5
    backend = AnswerBackend(answers)
    result = run_format_probe(backend, seed=7)
    assert result == FormatProbeResult(well_formed=5, total=10, samples=tuple(answers))
    assert result.summary() == "5 of 10 turns well formed by the model itself"

    name = load_persona(DEFAULT_PERSONA).name
    for index, (call, text) in enumerate(zip(backend.calls, load_format_prompts(), strict=True)):
        # The app's transcript, ending where the model starts its turn: no scaffold.
        assert call["prompt"].endswith(f"User: {text}\n{name}: ")
        assert "<react>*" not in call["prompt"].rsplit("\n", 2)[-1]
        assert call["stop"] == ("\nUser:",)
        assert call["sampling"].seed == 7 + index


def test_chat_models_get_their_chat_template() -> None:
    backend = AnswerBackend([GOOD] * 2, is_chat=True)
    result = run_format_probe(backend, 2)
    assert result.well_formed == 2
    assert backend.calls[0]["prompt"].startswith("system: ")
    assert backend.calls[0]["prompt"].endswith(f"user: {load_format_prompts()[0]}")


def test_cancel_and_bad_n() -> None:
    cancel = threading.Event()
    cancel.set()
    assert run_format_probe(AnswerBackend([GOOD]), 3, cancel=cancel).total == 0
    with pytest.raises(ValueError):
        run_format_probe(AnswerBackend([]), 0)
    with pytest.raises(ValueError):
        run_format_probe(AnswerBackend([]), 11)


@pytest.mark.model
def test_real_model_is_seeded(llama_backend) -> None:
    first = run_format_probe(llama_backend, 2, seed=3, max_tokens=48)
    second = run_format_probe(llama_backend, 2, seed=3, max_tokens=48)
    assert first.total == 2 and 0 <= first.well_formed <= 2
    assert first == second


@pytest.mark.model
def test_probe_format_runs_in_the_crash_probes_child(default_model) -> None:
    """The format probe runs after the load in `llm.probe`'s child process, so a llama.cpp
    crash there could never take the caller down."""
    report = probe_format(default_model, 1)
    assert report.ok, report.message
    assert report.format_total == 1
    assert report.format_well_formed in (0, 1)
    assert report.tokens_per_s > 0
