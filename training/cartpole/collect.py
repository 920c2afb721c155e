"""Record teacher demonstrations: ``python -m training.cartpole collect --teacher llm:newton``.

Writes ``<out>.npz`` + ``<out>.json`` (see `empath_desktop.lab.dataset`). The same
`record` loop collects DAgger's student-driven, teacher-labelled episodes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import numpy as np
from tqdm import tqdm

from empath_desktop.lab.dataset import DatasetMeta, Recorder, save_dataset
from empath_desktop.lab.policies import Policy
from empath_desktop.lab.rollout import make_env, play
from empath_desktop.lab.teachers import LLMTeacher, TeacherSpec, make_teacher
from empath_desktop.lab.verbalise import VerbaliserName
from training.cartpole.cli import parse

logger = logging.getLogger(__name__)

# Evaluation episodes use seeds from here on, far above any training seed, so every policy of
# every run is compared on the same, never-trained-on episodes.
EVAL_SEED0 = 1_000_000_000


def train_seeds(seed: int, round_: int = 0) -> Iterator[int]:
    """Episode seeds for collection round ``round_`` of run ``seed`` (disjoint per round)."""
    return count(seed * 100_000 + round_ * 10_000)


def eval_seeds(episodes: int) -> list[int]:
    return list(range(EVAL_SEED0, EVAL_SEED0 + episodes))


@contextmanager
def open_teacher(
    spec: str | TeacherSpec,
    *,
    model: str = "",
    verbaliser: VerbaliserName = "coarse",
    think_aloud: bool = False,
    seed: int = 0,
    use_adapter: bool = True,
) -> Iterator[tuple[Policy, DatasetMeta]]:
    """The teacher for ``spec`` and the dataset metadata describing it; closes any model after.

    LLM teachers load ``model`` (a GGUF path), or the embedded default when it is empty, with
    the installed EMPATH adapter over it as the app loads it (unless ``use_adapter`` is off).
    """
    teacher_spec = TeacherSpec.parse(spec) if isinstance(spec, str) else spec
    backend, model_file = None, ""
    if teacher_spec.needs_model:
        from empath_desktop.llm.backend import BackendConfig, LlamaBackend
        from empath_desktop.llm.model_files import default_adapter_path, default_model_path

        path = Path(model) if model else default_model_path()
        model_file = path.name
        adapter = default_adapter_path(model) if use_adapter else None
        backend = LlamaBackend(
            BackendConfig(
                model_path=str(path), n_ctx=2048, lora_path=str(adapter) if adapter else None
            )
        )
    try:
        teacher = make_teacher(
            teacher_spec, backend=backend, verbaliser=verbaliser, think_aloud=think_aloud, seed=seed
        )
        if isinstance(teacher, LLMTeacher):
            meta = DatasetMeta(
                teacher=teacher.name,
                persona=teacher.persona.id,
                model=f"{teacher.backend.name} ({model_file})",
                verbaliser=verbaliser,
                think_aloud=think_aloud,
            )
        else:
            # Scripted and random teachers read numbers, not text: no verbaliser to record.
            meta = DatasetMeta(
                teacher=teacher.name, persona=teacher_spec.persona or teacher_spec.kind
            )
        yield teacher, meta
    finally:
        if backend is not None:
            backend.close()


def record(
    recorder: Recorder,
    driver: Policy,
    seeds: Iterator[int],
    labels: int,
    *,
    labeller: Policy | None = None,
    progress: tqdm | None = None,
) -> None:
    """Add episodes of ``driver`` until ``recorder`` holds ``labels`` more steps.

    The last episode is cut to fit the budget. With ``labeller`` (DAgger), the driver's visited
    observations are labelled by it; otherwise the driver's own actions are the labels.
    """
    env = make_env()
    target = len(recorder) + labels
    while len(recorder) < target:
        steps = list(play(env, driver, next(seeds), max_steps=target - len(recorder)))
        visited = np.array([s.obs for s in steps])
        added = recorder.add_episode(
            steps, driver.name, labeller.label(visited) if labeller is not None else None
        )
        if progress is not None:
            progress.update(added)
    env.close()


@dataclass(frozen=True)
class CollectArgs:
    """Record a teacher's (observation, action) pairs for behaviour cloning."""

    teacher: str = "scripted:cautious"
    """random | scripted:<id> | llm:<persona id or card.toml>"""
    labels: int = 5000
    """steps to record; the last episode is cut to fit"""
    verbaliser: VerbaliserName = "coarse"
    """observation text form an LLM teacher reads"""
    think_aloud: bool = False
    """LLM teacher writes a one-line rationale before each action"""
    model: str = ""
    """GGUF file for LLM teachers; empty: the embedded default model"""
    no_adapter: bool = False
    """LLM teachers on the embedded model run without the installed EMPATH adapter"""
    seed: int = 0
    """run seed: episode seeds are derived from it"""
    out: str = "runs/cartpole/data/cautious"
    """output stem (<out>.npz + <out>.json)"""


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse(CollectArgs, argv, prog="python -m training.cartpole collect")
    with open_teacher(
        args.teacher,
        model=args.model,
        verbaliser=args.verbaliser,
        think_aloud=args.think_aloud,
        seed=args.seed,
        use_adapter=not args.no_adapter,
    ) as (teacher, meta):
        recorder = Recorder()
        with tqdm(total=args.labels, desc=f"collect {teacher.name}", unit="step") as bar:
            record(recorder, teacher, train_seeds(args.seed), args.labels, progress=bar)
        dataset = recorder.dataset(meta)
    stem = save_dataset(dataset, args.out)
    print(f"{len(dataset)} steps in {dataset.n_episodes} episodes → {stem}.npz")
    return stem
