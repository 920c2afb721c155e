"""Presets: every canonical label, independent composition, intensity, distinct faces."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from empath_desktop.avatar.pose import BODY_FIELDS, FACE_FIELDS, FIELD_INDEX, Pose
from empath_desktop.avatar.presets import (
    EXPRESSION_PRESETS,
    GESTURES,
    POSTURE_PRESETS,
    compose,
    snapshot,
    strength,
)
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

FACE = sorted(FACE_FIELDS, key=FIELD_INDEX.__getitem__)
BODY = sorted(BODY_FIELDS, key=FIELD_INDEX.__getitem__)


def values(pose: Pose, names: list[str]) -> np.ndarray:
    return np.array([getattr(pose, name) for name in names])


def test_every_canonical_label_has_a_preset():
    assert tuple(EXPRESSION_PRESETS) == EXPRESSIONS
    assert tuple(POSTURE_PRESETS) == POSTURES
    assert set(GESTURES) == {"nod", "head_shake"}


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_face_comes_from_the_expression_and_body_from_the_posture(expression):
    for posture in POSTURES:
        pose = compose(expression, posture)
        assert values(pose, FACE) == pytest.approx(values(compose(expression, "neutral"), FACE))
        assert values(pose, BODY) == pytest.approx(values(compose("neutral", posture), BODY))


def test_intensity_scales_every_preset_away_from_rest():
    rest = Pose().to_array()
    assert strength(0.0) > 0.0 and strength(1.0) == 1.0 and strength(5.0) == 1.0
    for expression in EXPRESSIONS[1:]:
        distances = [
            np.abs(compose(expression, "neutral", i).to_array() - rest).sum() for i in (0, 0.5, 1)
        ]
        assert distances[0] < distances[1] < distances[2], expression


def test_faces_are_far_apart_in_parameter_space():
    # Sum of absolute face-parameter differences: 0.8 is, e.g., one mouth corner moving 0.4
    # up and the other 0.4 down; every pair of faces must differ by more than that.
    faces = {e: values(compose(e, "neutral"), FACE) for e in EXPRESSIONS}
    for a, b in itertools.combinations(EXPRESSIONS, 2):
        assert np.abs(faces[a] - faces[b]).sum() > 0.8, (a, b)


def test_gestures_swing_and_come_back_to_rest():
    for name, gesture in GESTURES.items():
        assert gesture.value(gesture.peak_time) > 0.3, name
        assert gesture.value(gesture.duration) == 0.0
        assert gesture.value(-0.1) == 0.0
        static = compose("neutral", name)
        assert snapshot("neutral", name) != static  # the still shows the swing


def test_unknown_labels_raise():
    with pytest.raises(KeyError):
        compose("smug", "neutral")
