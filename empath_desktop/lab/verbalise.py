"""Observation → text, the only view of the world an LLM teacher gets.

Two forms, chosen per run and recorded with every dataset:

- ``coarse``: the original proof of concept's three-way words per quantity (cart left/center/
  right at ±0.1 m, velocity leftwards/stopped/rightwards at ±0.1 m/s, pole left/upright/right
  at ±0.01 rad, angular velocity leftwards/zero/rightwards at ±0.2 rad/s). Only 81 distinct
  texts exist, so a deterministic teacher on this form is a lookup table.
- ``fine``: the same four lines with signed numbers and units (metres, degrees) plus a direction
  word, so a model that reads numbers can act on magnitudes.

Both forms use the proof of concept's ``name: value`` lines, one per quantity, ending in a
newline, so a prompt is a fixed prefix followed by these lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, get_args

VerbaliserName = Literal["coarse", "fine"]
VERBALISERS: tuple[VerbaliserName, ...] = get_args(VerbaliserName)

# (negative word, middle word, positive word, threshold) per observation component; the middle
# word applies to the closed interval [-threshold, +threshold].
COARSE_BANDS: tuple[tuple[str, str, str, str, float], ...] = (
    ("cart-position", "left", "center", "right", 0.1),
    ("cart-velocity", "leftwards", "stopped", "rightwards", 0.1),
    ("pole-angle", "left", "upright", "right", 0.01),
    ("pole-angular-velocity", "leftwards", "zero", "rightwards", 0.2),
)


def _band(value: float, negative: str, middle: str, positive: str, threshold: float) -> str:
    if value < -threshold:
        return negative
    if value > threshold:
        return positive
    return middle


def _direction(value: float, negative: str, middle: str, positive: str) -> str:
    # Callers pass the value rounded to its printed precision, so "+0.00 m (right)" never appears.
    if value < 0:
        return negative
    if value > 0:
        return positive
    return middle


def verbalise(obs: Sequence[float], kind: VerbaliserName = "coarse") -> str:
    """Describe a CartPole observation ``(x, x_dot, theta, theta_dot)`` as four text lines.

    Values are compared as Python floats of the given numbers (a float32 observation keeps its
    exact float32 value). Raises ``ValueError`` for an unknown ``kind``.
    """
    x, v, theta, omega = (float(value) for value in obs[:4])
    if kind == "coarse":
        words = [
            f"{name}: {_band(value, neg, mid, pos, threshold)}"
            for (name, neg, mid, pos, threshold), value in zip(
                COARSE_BANDS, (x, v, theta, omega), strict=True
            )
        ]
        return "\n".join(words) + "\n"
    if kind == "fine":
        # "+ 0.0" turns a rounded -0.0 into 0.0, which prints without a sign flip.
        x_r, v_r = round(x, 2) + 0.0, round(v, 2) + 0.0
        deg, deg_s = round(math.degrees(theta), 1) + 0.0, round(math.degrees(omega), 1) + 0.0
        return (
            f"cart-position: {x_r:+.2f} m ({_direction(x_r, 'left', 'center', 'right')})\n"
            f"cart-velocity: {v_r:+.2f} m/s "
            f"({_direction(v_r, 'leftwards', 'stopped', 'rightwards')})\n"
            f"pole-angle: {deg:+.1f} deg ({_direction(deg, 'left', 'upright', 'right')})\n"
            f"pole-angular-velocity: {deg_s:+.1f} deg/s "
            f"({_direction(deg_s, 'leftwards', 'zero', 'rightwards')})\n"
        )
    raise ValueError(f"unknown verbaliser {kind!r}; choose one of {', '.join(VERBALISERS)}")
