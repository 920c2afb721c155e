"""Seeded CartPole episodes as iterators of frozen step records, and per-episode statistics.

`play` is the one rollout loop: recording, evaluation, DAgger and the app's panel all consume it,
so "the observation an action was chosen on" means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from empath_desktop.lab.policies import Policy

ENV_ID = "CartPole-v1"


def make_env() -> gym.Env:
    """A fresh CartPole-v1 (500-step time limit), no rendering: the panel draws from state."""
    return gym.make(ENV_ID)


@dataclass(frozen=True, slots=True)
class Step:
    """One transition. ``action`` was decided on ``obs``; ``next_obs`` is what it led to.

    Arrays are read-only: records are shared between threads and must not change under a reader.
    """

    seed: int
    t: int
    obs: np.ndarray
    action: int
    rationale: str
    next_obs: np.ndarray
    terminated: bool
    truncated: bool

    @property
    def done(self) -> bool:
        return self.terminated or self.truncated


def _frozen(obs: np.ndarray) -> np.ndarray:
    obs = np.array(obs, dtype=np.float32)
    obs.setflags(write=False)
    return obs


def play(env: gym.Env, policy: Policy, seed: int, max_steps: int | None = None) -> Iterator[Step]:
    """Run one episode of ``policy`` from ``env.reset(seed=seed)``, yielding every step.

    Stops at termination, truncation (the 500-step limit) or after ``max_steps`` steps. The
    reward is not part of a step: students never see it, and a CartPole return is the length.
    """
    obs, _ = env.reset(seed=seed)
    obs = _frozen(obs)
    policy.reset(seed)
    t = 0
    while max_steps is None or t < max_steps:
        decision = policy.decide(obs)
        next_obs, _reward, terminated, truncated, _info = env.step(decision.action)
        next_obs = _frozen(next_obs)
        yield Step(
            seed, t, obs, decision.action, decision.rationale, next_obs, terminated, truncated
        )
        if terminated or truncated:
            return
        obs = next_obs
        t += 1


@dataclass(frozen=True, slots=True)
class EpisodeStats:
    """Behaviour of one episode, the features that tell personas apart.

    ``switch_rate``: fraction of steps whose action differs from the previous one; ``mean_abs_x``
    (m) and ``mean_abs_theta`` (rad) average over the observations actions were chosen on.
    """

    length: int
    switch_rate: float
    mean_abs_x: float
    mean_abs_theta: float

    def features(self) -> tuple[float, float, float, float]:
        return (self.switch_rate, self.mean_abs_x, self.mean_abs_theta, float(np.log(self.length)))


FEATURE_NAMES: tuple[str, ...] = ("switch_rate", "mean_abs_x", "mean_abs_theta", "log_length")


def episode_stats(obs: np.ndarray, actions: np.ndarray) -> EpisodeStats:
    """Statistics of one episode from its aligned ``(n, 4)`` observations and ``(n,)`` actions."""
    obs = np.asarray(obs, dtype=np.float64).reshape(-1, 4)
    actions = np.asarray(actions)
    if len(obs) == 0 or len(obs) != len(actions):
        raise ValueError(
            f"need aligned non-empty arrays, got {len(obs)} obs, {len(actions)} actions"
        )
    switches = float(np.mean(actions[1:] != actions[:-1])) if len(actions) > 1 else 0.0
    return EpisodeStats(
        length=len(actions),
        switch_rate=switches,
        mean_abs_x=float(np.mean(np.abs(obs[:, 0]))),
        mean_abs_theta=float(np.mean(np.abs(obs[:, 2]))),
    )
