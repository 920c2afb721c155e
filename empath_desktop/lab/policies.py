"""Who pushes the cart: the policy protocol, the random baseline and scripted persona teachers.

Every policy maps an observation to an action (0 = push left, 1 = push right) and nothing else:
no reward, no memory of earlier steps. That keeps teacher and student comparable, since a
student sees only the raw observation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

LEFT, RIGHT = 0, 1
ACTION_NAMES: tuple[str, str] = ("left", "right")


@dataclass(frozen=True, slots=True)
class Decision:
    """One chosen action, with the teacher's one-line rationale when it gave one."""

    action: int
    rationale: str = ""


class Policy(Protocol):
    """A CartPole controller.

    ``reset(seed)`` is called at the start of every episode with that episode's seed, so any
    randomness a policy has is reproducible per episode. ``decide`` acts on one observation;
    ``label`` returns the actions for a batch of observations (shape ``(n, 4)`` → ``(n,)`` int8)
    and is what teachers use to label states they did not visit themselves (DAgger, agreement).
    """

    name: str

    def reset(self, seed: int) -> None: ...

    def decide(self, obs: np.ndarray) -> Decision: ...

    def label(self, obs: np.ndarray) -> np.ndarray: ...


class RandomPolicy:
    """Uniformly random pushes, seeded per episode: the floor every teacher must beat."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def reset(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def decide(self, obs: np.ndarray) -> Decision:
        return Decision(int(self._rng.integers(2)))

    def label(self, obs: np.ndarray) -> np.ndarray:
        return self._rng.integers(2, size=len(obs)).astype(np.int8)


@dataclass(frozen=True, slots=True)
class ScriptedPersona:
    """A deterministic, rule-based personality: ground truth for persona-extraction experiments.

    The persona pushes right when ``weights · obs > 0``. Inside the dead band
    ``|weights · obs| < late_band`` it has not reacted yet and keeps the cart rolling the way it
    already goes (push in the direction of the cart's velocity), which is what lets it drift.
    """

    id: str
    name: str
    temperament: str
    weights: tuple[float, float, float, float]
    late_band: float = 0.0


SCRIPTED_PERSONAS: dict[str, ScriptedPersona] = {
    persona.id: persona
    for persona in (
        ScriptedPersona(
            id="cautious",
            name="Cautious",
            temperament=(
                "Corrects at the first hint of a lean, anticipates the pole's swing and steers "
                "the cart back to the centre of the track."
            ),
            weights=(0.1, 0.3, 1.0, 0.3),
        ),
        ScriptedPersona(
            id="reckless",
            name="Reckless",
            temperament=(
                "Ignores the pole until it leans past about six degrees and meanwhile lets the "
                "cart roll on wherever it is heading."
            ),
            weights=(0.0, 0.0, 1.0, 0.1),
            late_band=0.1,
        ),
    )
}


class ScriptedTeacher:
    """A `ScriptedPersona` as a `Policy` (deterministic, vectorised labelling)."""

    def __init__(self, persona: ScriptedPersona) -> None:
        self.persona = persona
        self.name = f"scripted:{persona.id}"
        self._weights = np.asarray(persona.weights, dtype=np.float64)

    def reset(self, seed: int) -> None:
        """Scripted personas have no randomness; present for the `Policy` protocol."""

    def label(self, obs: np.ndarray) -> np.ndarray:
        obs = np.asarray(obs, dtype=np.float64).reshape(-1, 4)
        score = obs @ self._weights
        actions = score > 0
        if self.persona.late_band > 0:
            actions = np.where(np.abs(score) < self.persona.late_band, obs[:, 1] > 0, actions)
        return actions.astype(np.int8)

    def decide(self, obs: np.ndarray) -> Decision:
        return Decision(int(self.label(obs)[0]))


def scripted_teacher(persona_id: str) -> ScriptedTeacher:
    """The scripted teacher for ``persona_id``; ``KeyError`` names the known ids."""
    try:
        return ScriptedTeacher(SCRIPTED_PERSONAS[persona_id])
    except KeyError:
        known = ", ".join(SCRIPTED_PERSONAS)
        raise KeyError(f"unknown scripted persona {persona_id!r}; known: {known}") from None
