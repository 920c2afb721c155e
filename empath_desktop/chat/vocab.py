"""Canonical nonverbal vocabularies (DESIGN.md §3).

Every label here has an avatar preset; `chat.reaction.parse_reaction` maps free react text
onto exactly one expression and one posture from these tuples. The voice produces exactly the
mouth shapes in `VISEMES`, and the avatar draws each of them.
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

# Mouth shapes for lip sync, named after the sounds that make them: silence, closed lips
# (m b p), lip on teeth (f v), narrow (th and most consonants), spread (i e), open (a ʌ ə),
# rounded open (o ɔ) and rounded closed (u w ʃ).
REST_VISEME = "rest"
VISEMES: tuple[str, ...] = (REST_VISEME, "mbp", "fv", "ih", "ee", "aa", "oh", "oo")
