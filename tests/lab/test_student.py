"""Student checkpoints: numpy inference, save/load round trip, refusal of bad files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from empath_desktop.lab.student import (
    CheckpointError,
    MLPStudent,
    StudentConfig,
    load_student,
    save_student,
)


def _random_student(seed: int = 0, hidden: tuple[int, ...] = (16, 16)) -> MLPStudent:
    rng = np.random.default_rng(seed)
    config = StudentConfig(hidden=hidden, teacher="scripted:cautious", persona="cautious")
    layers = [
        (rng.normal(size=shape).astype(np.float32), rng.normal(size=shape[0]).astype(np.float32))
        for shape in config.layer_shapes()
    ]
    return MLPStudent(config, layers, rng.normal(size=4), rng.uniform(0.5, 2.0, size=4))


def _reference_logits(student: MLPStudent, obs: np.ndarray) -> np.ndarray:
    x = (obs - student.obs_mean) / student.obs_std
    for i, (w, b) in enumerate(student.layers):
        x = x @ w.T + b
        if i < len(student.layers) - 1:
            x = np.maximum(x, 0)
    return x


def test_folded_inference_matches_the_plain_network() -> None:
    student = _random_student()
    obs = np.random.default_rng(1).normal(size=(200, 4)).astype(np.float32)
    expected = _reference_logits(student, obs).argmax(axis=1)
    assert np.array_equal(student.label(obs), expected)
    assert [student.act(o) for o in obs] == list(expected)


def test_save_load_round_trip(tmp_path: Path) -> None:
    student = _random_student()
    stem = save_student(student, tmp_path / "s")
    loaded = load_student(stem.with_suffix(".npz"))
    obs = np.random.default_rng(2).normal(size=(100, 4)).astype(np.float32)
    assert np.array_equal(loaded.margin(obs), student.margin(obs))
    assert loaded.config == student.config


def test_tampered_checkpoint_is_refused(tmp_path: Path) -> None:
    stem = save_student(_random_student(), tmp_path / "s")
    with np.load(stem.with_suffix(".npz")) as data:
        arrays = dict(data)
    arrays["layer0.bias"] = arrays["layer0.bias"] + 1.0
    np.savez(stem.with_suffix(".npz"), **arrays)
    with pytest.raises(CheckpointError, match="tampered"):
        load_student(stem)


def test_wrong_shape_checkpoint_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    # A checkpoint whose checksum is right but whose arrays do not fit its recorded architecture.
    stem = save_student(_random_student(hidden=(16, 16)), tmp_path / "s")
    header = json.loads(stem.with_suffix(".json").read_text())
    header["meta"]["hidden"] = [16, 8]
    stem.with_suffix(".json").write_text(json.dumps(header))
    with pytest.raises(CheckpointError, match=r"layer 1 has weight \(16, 16\).*expected \(8, 16\)"):
        load_student(stem)


def test_missing_or_foreign_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="missing"):
        load_student(tmp_path / "nothing")
    stem = save_student(_random_student(), tmp_path / "s")
    header = json.loads(stem.with_suffix(".json").read_text())
    header["kind"] = "cartpole-dataset"
    stem.with_suffix(".json").write_text(json.dumps(header))
    with pytest.raises(CheckpointError, match="not a cartpole-student"):
        load_student(stem)


def test_running_a_student_needs_no_torch(tmp_path: Path) -> None:
    stem = save_student(_random_student(), tmp_path / "s")
    code = (
        "import sys; from empath_desktop.lab.student import load_student\n"
        f"s = load_student({str(stem)!r}); s.act([0.0, 0.1, 0.02, -0.1])\n"
        "assert 'torch' not in sys.modules and 'sklearn' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("persona", ["cautious", "reckless"])
def test_shipped_students_imitate_their_scripted_teachers(persona: str) -> None:
    from empath_desktop.lab.policies import scripted_teacher
    from empath_desktop.lab.rollout import make_env, play
    from empath_desktop.resources import assets_dir

    student = load_student(assets_dir() / "cartpole" / "students" / f"{persona}-dagger")
    teacher = scripted_teacher(persona)
    obs = np.array([step.obs for step in play(make_env(), teacher, seed=123)])
    assert np.mean(student.label(obs) == teacher.label(obs)) >= 0.97
