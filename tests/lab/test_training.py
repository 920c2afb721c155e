"""Students learn a scripted persona: BC and DAgger reach the agreement target on small budgets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from empath_desktop.lab.dataset import DatasetMeta, Recorder
from empath_desktop.lab.policies import scripted_teacher
from empath_desktop.lab.student import load_student
from training.cartpole.collect import eval_seeds, record, train_seeds
from training.cartpole.evaluate import agreement, evaluate, persona_identification
from training.cartpole.train import dagger, fit_student

pytestmark = pytest.mark.train
TARGET = 0.97


@pytest.fixture(scope="module")
def cautious():
    teacher = scripted_teacher("cautious")
    return teacher, DatasetMeta(teacher.name, "cautious"), evaluate(teacher, eval_seeds(6))


def test_behaviour_cloning_reaches_the_agreement_target(cautious) -> None:
    teacher, meta, held_out = cautious
    recorder = Recorder()
    record(recorder, teacher, train_seeds(0), 3000)
    student, report = fit_student(recorder.dataset(meta))
    assert report.n_val > 0 and report.best_epoch <= report.epochs
    assert agreement(student, held_out.obs, held_out.actions) >= TARGET


def test_dagger_reaches_the_agreement_target_within_its_budget(cautious) -> None:
    teacher, meta, held_out = cautious
    student, aggregate, history = dagger(teacher, meta, 2000, rounds=4)
    assert len(aggregate) == 2000 and [h.labels for h in history] == [500, 1000, 1500, 2000]
    # Rounds after the first are driven by the student and labelled by the teacher.
    assert set(aggregate.episode_driver[1:]) <= {student.name, teacher.name}
    assert np.array_equal(teacher.label(aggregate.obs), aggregate.action)
    assert agreement(student, held_out.obs, held_out.actions) >= TARGET
    assert evaluate(student, eval_seeds(3)).returns.mean() >= 0.95 * 500


def test_persona_identification_tells_the_scripted_personas_apart() -> None:
    teachers = {p: evaluate(scripted_teacher(p), eval_seeds(8)) for p in ("cautious", "reckless")}
    # The teachers themselves as "students": the classifier must recognise each persona.
    result = persona_identification(teachers, {p: [ev] for p, ev in teachers.items()})
    assert result["accuracy"] == 1.0


def test_cli_collect_train_eval_smoke(tmp_path: Path) -> None:
    from training.cartpole.__main__ import main

    data, ckpt = tmp_path / "data", tmp_path / "student"
    assert (
        main(["collect", "--teacher", "scripted:reckless", "--labels", "300", "--out", str(data)])
        == 0
    )
    assert main(["train", "--data", str(data), "--max-epochs", "5", "--out", str(ckpt)]) == 0
    assert load_student(ckpt).config.labels == 300
    assert main(["eval", "--policy", str(ckpt), "--episodes", "2"]) == 0
    assert main(["nonsense"]) == 2
