"""The CartPole panel runs matches offscreen, replays datasets and refuses bad checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from empath_desktop.lab.dataset import DatasetMeta, Recorder, save_dataset
from empath_desktop.lab.policies import RandomPolicy
from empath_desktop.lab.rollout import make_env, play
from empath_desktop.lab.student import MLPStudent, StudentConfig, save_student
from empath_desktop.ui.lab.cartpole_panel import SPEEDS, CartPolePanelWidget


@pytest.fixture
def student_path(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    config = StudentConfig(hidden=(8,), teacher="scripted:cautious")
    layers = [
        (rng.normal(size=s).astype(np.float32), rng.normal(size=s[0]).astype(np.float32))
        for s in config.layer_shapes()
    ]
    return save_student(MLPStudent(config, layers, np.zeros(4), np.ones(4)), tmp_path / "student")


@pytest.fixture
def panel(qtbot, student_path: Path) -> CartPolePanelWidget:
    widget = CartPolePanelWidget(backend=None, student_path=student_path)
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.show()
    yield widget
    widget.shutdown()


def test_panel_plays_episodes_side_by_side(qtbot, panel: CartPolePanelWidget) -> None:
    panel._speed_slider.setValue(SPEEDS.index(0))  # flat out
    panel.start("scripted:reckless", seed=3)
    qtbot.waitUntil(lambda: panel.episodes_finished >= 3, timeout=20_000)
    teacher_returns, student_returns = panel._returns
    assert teacher_returns[:3] == [500, 500, 500]
    assert len(student_returns) >= 3 and all(0 < r <= 500 for r in student_returns)
    assert len(panel._agreements) >= 3
    qtbot.waitUntil(lambda: panel._teacher_board._state is not None, timeout=2_000)
    assert "cart-position:" in panel._teacher_text.text()


def test_pause_and_step(qtbot, panel: CartPolePanelWidget) -> None:
    panel._speed_slider.setValue(SPEEDS.index(1))
    panel.start("scripted:cautious", seed=0)
    panel._pause_button.setChecked(True)
    panel._step_button.click()
    qtbot.waitUntil(lambda: panel._teacher_board._state is not None, timeout=5_000)
    assert panel._teacher_board._state.caption.startswith("episode 1 · seed 0")


def test_llm_teachers_are_disabled_without_a_model(panel: CartPolePanelWidget) -> None:
    index = panel._teacher_combo.findData("llm:newton")
    assert index >= 0
    assert not panel._teacher_combo.model().item(index).isEnabled()


def test_replay_scrubs_a_recorded_episode(
    qtbot, panel: CartPolePanelWidget, tmp_path: Path
) -> None:
    recorder = Recorder()
    recorder.add_episode(play(make_env(), RandomPolicy(), 9), "random")
    dataset = recorder.dataset(DatasetMeta("random", "random"))
    panel.load_replay(save_dataset(dataset, tmp_path / "replay"))
    panel._scrubber.setValue(4)
    state = panel._teacher_board._state
    assert state is not None and np.allclose(state.obs, dataset.obs[4])
    assert "push-cart:" in panel._teacher_text.text()


def test_a_tampered_student_is_reported_not_loaded(
    panel: CartPolePanelWidget, student_path: Path
) -> None:
    npz = student_path.with_suffix(".npz")
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    assert panel.load_student(student_path) is None
    assert "tampered" in panel._status_label.text()


def test_each_teacher_is_paired_with_its_shipped_student(qtbot) -> None:
    widget = CartPolePanelWidget()
    qtbot.addWidget(widget)
    try:
        combo = widget._teacher_combo
        combo.setCurrentIndex(combo.findData("scripted:reckless"))
        assert widget._student_path.endswith("reckless-dagger.json")
        combo.setCurrentIndex(combo.findData("random"))
        assert widget._student_path == ""
    finally:
        widget.shutdown()
