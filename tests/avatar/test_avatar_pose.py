"""The pose model: ranges, interpolation, additive and weighted blending."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from empath_desktop.avatar.pose import (
    BODY_FIELDS,
    FACE_FIELDS,
    FIELD_NAMES,
    HEAD_FIELDS,
    LOWER,
    UPPER,
    Pose,
    blend,
)


def poses() -> st.SearchStrategy[Pose]:
    return st.builds(
        Pose.from_array,
        st.tuples(*(st.floats(float(lo), float(hi)) for lo, hi in zip(LOWER, UPPER, strict=True))),
    )


def test_rest_pose_is_inside_every_range_and_groups_cover_all_fields():
    rest = Pose().to_array()
    assert np.all(rest >= LOWER) and np.all(rest <= UPPER)
    assert set(FIELD_NAMES) == FACE_FIELDS | HEAD_FIELDS | BODY_FIELDS
    assert not (FACE_FIELDS & HEAD_FIELDS or FACE_FIELDS & BODY_FIELDS or HEAD_FIELDS & BODY_FIELDS)


def test_array_round_trip_and_clamping():
    pose = Pose(mouth_open=0.4, head_yaw=-0.3)
    assert Pose.from_array(pose.to_array()) == pose
    wild = Pose.from_array(np.full(len(FIELD_NAMES), 9.0))
    assert wild.to_array() == pytest.approx(UPPER)


def test_lerp_hits_both_ends_and_the_middle():
    a, b = Pose(), Pose(mouth_open=1.0, gaze_x=-1.0)
    assert a.lerp(b, 0.0) == a
    assert a.lerp(b, 1.0) == b
    mid = a.lerp(b, 0.5)
    assert mid.mouth_open == pytest.approx(0.5) and mid.gaze_x == pytest.approx(-0.5)
    assert a.lerp(b, 7.0) == b  # t is clamped


def test_offset_adds_scaled_deltas_and_rejects_unknown_names():
    moved = Pose().offset({"brow_l_raise": 0.5, "lean": 3.0}, weight=0.5)
    assert moved.brow_l_raise == pytest.approx(0.25)
    assert moved.lean == pytest.approx(1.0)  # 1.5 clamped to the range
    with pytest.raises(ValueError, match="unknown pose parameters"):
        Pose().offset({"tail_wag": 1.0})


def test_blend_normalises_weights():
    a, b = Pose(jaw=0.0), Pose(jaw=1.0)
    assert blend([(a, 3.0), (b, 1.0)]).jaw == pytest.approx(0.25)
    with pytest.raises(ValueError):
        blend([])


@given(poses(), poses(), st.floats(-1.0, 2.0))
def test_interpolation_stays_inside_the_ranges(a, b, t):
    values = a.lerp(b, t).to_array()
    assert np.all(values >= LOWER) and np.all(values <= UPPER)
