"""Expression and posture presets for every canonical label (pure, no Qt).

A preset is a set of offsets from the rest pose at full strength. The face comes from the
expression and the body from the posture, so any expression combines with any posture; the
head is shared (a sad face drops the chin, a head tilt tilts it) and the offsets add.
`nod` and `head_shake` are gestures: motions the animator plays, not places to hold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from empath_desktop.avatar.pose import BODY_FIELDS, FACE_FIELDS, FIELD_NAMES, HEAD_FIELDS, Pose
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

Offsets = Mapping[str, float]


def _frozen(table: dict[str, dict[str, float]]) -> Mapping[str, Offsets]:
    return MappingProxyType({label: MappingProxyType(offsets) for label, offsets in table.items()})


# Offsets at full strength. Each face exaggerates the cues people read first (the Facial
# Action Coding System's prototypes): brows and lids for surprise/fear/anger/sadness, the
# mouth and cheeks for joy, asymmetry for amusement/confusion, gaze and blush for
# embarrassment.
EXPRESSION_PRESETS: Mapping[str, Offsets] = _frozen(
    {
        "neutral": {},
        "happy": {
            "mouth_corner_l": 1.0,
            "mouth_corner_r": 1.0,
            "mouth_width": 0.35,
            "mouth_open": 0.22,
            "cheek_raise": 0.6,
            "lid_l_lower": 0.25,
            "lid_r_lower": 0.25,
            "brow_l_raise": 0.3,
            "brow_r_raise": 0.3,
            "blush": 0.25,
            "head_roll": 0.08,
        },
        "joyful": {
            "mouth_corner_l": 0.95,
            "mouth_corner_r": 0.95,
            "mouth_width": 0.5,
            "mouth_open": 0.75,
            "jaw": 0.35,
            "cheek_raise": 1.0,
            "lid_l_lower": 0.8,
            "lid_r_lower": 0.8,
            "lid_l_upper": -0.3,
            "lid_r_upper": -0.3,
            "brow_l_raise": 0.5,
            "brow_r_raise": 0.5,
            "blush": 0.4,
            "head_pitch": -0.2,
            "head_roll": 0.12,
        },
        "amused": {
            "mouth_corner_l": 0.3,
            "mouth_corner_r": 1.0,
            "mouth_shift": 0.35,
            "mouth_width": 0.15,
            "cheek_raise": 0.45,
            "lid_l_lower": 0.3,
            "lid_r_lower": 0.7,
            "lid_l_upper": -0.05,
            "lid_r_upper": -0.3,
            "brow_l_raise": 0.7,
            "brow_r_raise": -0.15,
            "brow_l_tilt": -0.25,
            "gaze_x": -0.3,
            "head_roll": -0.2,
            "head_yaw": 0.12,
        },
        "sad": {
            "mouth_corner_l": -0.8,
            "mouth_corner_r": -0.8,
            "mouth_width": -0.25,
            "brow_l_tilt": 1.0,
            "brow_r_tilt": 1.0,
            "brow_knit": 0.35,
            "lid_l_upper": -0.4,
            "lid_r_upper": -0.4,
            "gaze_y": -0.55,
            "head_pitch": 0.35,
            "head_roll": -0.1,
        },
        "concerned": {
            "mouth_corner_l": -0.35,
            "mouth_corner_r": -0.25,
            "mouth_width": -0.2,
            "mouth_open": 0.06,
            "brow_l_tilt": 0.7,
            "brow_r_tilt": 0.7,
            "brow_l_raise": 0.15,
            "brow_r_raise": 0.15,
            "brow_knit": 0.7,
            "lid_l_lower": 0.2,
            "lid_r_lower": 0.2,
            "head_roll": 0.15,
            "head_pitch": 0.08,
        },
        "surprised": {
            "brow_l_raise": 1.0,
            "brow_r_raise": 1.0,
            "brow_l_tilt": 0.15,
            "brow_r_tilt": 0.15,
            "lid_l_upper": 0.4,
            "lid_r_upper": 0.4,
            "pupil_size": -0.2,
            "mouth_open": 0.85,
            "mouth_width": -0.7,
            "mouth_corner_l": -0.05,
            "mouth_corner_r": -0.05,
            "jaw": 0.55,
            "head_pitch": -0.2,
        },
        "curious": {
            "brow_l_raise": 0.8,
            "brow_r_raise": 0.1,
            "brow_r_tilt": -0.25,
            "lid_l_upper": 0.2,
            "lid_r_upper": 0.0,
            "pupil_size": 0.2,
            "mouth_open": 0.15,
            "mouth_width": -0.35,
            "mouth_corner_l": 0.2,
            "mouth_corner_r": 0.2,
            "head_roll": 0.3,
            "head_yaw": 0.1,
            "head_pitch": -0.05,
        },
        "thoughtful": {
            "gaze_x": -0.6,
            "gaze_y": 0.6,
            "brow_l_raise": 0.35,
            "brow_r_raise": -0.15,
            "brow_r_tilt": -0.2,
            "brow_knit": 0.25,
            "lid_l_upper": -0.1,
            "lid_r_upper": -0.15,
            "mouth_corner_l": -0.2,
            "mouth_corner_r": 0.3,
            "mouth_shift": 0.45,
            "mouth_width": -0.35,
            "head_roll": -0.12,
            "head_yaw": -0.15,
            "head_pitch": -0.1,
        },
        "confused": {
            "brow_l_raise": 0.75,
            "brow_l_tilt": -0.2,
            "brow_r_raise": -0.45,
            "brow_r_tilt": 0.3,
            "brow_knit": 0.5,
            "lid_l_upper": 0.15,
            "lid_r_upper": -0.3,
            "lid_r_lower": 0.3,
            "mouth_corner_l": -0.45,
            "mouth_corner_r": 0.15,
            "mouth_shift": -0.35,
            "mouth_open": 0.12,
            "mouth_width": -0.3,
            "gaze_x": 0.2,
            "gaze_y": 0.15,
            "head_roll": -0.28,
        },
        "angry": {
            "brow_l_raise": -0.75,
            "brow_r_raise": -0.75,
            "brow_l_tilt": -1.0,
            "brow_r_tilt": -1.0,
            "brow_knit": 1.0,
            "lid_l_upper": -0.25,
            "lid_r_upper": -0.25,
            "lid_l_lower": 0.4,
            "lid_r_lower": 0.4,
            "pupil_size": -0.2,
            "mouth_corner_l": -0.6,
            "mouth_corner_r": -0.6,
            "mouth_open": 0.25,
            "mouth_width": 0.35,
            "blush": 0.3,
            "head_pitch": 0.18,
        },
        "afraid": {
            "brow_l_raise": 0.9,
            "brow_r_raise": 0.9,
            "brow_l_tilt": 0.85,
            "brow_r_tilt": 0.85,
            "brow_knit": 0.6,
            "lid_l_upper": 0.4,
            "lid_r_upper": 0.4,
            "lid_l_lower": 0.1,
            "lid_r_lower": 0.1,
            "pupil_size": -0.35,
            "mouth_open": 0.55,
            "mouth_width": 0.55,
            "mouth_corner_l": -0.55,
            "mouth_corner_r": -0.55,
            "jaw": 0.3,
            "head_pitch": 0.1,
            "head_yaw": -0.12,
        },
        "embarrassed": {
            "blush": 1.0,
            "gaze_x": 0.6,
            "gaze_y": -0.55,
            "brow_l_tilt": 0.5,
            "brow_r_tilt": 0.5,
            "brow_l_raise": 0.1,
            "brow_r_raise": 0.1,
            "lid_l_upper": -0.3,
            "lid_r_upper": -0.3,
            "lid_l_lower": 0.2,
            "lid_r_lower": 0.2,
            "mouth_corner_l": 0.35,
            "mouth_corner_r": 0.35,
            "mouth_width": -0.3,
            "head_pitch": 0.3,
            "head_roll": 0.15,
            "head_yaw": 0.15,
        },
    }
)

POSTURE_PRESETS: Mapping[str, Offsets] = _frozen(
    {
        "neutral": {},
        "lean_forward": {"lean": 0.85, "spine": 0.2, "shoulder_l": 0.1, "shoulder_r": 0.1},
        "lean_back": {
            "lean": -0.85,
            "spine": 0.2,
            "head_pitch": -0.12,
            "shoulder_l": -0.15,
            "shoulder_r": -0.15,
        },
        "upright": {"spine": 1.0, "shoulder_l": -0.2, "shoulder_r": -0.2, "head_pitch": -0.1},
        "slumped": {
            "spine": -1.0,
            "lean": 0.15,
            "shoulder_l": -0.6,
            "shoulder_r": -0.6,
            "head_pitch": 0.45,
        },
        "head_tilt": {"head_roll": 0.55, "head_yaw": 0.05},
        "nod": {"head_pitch": 0.05},
        "head_shake": {},
        "shrug": {
            "shoulder_l": 1.0,
            "shoulder_r": 1.0,
            "arm_l_raise": 0.85,
            "arm_r_raise": 0.85,
            "arm_l_spread": 0.8,
            "arm_r_spread": 0.8,
            "hand_l_open": 1.0,
            "hand_r_open": 1.0,
            "head_roll": 0.2,
            "lean": -0.1,
        },
        "open": {
            "spine": 0.4,
            "lean": 0.15,
            "shoulder_l": -0.15,
            "shoulder_r": -0.15,
            "arm_l_raise": 0.72,
            "arm_r_raise": 0.72,
            "arm_l_spread": 1.0,
            "arm_r_spread": 1.0,
            "hand_l_open": 1.0,
            "hand_r_open": 1.0,
        },
        "closed": {
            "lean": -0.25,
            "spine": 0.1,
            "shoulder_l": 0.25,
            "shoulder_r": 0.25,
            "arm_l_raise": 0.74,
            "arm_r_raise": 0.78,
            "arm_l_spread": -1.0,
            "arm_r_spread": -1.0,
            "head_pitch": -0.05,
        },
    }
)


@dataclass(frozen=True, slots=True)
class Gesture:
    """A head motion played once: `field` swings by ±`amplitude` at `frequency` Hz.

    The swing starts towards positive values (a nod goes down first) and fades out over
    `cycles` periods, so the head comes to rest where it started.
    """

    field: str
    amplitude: float
    frequency: float
    cycles: float

    @property
    def duration(self) -> float:
        """Seconds from start to rest."""
        return self.cycles / self.frequency

    @property
    def peak_time(self) -> float:
        """Seconds to the first, largest swing (a still picture of the gesture shows this)."""
        return 0.25 / self.frequency

    def value(self, t: float) -> float:
        """Offset of `field` at `t` seconds after the start (0 outside the gesture)."""
        if not 0.0 <= t < self.duration:
            return 0.0
        fade = (1.0 - t / self.duration) ** 1.5
        return self.amplitude * fade * math.sin(2.0 * math.pi * self.frequency * t)


GESTURES: Mapping[str, Gesture] = MappingProxyType(
    {
        "nod": Gesture("head_pitch", amplitude=0.45, frequency=1.8, cycles=2.0),
        "head_shake": Gesture("head_yaw", amplitude=0.55, frequency=2.2, cycles=3.0),
    }
)


def strength(intensity: float) -> float:
    """How much of a preset to apply: even a faint reaction stays readable (0.4 at 0, 1 at 1)."""
    return 0.4 + 0.6 * min(max(intensity, 0.0), 1.0)


def compose(expression: str, posture: str, intensity: float = 0.5) -> Pose:
    """The pose to hold for a reaction: face from `expression`, body from `posture`.

    Raises KeyError for a label outside the canonical vocabularies.
    """
    s = strength(intensity)
    return Pose().offset(EXPRESSION_PRESETS[expression], s).offset(POSTURE_PRESETS[posture], s)


def snapshot(expression: str, posture: str, intensity: float = 0.5) -> Pose:
    """A still picture of a reaction: `compose` with any gesture frozen at its first peak."""
    pose = compose(expression, posture, intensity)
    gesture = GESTURES.get(posture)
    if gesture is None:
        return pose
    return pose.offset({gesture.field: gesture.value(gesture.peak_time)}, strength(intensity))


def _check_tables() -> None:
    """Fail at import, not mid-conversation, if a table drifts from the vocabularies."""
    if tuple(EXPRESSION_PRESETS) != EXPRESSIONS or tuple(POSTURE_PRESETS) != POSTURES:
        raise RuntimeError("avatar presets do not match engine.vocab")
    for label, offsets in EXPRESSION_PRESETS.items():
        if not set(offsets) <= FACE_FIELDS | HEAD_FIELDS:
            raise RuntimeError(f"expression {label!r} moves more than face and head")
    for label, offsets in POSTURE_PRESETS.items():
        if not set(offsets) <= BODY_FIELDS | HEAD_FIELDS:
            raise RuntimeError(f"posture {label!r} moves more than head and body")
    for gesture in GESTURES.values():
        if gesture.field not in FIELD_NAMES:
            raise RuntimeError(f"gesture moves unknown parameter {gesture.field!r}")


_check_tables()
