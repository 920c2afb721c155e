"""The LLM persona teacher, `TeacherSpec` (the one parser of teacher spec strings) and
`make_teacher`, which builds any teacher from a spec.

The LLM sees a raw few-shot transcript (base models need no chat template): a fixed prefix
(persona card, the task, worked entries) followed by the verbalised state and ``push-cart:``.
The action is chosen by `Backend.choose` between `` left`` and `` right``: exact log-probability
scoring of the two continuations, so the answer is always one of the two, with no sampling,
retries or silent defaults. The prefix never changes within a run, so the backend's KV prefix
reuse evaluates it once and each decision costs only the few state tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from empath_desktop.chat.prompts import PersonaCard, load_persona
from empath_desktop.lab.policies import (
    ACTION_NAMES,
    SCRIPTED_PERSONAS,
    Decision,
    Policy,
    RandomPolicy,
    ScriptedTeacher,
    scripted_teacher,
)
from empath_desktop.lab.verbalise import VerbaliserName, verbalise
from empath_desktop.llm.backend import Backend, Sampling

logger = logging.getLogger(__name__)

# Worked entries shown to every persona: (observation, thought). Their actions come from the
# cautious scripted persona, a competent demonstration of the task, so persona differences in
# LLM play come from the persona text alone, never from persona-specific examples. Values sit
# well inside the coarse bands so the coarse text never contradicts the shown action.
EXAMPLE_STATES: tuple[tuple[tuple[float, float, float, float], str], ...] = (
    ((0.0, 0.0, 0.03, 0.0), "The pole leans right; I push right to get under it."),
    ((0.0, 0.0, -0.03, 0.0), "The pole leans left; I push left beneath it."),
    ((0.0, 0.05, 0.0, 0.4), "Upright, but it begins to swing right; I push right early."),
    ((0.02, -0.05, 0.0, -0.4), "Upright, yet it swings left; I push left before it falls."),
    (
        (0.2, 0.3, 0.02, -0.5),
        "It leans right but is already swinging back; I ease off with a left push.",
    ),
    ((-0.2, -0.3, -0.02, 0.5), "It leans left but is coming back; a push right steadies it."),
    ((0.05, 0.0, -0.05, 0.3), "Leaning left though swinging right fast; a right push meets it."),
    (
        (-0.15, 0.5, 0.04, 0.1),
        "The pole tips right while the cart rolls right; I keep pushing right.",
    ),
)
# The continuations `choose` scores after "push-cart:"; index i is action i.
OPTIONS: tuple[str, str] = (f" {ACTION_NAMES[0]}", f" {ACTION_NAMES[1]}")
# Greedy decoding: a rationale is a deterministic function of the state, like the action.
RATIONALE_SAMPLING = Sampling(temperature=0.0, top_k=1, repeat_penalty=1.0, seed=0)


def build_prefix(persona: PersonaCard, verbaliser: VerbaliserName, think_aloud: bool) -> str:
    """The fixed part of every prompt: persona, task, and worked entries in the run's text form."""
    demonstrator = ScriptedTeacher(SCRIPTED_PERSONAS["cautious"])
    first_name = persona.name.split()[-1]
    entries = []
    for obs, thought in EXAMPLE_STATES:
        action = ACTION_NAMES[demonstrator.decide(np.asarray(obs)).action]
        reason = f"thought: {thought}\n" if think_aloud else ""
        entries.append(f"{verbalise(obs, verbaliser)}{reason}push-cart: {action}\n")
    temperament = f"At the cart-pole: {persona.temperament}\n" if persona.temperament else ""
    return (
        f"The Cart-Pole Logbook of {persona.name}\n\n"
        f"{persona.description}\n{persona.style}\n{temperament}\n"
        "The apparatus: a cart rolls freely along a straight track and a pole is hinged on top "
        "of it. At every moment the cart must be pushed left or right. Pushing towards the side "
        "the pole leans to brings the cart back under it; the pole must stay upright and the "
        "cart must not run off either end of the track.\n"
        f"Each entry gives the state, {'a one-line thought, ' if think_aloud else ''}"
        f"then the push {first_name} chose.\n\n" + "\n".join(entries) + "\n"
    )


class LLMTeacher:
    """A persona-prompted language model as a `Policy`.

    Decisions are a deterministic function of the verbalised observation (exact scoring, greedy
    rationale), so they are cached per text: with the coarse verbaliser at most 81 distinct
    states ever reach the model. ``queries`` counts real model calls. Each decision holds
    ``backend.lock`` throughout, so a backend shared with the chat stays consistent.
    """

    def __init__(
        self,
        backend: Backend,
        persona: PersonaCard,
        *,
        verbaliser: VerbaliserName = "coarse",
        think_aloud: bool = False,
        cache: bool = True,
        rationale_tokens: int = 32,
    ) -> None:
        self.backend = backend
        self.persona = persona
        self.verbaliser = verbaliser
        self.think_aloud = think_aloud
        self.name = f"llm:{persona.id}"
        self.prefix = build_prefix(persona, verbaliser, think_aloud)
        self.queries = 0
        self._rationale_tokens = rationale_tokens
        self._cache: dict[str, Decision] | None = {} if cache else None

    def reset(self, seed: int) -> None:
        """Decisions do not depend on the episode; present for the `Policy` protocol."""

    def decide(self, obs: np.ndarray) -> Decision:
        state = verbalise(obs, self.verbaliser)
        if self._cache is not None and (hit := self._cache.get(state)) is not None:
            return hit
        with self.backend.lock:
            rationale = ""
            prompt = self.prefix + state
            if self.think_aloud:
                pieces = self.backend.stream(
                    prompt + "thought:",
                    max_tokens=self._rationale_tokens,
                    stop=("\n",),
                    sampling=RATIONALE_SAMPLING,
                )
                rationale = "".join(pieces).strip()
                prompt += f"thought: {rationale}\n"
            action, _logprobs = self.backend.choose(prompt + "push-cart:", OPTIONS)
        self.queries += 1
        decision = Decision(action, rationale)
        if self._cache is not None:
            self._cache[state] = decision
        return decision

    def label(self, obs: np.ndarray) -> np.ndarray:
        return np.array([self.decide(o).action for o in np.reshape(obs, (-1, 4))], dtype=np.int8)


TeacherKind = Literal["random", "scripted", "llm"]


@dataclass(frozen=True, slots=True)
class TeacherSpec:
    """A teacher named by a spec string: ``random``, ``scripted:<id>`` or
    ``llm:<persona id or card path>``. `parse` is the one reader of these strings; ``str()``
    writes one back."""

    kind: TeacherKind
    # The scripted persona id, or the LLM's persona id or card path; '' for random.
    persona: str = ""

    @classmethod
    def parse(cls, spec: str) -> TeacherSpec:
        """Raises ``ValueError`` for a malformed spec (an unknown scripted persona or card is
        found out only when the teacher is made)."""
        kind, _, arg = spec.partition(":")
        if (kind == "random" and not arg) or (kind in ("scripted", "llm") and arg):
            return cls(kind, arg)  # type: ignore[arg-type]
        raise ValueError(
            f"unknown teacher {spec!r}: use 'random', 'scripted:<{'|'.join(SCRIPTED_PERSONAS)}>' "
            "or 'llm:<persona id or card.toml>'"
        )

    @property
    def needs_model(self) -> bool:
        return self.kind == "llm"

    def __str__(self) -> str:
        return f"{self.kind}:{self.persona}" if self.persona else self.kind


def make_teacher(
    spec: str | TeacherSpec,
    *,
    backend: Backend | None = None,
    verbaliser: VerbaliserName = "coarse",
    think_aloud: bool = False,
    seed: int = 0,
) -> Policy:
    """Build a teacher from a spec (a `TeacherSpec` or its string).

    LLM teachers need ``backend``. Raises ``ValueError`` for a malformed spec and ``KeyError``
    for an unknown scripted persona; persona card problems raise ``PersonaError``.
    """
    if isinstance(spec, str):
        spec = TeacherSpec.parse(spec)
    if spec.kind == "random":
        return RandomPolicy(seed)
    if spec.kind == "scripted":
        return scripted_teacher(spec.persona)
    if backend is None:
        raise ValueError(f"teacher {str(spec)!r} needs a language model backend")
    arg = spec.persona
    persona = load_persona(Path(arg) if arg.endswith(".toml") else arg)
    return LLMTeacher(backend, persona, verbaliser=verbaliser, think_aloud=think_aloud)
