"""Canonical nonverbal vocabularies (DESIGN.md §3).

Every label here has an avatar preset; `engine.reaction.parse_reaction` maps free react text
onto exactly one expression and one posture from these tuples.
"""

from __future__ import annotations

EXPRESSIONS: tuple[str, ...] = (
    "neutral",
    "happy",
    "joyful",
    "amused",
    "sad",
    "concerned",
    "surprised",
    "curious",
    "thoughtful",
    "confused",
    "angry",
    "afraid",
    "embarrassed",
)

POSTURES: tuple[str, ...] = (
    "neutral",
    "lean_forward",
    "lean_back",
    "upright",
    "slumped",
    "head_tilt",
    "nod",
    "head_shake",
    "shrug",
    "open",
    "closed",
)

# Valence in [-1, 1] per expression: used by the consistency reward and by reflections.
VALENCE: dict[str, float] = {
    "neutral": 0.0,
    "happy": 0.6,
    "joyful": 0.9,
    "amused": 0.5,
    "sad": -0.7,
    "concerned": -0.3,
    "surprised": 0.1,
    "curious": 0.3,
    "thoughtful": 0.1,
    "confused": -0.2,
    "angry": -0.8,
    "afraid": -0.7,
    "embarrassed": -0.3,
}
