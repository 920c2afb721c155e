"""The pose model: every continuous parameter the avatar is drawn from (pure, no Qt).

A `Pose` is a frozen bag of floats. The painter maps each to geometry; presets and the animator
only ever produce poses. Sides are as seen on screen: `_l` is the side on the viewer's left.

Conventions (all unitless, chosen so that 0 or 1 is "at rest" and the ends are extremes):

- raising/upward values are positive (brows, mouth corners, gaze_y, shoulders);
- `head_pitch` > 0 tips the chin down, `head_yaw` > 0 turns the face to the viewer's right,
  `head_roll` > 0 tilts the top of the head to the viewer's right;
- `lean` > 0 brings the body towards the viewer, `spine` < 0 slumps, > 0 sits up straight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt


def _p(rest: float, low: float, high: float, doc: str) -> Any:
    """A pose parameter: its rest value, its clamping range and what it means."""
    return field(default=rest, metadata={"range": (low, high), "doc": doc})


@dataclass(frozen=True, slots=True)
class Pose:
    """One frame of the avatar. Field metadata holds each parameter's range and meaning."""

    # Brows.
    brow_l_raise: float = _p(0.0, -1.0, 1.0, "brow height: -1 lowered, 1 raised high")
    brow_r_raise: float = _p(0.0, -1.0, 1.0, "brow height: -1 lowered, 1 raised high")
    brow_l_tilt: float = _p(0.0, -1.0, 1.0, "inner vs outer end: -1 inner down (anger), 1 up")
    brow_r_tilt: float = _p(0.0, -1.0, 1.0, "inner vs outer end: -1 inner down (anger), 1 up")
    brow_knit: float = _p(0.0, 0.0, 1.0, "inner ends drawn together")
    # Eyes.
    lid_l_upper: float = _p(1.0, 0.0, 1.4, "upper lid opening: 0 shut, 1 relaxed, 1.4 wide")
    lid_r_upper: float = _p(1.0, 0.0, 1.4, "upper lid opening: 0 shut, 1 relaxed, 1.4 wide")
    lid_l_lower: float = _p(0.0, 0.0, 1.0, "lower lid raise (squint from below)")
    lid_r_lower: float = _p(0.0, 0.0, 1.0, "lower lid raise (squint from below)")
    gaze_x: float = _p(0.0, -1.0, 1.0, "pupils: -1 viewer's left, 1 viewer's right")
    gaze_y: float = _p(0.0, -1.0, 1.0, "pupils: -1 down, 1 up")
    pupil_size: float = _p(1.0, 0.6, 1.4, "pupil dilation")
    # Cheeks and mouth.
    cheek_raise: float = _p(0.0, 0.0, 1.0, "cheeks pushed up (Duchenne smile)")
    blush: float = _p(0.0, 0.0, 1.0, "blush strength")
    mouth_corner_l: float = _p(0.05, -1.0, 1.0, "corner: -1 down (frown), 1 up (smile)")
    mouth_corner_r: float = _p(0.05, -1.0, 1.0, "corner: -1 down (frown), 1 up (smile)")
    mouth_open: float = _p(0.0, 0.0, 1.0, "lips apart")
    mouth_width: float = _p(0.0, -1.0, 1.0, "-1 rounded/pursed, 1 stretched wide")
    mouth_shift: float = _p(0.0, -1.0, 1.0, "whole mouth pushed sideways")
    jaw: float = _p(0.0, 0.0, 1.0, "jaw dropped")
    # Head.
    head_pitch: float = _p(0.0, -1.0, 1.0, "-1 chin up, 1 chin down")
    head_yaw: float = _p(0.0, -1.0, 1.0, "face turned: -1 viewer's left, 1 viewer's right")
    head_roll: float = _p(0.0, -1.0, 1.0, "tilt: 1 top of head to viewer's right")
    # Body.
    lean: float = _p(0.0, -1.0, 1.0, "-1 leaning back, 1 leaning towards the viewer")
    spine: float = _p(0.0, -1.0, 1.0, "-1 slumped, 1 sitting upright")
    breath: float = _p(0.0, 0.0, 1.0, "chest filled by the breath")
    shoulder_l: float = _p(0.0, -1.0, 1.0, "-1 dropped, 1 raised to the ears")
    shoulder_r: float = _p(0.0, -1.0, 1.0, "-1 dropped, 1 raised to the ears")
    arm_l_raise: float = _p(0.0, 0.0, 1.0, "hand height: 0 hanging, 0.6 chest, 1 chin")
    arm_r_raise: float = _p(0.0, 0.0, 1.0, "hand height: 0 hanging, 0.6 chest, 1 chin")
    arm_l_spread: float = _p(0.0, -1.0, 1.0, "hand: -1 across the body (crossed), 1 out wide")
    arm_r_spread: float = _p(0.0, -1.0, 1.0, "hand: -1 across the body (crossed), 1 out wide")
    hand_l_open: float = _p(0.0, 0.0, 1.0, "0 loose fist, 1 open palm")
    hand_r_open: float = _p(0.0, 0.0, 1.0, "0 loose fist, 1 open palm")

    def to_array(self) -> npt.NDArray[np.float64]:
        """The parameters as a vector, in `FIELD_NAMES` order."""
        return np.array([getattr(self, name) for name in FIELD_NAMES], dtype=np.float64)

    @classmethod
    def from_array(cls, values: npt.ArrayLike) -> Pose:
        """The pose of a vector in `FIELD_NAMES` order, clamped to the parameter ranges."""
        clipped = np.clip(np.asarray(values, dtype=np.float64), LOWER, UPPER)
        return cls(*clipped.tolist())

    def lerp(self, other: Pose, t: float) -> Pose:
        """Linear interpolation: `self` at t=0, `other` at t=1 (t is clamped to [0, 1])."""
        t = min(max(t, 0.0), 1.0)
        return Pose.from_array(self.to_array() * (1.0 - t) + other.to_array() * t)

    def offset(self, delta: Mapping[str, float], weight: float = 1.0) -> Pose:
        """Additive blend: each named parameter moved by `weight * delta[name]`, then clamped."""
        unknown = set(delta) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown pose parameters: {sorted(unknown)}")
        changes = {name: getattr(self, name) + weight * value for name, value in delta.items()}
        return Pose.from_array(replace(self, **changes).to_array())


def blend(weighted: Iterable[tuple[Pose, float]]) -> Pose:
    """Weighted average of poses (weights need not sum to 1; they are normalised)."""
    items = list(weighted)
    total = sum(weight for _, weight in items)
    if not items or total <= 0.0:
        raise ValueError("blend needs at least one pose with a positive weight")
    mixed = sum((pose.to_array() * (weight / total) for pose, weight in items), np.zeros(N))
    return Pose.from_array(mixed)


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Pose))
FIELD_INDEX: Mapping[str, int] = MappingProxyType({n: i for i, n in enumerate(FIELD_NAMES)})
N = len(FIELD_NAMES)
LOWER: npt.NDArray[np.float64] = np.array([f.metadata["range"][0] for f in fields(Pose)])
UPPER: npt.NDArray[np.float64] = np.array([f.metadata["range"][1] for f in fields(Pose)])
REST = Pose()

# Parameter groups: the expression owns the face, the posture owns head and body.
FACE_FIELDS: frozenset[str] = frozenset(FIELD_NAMES[: FIELD_INDEX["head_pitch"]])
HEAD_FIELDS: frozenset[str] = frozenset(("head_pitch", "head_yaw", "head_roll"))
BODY_FIELDS: frozenset[str] = frozenset(FIELD_NAMES[FIELD_INDEX["lean"] :])
