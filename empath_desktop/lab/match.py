"""Teacher and student playing the same seeded episodes side by side, one step at a time.

The app's CartPole panel drives a `Match` from a worker thread and shows its `MatchTick`s; the
logic lives here so it runs and is tested without Qt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from empath_desktop.lab.policies import Policy
from empath_desktop.lab.rollout import Step, make_env, play
from empath_desktop.lab.student import MLPStudent
from empath_desktop.lab.verbalise import VerbaliserName, verbalise


@dataclass(frozen=True, slots=True)
class MatchTick:
    """The state of both sides after one lock-step tick.

    ``teacher`` / ``student`` are each side's latest step this episode (``None`` before its
    first step, or without a student); a side whose episode ended keeps its terminal step and
    waits for the other. ``agreement`` is the fraction of the teacher's steps so far this
    episode on which the student picks the teacher's action (``None`` without a student);
    ``text`` is the teacher's latest observation verbalised (what an LLM teacher reads).
    ``episode_over`` marks the last tick of an episode; the next tick starts episode
    ``episode + 1`` from seed ``seed + 1``.
    """

    episode: int
    seed: int
    teacher: Step | None
    student: Step | None
    agreement: float | None
    text: str
    episode_over: bool

    @property
    def teacher_return(self) -> int:
        return 0 if self.teacher is None else self.teacher.t + 1

    @property
    def student_return(self) -> int:
        return 0 if self.student is None else self.student.t + 1


class Match:
    """Episode ``k`` of both sides starts from ``env.reset(seed=seed + k)``."""

    def __init__(
        self,
        teacher: Policy,
        student: MLPStudent | None,
        seed: int,
        verbaliser: VerbaliserName = "coarse",
    ) -> None:
        self.teacher = teacher
        self.student = student
        self.verbaliser = verbaliser
        self._seed0 = seed
        self._envs = (make_env(), make_env())
        self.episode = -1
        self._start_episode()

    @property
    def seed(self) -> int:
        return self._seed0 + self.episode

    def _start_episode(self) -> None:
        self.episode += 1
        self._running: list[Iterator[Step] | None] = [
            play(self._envs[0], self.teacher, self.seed),
            play(self._envs[1], self.student, self.seed) if self.student is not None else None,
        ]
        self._latest: list[Step | None] = [None, None]
        self._agreed = self._compared = 0
        self._text = ""

    def _advance(self, side: int) -> Step | None:
        """The side's next step, or None once its episode is over."""
        steps = self._running[side]
        step = next(steps, None) if steps is not None else None
        if step is None or step.done:
            self._running[side] = None
        if step is not None:
            self._latest[side] = step
        return step

    def tick(self) -> MatchTick:
        """Advance both sides by one step (a finished side waits for the other)."""
        episode, seed = self.episode, self.seed
        teacher_step = self._advance(0)
        self._advance(1)
        if teacher_step is not None:
            self._text = verbalise(teacher_step.obs, self.verbaliser)
            if self.student is not None:
                self._agreed += self.student.act(teacher_step.obs) == teacher_step.action
                self._compared += 1
        agreement = self._agreed / self._compared if self._compared else None
        over = self._running == [None, None]
        tick = MatchTick(episode, seed, *self._latest, agreement, self._text, over)
        if over:
            self._start_episode()
        return tick

    def close(self) -> None:
        for env in self._envs:
            env.close()
