"""Scripted persona teachers and the side-by-side match."""

from __future__ import annotations

import numpy as np
import pytest

from empath_desktop.lab.match import Match
from empath_desktop.lab.policies import RandomPolicy, scripted_teacher
from empath_desktop.lab.rollout import episode_stats, make_env, play
from empath_desktop.lab.teachers import TeacherSpec, make_teacher


def _episode(policy, seed: int):
    steps = list(play(make_env(), policy, seed))
    return episode_stats(np.array([s.obs for s in steps]), np.array([s.action for s in steps]))


def test_scripted_personas_balance_but_behave_differently() -> None:
    cautious = [_episode(scripted_teacher("cautious"), s) for s in range(3)]
    reckless = [_episode(scripted_teacher("reckless"), s) for s in range(3)]
    assert all(e.length == 500 for e in cautious + reckless)
    # Cautious keeps the cart centred and the pole upright; reckless drifts and lets it lean.
    assert max(e.mean_abs_x for e in cautious) < min(e.mean_abs_x for e in reckless)
    assert max(e.mean_abs_theta for e in cautious) < min(e.mean_abs_theta for e in reckless)


def test_reckless_keeps_rolling_inside_its_dead_band() -> None:
    reckless = scripted_teacher("reckless")
    # Pole leans slightly left (inside the band): it keeps pushing the way the cart rolls.
    assert reckless.label(np.array([[0.0, 0.5, -0.02, 0.0], [0.0, -0.5, 0.02, 0.0]])).tolist() == [
        1,
        0,
    ]
    # Past the band it reacts to the lean.
    assert reckless.label(np.array([[0.0, 0.5, -0.15, 0.0]])).tolist() == [0]


def test_random_policy_is_reproducible_per_episode_seed() -> None:
    a = [s.action for s in play(make_env(), RandomPolicy(1), 7)]
    b = [s.action for s in play(make_env(), RandomPolicy(99), 7)]
    assert a == b


@pytest.mark.parametrize("spec", ["scripted:nobody", "llm:newton", "telepathy"])
def test_bad_teacher_specs_are_refused(spec: str) -> None:
    with pytest.raises((KeyError, ValueError)):
        make_teacher(spec)


@pytest.mark.parametrize(
    ("text", "kind", "persona"),
    [
        ("random", "random", ""),
        ("scripted:cautious", "scripted", "cautious"),
        ("llm:newton", "llm", "newton"),
        ("llm:cards/x:y.toml", "llm", "cards/x:y.toml"),
    ],
)
def test_a_teacher_spec_is_read_once_and_written_back(text: str, kind: str, persona: str) -> None:
    spec = TeacherSpec.parse(text)
    assert (spec.kind, spec.persona, str(spec)) == (kind, persona, text)
    assert spec.needs_model == (kind == "llm")


@pytest.mark.parametrize("text", ["", "random:3", "scripted:", "llm:", "telepathy", "student.npz"])
def test_malformed_teacher_specs_name_the_forms_that_work(text: str) -> None:
    with pytest.raises(ValueError, match="scripted:<cautious"):
        TeacherSpec.parse(text)


def test_match_plays_the_same_seeds_on_both_sides() -> None:
    teacher = scripted_teacher("cautious")
    match = Match(teacher, None, seed=5)
    first = match.tick()
    assert first.episode == 0 and first.seed == 5 and first.student is None
    assert first.agreement is None
    reference = next(play(make_env(), teacher, 5))
    assert np.array_equal(first.teacher.obs, reference.obs)
    match.close()
