"""The LLM persona teacher on the real embedded model (a base model, raw few-shot prompt)."""

from __future__ import annotations

import numpy as np
import pytest

from empath_desktop.chat.prompts import load_persona
from empath_desktop.lab.rollout import make_env, play
from empath_desktop.lab.teachers import EXAMPLE_STATES, LLMTeacher, build_prefix
from empath_desktop.lab.verbalise import verbalise


def test_prefix_shows_each_persona_the_same_worked_entries() -> None:
    newton, daredevil = load_persona("newton"), load_persona("daredevil")
    a, b = build_prefix(newton, "coarse", False), build_prefix(daredevil, "coarse", False)
    assert newton.name in a and daredevil.name in b and newton.temperament in a
    entries = a[a.index("cart-position") :]
    assert entries == b[b.index("cart-position") :]
    for obs, _ in EXAMPLE_STATES:
        assert verbalise(obs, "coarse") in entries
    assert a.count("push-cart:") == len(EXAMPLE_STATES)


@pytest.mark.model
def test_llm_teacher_takes_real_steps(llama_backend) -> None:
    teacher = LLMTeacher(llama_backend, load_persona("newton"), cache=False)
    steps = list(play(make_env(), teacher, seed=0, max_steps=4))
    assert len(steps) == 4 and {s.action for s in steps} <= {0, 1}
    assert teacher.queries == 4
    # Deterministic: the same observation gives the same action.
    assert teacher.decide(steps[0].obs).action == steps[0].action


@pytest.mark.model
def test_think_aloud_records_a_one_line_rationale(llama_backend) -> None:
    teacher = LLMTeacher(
        llama_backend, load_persona("newton"), think_aloud=True, rationale_tokens=12
    )
    decision = teacher.decide(np.array([0.0, 0.0, 0.05, 0.1], dtype=np.float32))
    assert decision.action in (0, 1)
    assert decision.rationale and "\n" not in decision.rationale
