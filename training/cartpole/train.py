"""Train students: ``python -m training.cartpole train --data runs/cartpole/data/cautious``.

Behaviour cloning fits a small MLP with torch (validation split by blocks of consecutive steps,
early stopping on validation loss, class-balanced loss) and exports it to the numpy
`MLPStudent`. DAgger lets the student drive and the teacher label the states it visits, under
a total teacher-label budget. A gradient-boosting classifier is the baseline the proof of
concept used (XGBoost there); it is evaluated in-process and never saved (that would need
pickle).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
from tqdm import tqdm

from empath_desktop.lab.dataset import (
    Dataset,
    DatasetMeta,
    Recorder,
    load_dataset,
    save_dataset,
)
from empath_desktop.lab.policies import Decision, Policy
from empath_desktop.lab.student import MLPStudent, StudentConfig, save_student
from empath_desktop.lab.verbalise import VerbaliserName
from training.cartpole.cli import parse
from training.cartpole.collect import open_teacher, record, train_seeds

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FitConfig:
    """Behaviour-cloning hyper-parameters (defaults are what the README numbers use)."""

    hidden: tuple[int, ...] = (64, 64)
    lr: float = 1e-2
    weight_decay: float = 1e-4
    batch_size: int = 128
    max_epochs: int = 300
    patience: int = 50
    val_fraction: float = 0.2
    block: int = 50  # steps per validation block: neighbouring steps are near-duplicates
    class_balance: bool = True
    seed: int = 0


@dataclass(frozen=True, slots=True)
class FitReport:
    """How a fit went: split sizes, epochs run, and the kept epoch's validation scores."""

    n_train: int
    n_val: int
    epochs: int
    best_epoch: int
    val_loss: float
    val_accuracy: float


def split_blocks(dataset: Dataset, val_fraction: float, block: int, seed: int) -> np.ndarray:
    """A boolean validation mask choosing whole blocks of ``block`` consecutive steps.

    Splitting single steps would put near-identical neighbours on both sides and make the
    validation score useless for early stopping.
    """
    # Small datasets get smaller blocks, so there are always about ten or more to split.
    block = max(1, min(block, len(dataset) // 10))
    groups = dataset.episode.astype(np.int64) * 1_000_000 + dataset.step // block
    unique = np.unique(groups)
    if len(unique) < 2:
        raise ValueError(
            f"need at least 2 blocks of {block} steps to validate, got {len(dataset)} steps"
        )
    rng = np.random.default_rng(seed)
    n_val = min(len(unique) - 1, max(1, round(val_fraction * len(unique))))
    return np.isin(groups, rng.choice(unique, size=n_val, replace=False))


def fit_student(
    dataset: Dataset, config: FitConfig = FitConfig(), *, algo: str = "bc"
) -> tuple[MLPStudent, FitReport]:
    """Behaviour cloning on ``dataset``'s (obs, action) pairs; the best-validation weights win."""
    import torch
    from torch import nn

    torch.manual_seed(config.seed)
    # Tiny matrices: more threads only add synchronisation (and the machine is shared).
    torch.set_num_threads(1)
    val_mask = split_blocks(dataset, config.val_fraction, config.block, config.seed)
    obs = dataset.obs.astype(np.float32)
    mean = obs[~val_mask].mean(axis=0)
    std = np.maximum(obs[~val_mask].std(axis=0), 1e-4)
    x = torch.from_numpy((obs - mean) / std)
    y = torch.from_numpy(dataset.action.astype(np.int64))
    x_train, y_train, x_val, y_val = x[~val_mask], y[~val_mask], x[val_mask], y[val_mask]

    counts = torch.bincount(y_train, minlength=2).clamp(min=1).float()
    weight = counts.sum() / (2 * counts) if config.class_balance else None
    loss_fn = nn.CrossEntropyLoss(weight=weight)

    modules: list[nn.Module] = []
    for n_out, n_in in StudentConfig(hidden=config.hidden).layer_shapes():
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*modules[:-1])
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    generator = torch.Generator().manual_seed(config.seed)

    # Best = fewest validation errors, then lowest loss. Loss alone stops far too early: as the
    # boundary sharpens, the few states right at it cost more loss while accuracy still rises.
    best = ((1.0, float("inf")), 0, [p.detach().clone() for p in model.parameters()])
    epoch = 0
    for epoch in range(1, config.max_epochs + 1):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            optimiser.zero_grad()
            loss_fn(model(x_train[batch]), y_train[batch]).backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            logits = model(x_val)
            val_loss = float(loss_fn(logits, y_val))
            val_acc = float((logits.argmax(dim=1) == y_val).float().mean())
        if (1.0 - val_acc, val_loss) < best[0]:
            best = (
                (1.0 - val_acc, val_loss),
                epoch,
                [p.detach().clone() for p in model.parameters()],
            )
        elif epoch - best[1] >= config.patience:
            break
    (val_error, val_loss), best_epoch, params = best
    val_acc = 1.0 - val_error
    arrays = [p.numpy() for p in params]
    layers = list(zip(arrays[0::2], arrays[1::2], strict=True))
    student_config = StudentConfig(
        hidden=config.hidden,
        teacher=dataset.meta.teacher,
        persona=dataset.meta.persona,
        algo=algo,
        labels=len(dataset),
        seed=config.seed,
    )
    report = FitReport(
        int((~val_mask).sum()), int(val_mask.sum()), epoch, best_epoch, val_loss, val_acc
    )
    logger.info("fit %s on %d steps: %s", algo, len(dataset), report)
    return MLPStudent(student_config, layers, mean, std), report


@dataclass(frozen=True, slots=True)
class DaggerRound:
    labels: int
    fit: FitReport


def dagger(
    teacher: Policy,
    meta: DatasetMeta,
    budget: int,
    *,
    rounds: int = 5,
    config: FitConfig = FitConfig(),
    seed: int = 0,
    progress: bool = False,
) -> tuple[MLPStudent, Dataset, list[DaggerRound]]:
    """DAgger with ``budget`` teacher-labelled steps in total, split evenly over ``rounds``.

    Round 0 records the teacher driving (plain behaviour cloning); every later round lets the
    current student drive and the teacher label the states it visits, then retrains on the
    aggregate. Returns the final student, the aggregated dataset and per-round reports.
    """
    if rounds < 1 or budget < rounds:
        raise ValueError(f"need rounds >= 1 and budget >= rounds, got {rounds=} {budget=}")
    shares = [budget // rounds + (1 if r < budget % rounds else 0) for r in range(rounds)]
    recorder = Recorder()
    history: list[DaggerRound] = []
    student: MLPStudent | None = None
    with tqdm(
        total=budget, desc=f"dagger {teacher.name}", unit="label", disable=not progress
    ) as bar:
        for round_, share in enumerate(shares):
            driver = teacher if student is None else student
            labeller = None if student is None else teacher
            record(
                recorder, driver, train_seeds(seed, round_), share, labeller=labeller, progress=bar
            )
            student, report = fit_student(recorder.dataset(meta), config, algo="dagger")
            history.append(DaggerRound(len(recorder), report))
    assert student is not None  # rounds >= 1
    return student, recorder.dataset(meta), history


class BoostedStudent:
    """Gradient-boosted trees on raw observations (the proof of concept's XGBoost baseline)."""

    def __init__(self, dataset: Dataset, seed: int = 0) -> None:
        from sklearn.ensemble import GradientBoostingClassifier

        self.name = f"student:gboost:{dataset.meta.teacher}"
        self._model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=seed)
        self._model.fit(dataset.obs, dataset.action)

    def reset(self, seed: int) -> None:
        """Deterministic; present for the `Policy` protocol."""

    def label(self, obs: np.ndarray) -> np.ndarray:
        return self._model.predict(np.reshape(obs, (-1, 4))).astype(np.int8)

    def decide(self, obs: np.ndarray) -> Decision:
        return Decision(int(self.label(obs)[0]))


@dataclass(frozen=True)
class TrainArgs:
    """Train a student from a recorded dataset (bc), or by DAgger against a live teacher."""

    data: str = "runs/cartpole/data/cautious"
    """dataset stem to clone (bc)"""
    algo: Literal["bc", "dagger"] = "bc"
    """bc: clone --data; dagger: query --teacher under --labels budget"""
    teacher: str = "scripted:cautious"
    """teacher spec for dagger"""
    labels: int = 5000
    """dagger: total teacher-labelled steps"""
    rounds: int = 5
    """dagger: rounds the budget is split over"""
    verbaliser: VerbaliserName = "coarse"
    """dagger with an LLM teacher: observation text form"""
    model: str = ""
    """dagger with an LLM teacher: GGUF file; empty: the embedded default"""
    hidden: tuple[int, ...] = (64, 64)
    """hidden layer sizes"""
    max_epochs: int = 200
    """epochs at most (early stopping on validation loss)"""
    seed: int = 0
    """seed for the split, initialisation, batches and episodes"""
    out: str = "runs/cartpole/students/cautious-bc"
    """checkpoint stem (<out>.npz + <out>.json)"""


def main(argv: Sequence[str] | None = None) -> Path:
    args = parse(TrainArgs, argv, prog="python -m training.cartpole train")
    config = replace(FitConfig(), hidden=args.hidden, max_epochs=args.max_epochs, seed=args.seed)
    if args.algo == "bc":
        student, report = fit_student(load_dataset(args.data), config)
        print(f"validation accuracy {report.val_accuracy:.4f} after {report.epochs} epochs")
    else:
        with open_teacher(args.teacher, model=args.model, verbaliser=args.verbaliser) as (
            teacher,
            meta,
        ):
            student, aggregate, history = dagger(
                teacher,
                meta,
                args.labels,
                rounds=args.rounds,
                config=config,
                seed=args.seed,
                progress=True,
            )
        save_dataset(aggregate, f"{args.out}.data")
        for r, h in enumerate(history):
            print(f"round {r}: {h.labels} labels, validation accuracy {h.fit.val_accuracy:.4f}")
    stem = save_student(student, args.out)
    print(f"student → {stem}.npz")
    return stem
