"""Evaluation report: summary arithmetic (pure) and a short run on the embedded model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from empath_desktop.chat.pipeline import Pipeline, PipelineConfig
from empath_desktop.chat.prompts import Exchange
from tests.fakes import FakeBackend
from training.empath.config import Config, EvalArgs, RunArgs
from training.empath.data import Prompt, prompt_builder
from training.empath.evaluate import Answer, _markdown, render, summarise
from training.empath.rewards import score

GOOD = (
    "<react>*beaming smile* + *leans forward*</react><respond>That's wonderful news, "
    "congratulations! How will you celebrate?</respond><reflect>They are thrilled; they'll "
    "probably share their plans next.</reflect>"
)


def test_summary_counts_format_and_labels() -> None:
    answers = [
        Answer("a", "joy", GOOD, 0.5, score(GOOD, {"user": "I got the job!"})),
        Answer("b", "joy", "Sure! " + GOOD, 0.5, score("Sure! " + GOOD)),
        Answer("c", "grief", "nothing", 1.0, score("nothing")),
    ]
    s = summarise(answers)
    assert s["n"] == 3
    assert s["format"]["well_formed"] == round(1 / 3, 4)
    assert s["format"]["complete"] == round(2 / 3, 4)
    assert sum(s["expressions"].values()) == 2
    assert s["by_category"]["grief"]["total"] == 0.0
    md = _markdown(
        {"m": s}, {"n_prompts": 3, "split": "eval", "temperature": 0.7, "seed": 0, "max_tokens": 10}
    )
    assert "| format: well_formed | 33.3% |" in md


@pytest.mark.parametrize("is_chat", [False, True])
def test_evaluation_renders_a_prompt_exactly_as_the_app_does(is_chat: bool) -> None:
    backend = FakeBackend()
    backend.is_chat = is_chat
    builder = prompt_builder()
    history = (Exchange("I got a puppy!", "*beaming smile*", "How lovely!", "They are happy."),)
    prompt = Prompt("p", "She chewed my shoes <b>.", history=history)
    pipe = Pipeline(backend, builder.persona, PipelineConfig())
    for exchange in history:
        pipe.memory.add(exchange)
    list(pipe.run_turn(prompt.text))
    app_prompt = backend.prompts[0].removesuffix("<react>*")
    assert render(backend, builder, prompt) == app_prompt


@pytest.mark.model
def test_eval_of_the_embedded_model(tmp_path: Path) -> None:
    from training.empath.evaluate import evaluate

    cfg = Config(
        run=RunArgs(output_dir=str(tmp_path)),
        eval=EvalArgs(models=("embedded",), limit=2, max_tokens=48),
    )
    out = evaluate(cfg)
    report = json.loads((out / "report.json").read_text())
    assert report["results"]["embedded"]["n"] == 2
    assert (out / "report.md").read_text().startswith("# EMPATH evaluation")
    assert replace(cfg.eval, limit=None).limit is None
