"""Evaluate policies: ``python -m training.cartpole eval --policy runs/cartpole/students/x``.

Returns over seeded episodes, action agreement on a teacher's held-out states, persona
statistics, and the persona-identification test: a classifier trained on the behaviour
statistics of teacher episodes labels student episodes, which tells whether a student learned
*this* persona's way of balancing rather than generic task sense.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from empath_desktop.lab.policies import Policy
from empath_desktop.lab.rollout import (
    FEATURE_NAMES,
    EpisodeStats,
    episode_stats,
    make_env,
    play,
)
from empath_desktop.lab.student import load_student
from empath_desktop.lab.teachers import TeacherSpec
from empath_desktop.lab.verbalise import VerbaliserName
from training.cartpole.cli import parse
from training.cartpole.collect import eval_seeds, open_teacher

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PolicyEval:
    """Episodes of one policy: per-episode statistics plus every visited state and action."""

    name: str
    seeds: tuple[int, ...]
    stats: tuple[EpisodeStats, ...]
    obs: np.ndarray
    actions: np.ndarray

    @property
    def returns(self) -> np.ndarray:
        # CartPole pays 1 per step, so an episode's return is its length.
        return np.array([s.length for s in self.stats], dtype=np.float64)

    def summary(self) -> dict[str, float]:
        """Mean ± std return and the mean of each persona statistic."""
        out = {"episodes": len(self.stats), "return_mean": float(self.returns.mean())}
        out["return_std"] = float(self.returns.std())
        for key in ("switch_rate", "mean_abs_x", "mean_abs_theta"):
            out[key] = float(np.mean([getattr(s, key) for s in self.stats]))
        return out


def evaluate(policy: Policy, seeds: Sequence[int], *, progress: bool = False) -> PolicyEval:
    """Play one episode of ``policy`` per seed."""
    env = make_env()
    stats, all_obs, all_actions = [], [], []
    for seed in tqdm(
        seeds, desc=f"eval {policy.name}", unit="ep", disable=not progress, leave=False
    ):
        steps = list(play(env, policy, seed))
        obs = np.array([s.obs for s in steps], dtype=np.float32)
        actions = np.array([s.action for s in steps], dtype=np.int8)
        stats.append(episode_stats(obs, actions))
        all_obs.append(obs)
        all_actions.append(actions)
    env.close()
    return PolicyEval(
        policy.name,
        tuple(seeds),
        tuple(stats),
        np.concatenate(all_obs),
        np.concatenate(all_actions),
    )


def agreement(policy: Policy, obs: np.ndarray, actions: np.ndarray) -> float:
    """Fraction of ``obs`` on which ``policy`` picks the same action as recorded in ``actions``."""
    return float(np.mean(policy.label(obs) == actions))


def persona_identification(
    teachers: Mapping[str, PolicyEval], students: Mapping[str, Sequence[PolicyEval]]
) -> dict:
    """Train a classifier on teacher episodes' statistics; label each student's episodes.

    ``teachers`` maps persona → that teacher's episodes, ``students`` persona → evaluations of
    students trained on that persona. Features are `EpisodeStats.features` (switch rate, mean
    |x|, mean |θ|, log length), standardised, into a multinomial logistic regression. Returns
    episode-level accuracy overall and per student, and the confusion counts.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    personas = sorted(teachers)
    x = np.array([s.features() for p in personas for s in teachers[p].stats])
    y = np.array([i for i, p in enumerate(personas) for _ in teachers[p].stats])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    classifier.fit(x, y)
    per_student, confusion = {}, {p: {q: 0 for q in personas} for p in personas}
    correct = total = 0
    for persona, evals in students.items():
        for ev in evals:
            predicted = classifier.predict(np.array([s.features() for s in ev.stats]))
            hits = int(np.sum(predicted == personas.index(persona)))
            per_student[ev.name] = hits / len(predicted)
            for i in predicted:
                confusion[persona][personas[i]] += 1
            correct, total = correct + hits, total + len(predicted)
    return {
        "personas": personas,
        "features": list(FEATURE_NAMES),
        "teacher_episodes": len(y),
        "train_accuracy": float(classifier.score(x, y)),
        "accuracy": correct / total if total else float("nan"),
        "per_student": per_student,
        "confusion": confusion,
    }


@dataclass(frozen=True)
class EvalArgs:
    """Mean ± std return and persona statistics of one policy over seeded episodes."""

    policy: str = "scripted:cautious"
    """a student checkpoint stem/path, or a teacher spec"""
    episodes: int = 100
    """evaluation episodes (fixed seeds shared by every run)"""
    verbaliser: VerbaliserName = "coarse"
    """LLM teachers: observation text form"""
    model: str = ""
    """LLM teachers: GGUF file; empty: the embedded default"""
    out: str = ""
    """also write the summary as JSON here"""


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse(EvalArgs, argv, prog="python -m training.cartpole eval")
    seeds = eval_seeds(args.episodes)
    try:
        spec = TeacherSpec.parse(args.policy)
    except ValueError:  # not a teacher: a student checkpoint
        result = evaluate(load_student(args.policy), seeds, progress=True)
    else:
        with open_teacher(spec, model=args.model, verbaliser=args.verbaliser) as (policy, _):
            result = evaluate(policy, seeds, progress=True)
    summary = {"policy": result.name, **result.summary()}
    print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(summary, indent=2) + "\n")
    return summary
