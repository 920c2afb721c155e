"""The animator: springs, onset, blinks, modes, speech, gestures and determinism."""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import pytest

from empath_desktop.avatar.animator import VISEME_SHAPES, Animator, CriticalSpring, Mode
from empath_desktop.avatar.pose import LOWER, UPPER, Pose
from empath_desktop.chat.reaction import Reaction
from empath_desktop.chat.vocab import VISEMES

FPS = 60
DT = 1.0 / FPS


def run(animator: Animator, seconds: float, dt: float = DT) -> list[Pose]:
    return [animator.step(dt) for _ in range(round(seconds / dt))]


def blink_count(poses: list[Pose]) -> int:
    """Blinks seen from the outside: the left upper lid dipping below 0.3 (rest is 1)."""
    shut = [p.lid_l_upper < 0.3 for p in poses]
    return sum(1 for before, now in itertools.pairwise(shut) if now and not before)


def test_spring_converges_monotonically_without_overshoot():
    spring = CriticalSpring(np.zeros(3), np.array([5.0, 16.0, 40.0]))
    target = np.array([1.0, -2.0, 0.5])
    previous = spring.position.copy()
    for _ in range(240):
        now = spring.step(target, DT).copy()
        assert np.all(np.abs(target - now) <= np.abs(target - previous) + 1e-12)
        assert np.all(np.sign(target - now) * np.sign(target) >= 0)  # never past the target
        previous = now
    assert now == pytest.approx(target, abs=1e-4)


def test_spring_is_exact_for_any_step_size():
    # A closed-form step: one 0.5 s step lands where thirty 1/60 s steps do.
    coarse = CriticalSpring(np.zeros(1), np.array([12.0]))
    fine = CriticalSpring(np.zeros(1), np.array([12.0]))
    coarse.step(np.ones(1), 0.5)
    for _ in range(30):
        fine.step(np.ones(1), DT)
    assert coarse.position == pytest.approx(fine.position, abs=1e-9)


def test_expression_onset_is_natural_and_does_not_overshoot():
    animator = Animator(seed=1)
    run(animator, 1.0)
    start = animator.pose.mouth_corner_l
    animator.react(Reaction("happy", "neutral", 0.5))
    first = animator.step(DT)
    assert first.mouth_corner_l > start  # the very next frame already moves
    corners = [first.mouth_corner_l] + [p.mouth_corner_l for p in run(animator, 1.5)]
    final = corners[-1]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(corners))
    assert max(corners) <= final + 1e-6
    reached = next(i for i, c in enumerate(corners) if c - start >= 0.9 * (final - start))
    assert 0.15 <= (reached + 1) * DT <= 0.3


@pytest.mark.parametrize("seed", range(5))
def test_blink_rate_is_human_at_rest(seed):
    blinks = blink_count(run(Animator(seed=seed), 60.0))
    assert 8 <= blinks <= 25


def test_double_blinks_happen_and_thinking_blinks_less_than_speaking():
    idle = Animator(seed=3)
    shut_times = [i * DT for i, p in enumerate(run(idle, 300.0)) if p.lid_l_upper < 0.3]
    starts = [t for t, prev in zip(shut_times[1:], shut_times, strict=False) if t - prev > 2 * DT]
    gaps = np.diff(starts)
    assert np.any(gaps < 0.6), "no double blink in five minutes"
    counts = {}
    for mode in (Mode.THINKING, Mode.SPEAKING):
        animator = Animator(seed=4)
        animator.set_mode(mode)
        counts[mode] = blink_count(run(animator, 180.0))
    assert counts[Mode.THINKING] < counts[Mode.SPEAKING]


def test_same_seed_and_clock_give_the_same_poses():
    def script(seed: int) -> list[Pose]:
        animator = Animator(seed=seed)
        poses = run(animator, 1.0)
        animator.react(Reaction("curious", "nod", 0.8))
        animator.set_mode(Mode.SPEAKING)
        animator.feed_text("Well, that is interesting!")
        poses += run(animator, 2.0)
        animator.set_mode(Mode.THINKING)
        poses += [animator.step(dt) for dt in (0.001, 0.2, 0.016, 0.033)]
        return poses

    assert script(7) == script(7)
    assert script(7) != script(8)


def test_thinking_looks_up_and_aside_with_a_hand_at_the_chin():
    animator = Animator(seed=2)
    animator.set_mode(Mode.THINKING)
    poses = run(animator, 3.0)[FPS:]
    assert np.mean([p.gaze_y for p in poses]) > 0.3
    assert abs(np.mean([p.gaze_x for p in poses])) > 0.25
    assert max(poses[-1].arm_l_raise, poses[-1].arm_r_raise) > 0.8


def test_listening_leans_in_and_holds_the_gaze():
    animator = Animator(seed=2)
    animator.set_mode(Mode.LISTENING)
    poses = run(animator, 3.0)[FPS:]
    assert min(p.lean for p in poses) > 0.15
    assert max(abs(p.gaze_x) for p in poses) < 0.3


def test_speech_level_opens_the_mouth_and_silence_closes_it():
    animator = Animator(seed=0)
    animator.set_mode(Mode.SPEAKING)
    for _ in range(12):  # 0.2 s of loud voice
        animator.set_speech_level(0.9)
        pose = animator.step(DT)
    assert pose.mouth_open > 0.4 and pose.jaw > 0.2
    run(animator, 0.6)  # no more level updates: the audio counts as silent
    assert animator.pose.mouth_open < 0.05


def test_streamed_text_moves_the_mouth_syllable_by_syllable_then_stops():
    animator = Animator(seed=0)
    animator.set_mode(Mode.SPEAKING)
    animator.feed_text("Hello there, how are you today?")  # 9 syllables
    openings = [p.mouth_open for p in run(animator, 3.0)]
    opened = [a < 0.2 <= b for a, b in itertools.pairwise(openings)]
    assert 6 <= sum(opened) <= 11
    assert openings[-1] < 0.02


def test_text_rhythm_does_not_depend_on_chunking():
    text = "Streaming never splits a syllable, right?"

    def mouth(chunks: list[str]) -> list[float]:
        animator = Animator(seed=5)
        animator.set_mode(Mode.SPEAKING)
        for chunk in chunks:
            animator.feed_text(chunk)
        return [p.mouth_open for p in run(animator, 3.0)]

    whole = mouth([text])
    for cut in range(1, len(text)):
        assert mouth([text[:cut], text[cut:]]) == whole


def test_leaving_speaking_drops_unspoken_text():
    animator = Animator(seed=0)
    animator.set_mode(Mode.SPEAKING)
    animator.feed_text("a long answer " * 20)
    run(animator, 0.3)
    animator.set_mode(Mode.IDLE)
    assert run(animator, 0.4)[-1].mouth_open < 0.02


def test_visemes_shape_the_mouth():
    shapes = {}
    for name in ("ee", "oo", "oh", "aa"):
        animator = Animator(seed=0)
        animator.set_mode(Mode.SPEAKING)
        animator.set_viseme(name)
        shapes[name] = run(animator, 0.4)[-1]
    assert shapes["oo"].mouth_width < shapes["ee"].mouth_width
    assert shapes["aa"].mouth_open > shapes["oh"].mouth_open > shapes["oo"].mouth_open
    assert set(VISEME_SHAPES) == set(VISEMES)  # a shape for every viseme the voice makes
    with pytest.raises(ValueError, match="unknown viseme"):
        animator.set_viseme("zz")


@pytest.mark.parametrize(("posture", "field"), [("nod", "head_pitch"), ("head_shake", "head_yaw")])
def test_nod_and_shake_are_played_once_then_rest(posture, field):
    animator = Animator(seed=0)
    run(animator, 0.5)
    animator.react(Reaction("neutral", posture, 0.8))
    swing = [getattr(p, field) for p in run(animator, 2.0)]
    rest = np.mean(swing[-20:])
    crossings = sum(1 for a, b in itertools.pairwise(swing) if (a - rest) * (b - rest) < 0)
    assert max(abs(v - rest) for v in swing) > 0.2
    assert crossings >= 2
    assert max(abs(v - rest) for v in swing[-20:]) < 0.06  # only micro motion is left


def test_unknown_labels_fall_back_to_neutral_with_a_warning(caplog):
    animator = Animator(seed=0)
    with caplog.at_level(logging.WARNING):
        animator.react(Reaction("smug", "levitating", 0.5))
    assert "smug" in caplog.text and "levitating" in caplog.text
    assert run(animator, 0.5)[-1].mouth_corner_l == pytest.approx(Pose().mouth_corner_l, abs=0.02)


def test_time_only_runs_forwards_and_stalls_are_safe():
    animator = Animator(seed=0)
    with pytest.raises(ValueError):
        animator.step(-0.01)
    before = animator.step(DT)
    assert animator.step(0.0) == before
    animator.react(Reaction("surprised", "shrug", 1.0))
    after_stall = animator.step(5.0).to_array()
    assert np.all(np.isfinite(after_stall))
    assert np.all(after_stall >= LOWER) and np.all(after_stall <= UPPER)
    assert math.isclose(animator.pose.lid_l_upper, after_stall[6])
