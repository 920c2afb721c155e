"""Recorded teacher demonstrations: aligned (observation, action) pairs with their provenance.

Alignment is by construction: a row is one `Step`, whose ``obs`` is the observation the action
was chosen on (the proof of concept paired each action with the *next* episode's observations
after the first reset). ``executed`` is what was done in the environment, ``action`` the
teacher's label: equal when the teacher drove, different where a student drove and the teacher
only labelled (DAgger). Replaying ``executed`` from ``episode_seed`` reproduces ``obs`` exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gymnasium
import numpy as np

from empath_desktop.lab.archive import ArchiveError, meta_as, read_archive, write_archive
from empath_desktop.lab.rollout import ENV_ID, Step

logger = logging.getLogger(__name__)

KIND = "cartpole-dataset"


@dataclass(frozen=True, slots=True)
class DatasetMeta:
    """Who produced the labels and how they saw the world.

    ``teacher`` is the policy name (``llm:newton``, ``scripted:cautious``, ``random``),
    ``persona`` its persona id, ``model`` the GGUF file name for LLM teachers (else ``""``),
    ``verbaliser`` the observation-to-text form the teacher read (``""`` if it read numbers).
    """

    teacher: str
    persona: str
    model: str = ""
    verbaliser: str = ""
    think_aloud: bool = False
    env_id: str = ENV_ID
    gymnasium_version: str = gymnasium.__version__
    notes: str = ""


@dataclass(frozen=True)
class Dataset:
    """Per-step arrays of length n and per-episode arrays of length e (read-only).

    Steps: ``obs`` (n, 4) float32, ``action`` (n,) int8 teacher label, ``executed`` (n,) int8,
    ``episode`` (n,) int32 index into the episode arrays, ``step`` (n,) int32 time index,
    ``rationale`` (n,) str. Episodes: ``episode_seed`` int64, ``episode_driver`` str (the policy
    that chose the executed actions), ``episode_done`` bool (ended by the environment rather than
    cut short by a budget), ``final_obs`` (e, 4) float32 (the observation after the last step).
    """

    meta: DatasetMeta
    obs: np.ndarray
    action: np.ndarray
    executed: np.ndarray
    episode: np.ndarray
    step: np.ndarray
    rationale: np.ndarray
    episode_seed: np.ndarray
    episode_driver: np.ndarray
    episode_done: np.ndarray
    final_obs: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.action)

    @property
    def n_episodes(self) -> int:
        return len(self.episode_seed)

    def episode_rows(self, index: int) -> slice:
        """Rows of episode ``index`` (episodes are stored contiguously, in order)."""
        rows = np.flatnonzero(self.episode == index)
        return slice(int(rows[0]), int(rows[-1]) + 1) if len(rows) else slice(0, 0)

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ARRAY_DTYPES}


_ARRAY_DTYPES: dict[str, str] = {
    "obs": "float32",
    "action": "int8",
    "executed": "int8",
    "episode": "int32",
    "step": "int32",
    "rationale": "U",
    "episode_seed": "int64",
    "episode_driver": "U",
    "episode_done": "bool",
    "final_obs": "float32",
}


class DatasetError(ArchiveError):
    """A dataset file or array set that is inconsistent, with what is wrong."""


def _validated(meta: DatasetMeta, arrays: dict[str, np.ndarray], origin: str) -> Dataset:
    """Build a `Dataset`, checking kinds, shapes and alignment; ``DatasetError`` otherwise."""
    for name, kind in _ARRAY_DTYPES.items():
        array = arrays.get(name)
        if array is None:
            raise DatasetError(f"{origin}: array {name!r} is missing.")
        wrong = (array.dtype.kind != "U") if kind == "U" else (array.dtype != np.dtype(kind))
        if wrong:
            raise DatasetError(f"{origin}: array {name!r} is {array.dtype}, expected {kind}.")
    n, e = len(arrays["action"]), len(arrays["episode_seed"])
    shapes = {
        "obs": (n, 4), "action": (n,), "executed": (n,), "episode": (n,), "step": (n,),
        "rationale": (n,), "episode_seed": (e,), "episode_driver": (e,), "episode_done": (e,),
        "final_obs": (e, 4),
    }  # fmt: skip
    for name, shape in shapes.items():
        if arrays[name].shape != shape:
            raise DatasetError(
                f"{origin}: {name} has shape {arrays[name].shape}, expected {shape}."
            )
    episode, step = arrays["episode"], arrays["step"]
    if n and (
        episode[0] != 0
        or np.any(np.diff(episode) < 0)
        or np.any(np.diff(episode) > 1)
        or episode[-1] != e - 1
        or np.any(step[np.r_[True, np.diff(episode) == 1]] != 0)
        or np.any(np.diff(step)[np.diff(episode) == 0] != 1)
    ):
        raise DatasetError(f"{origin}: rows are not contiguous episodes with steps 0, 1, 2, …")
    if not (np.isin(arrays["action"], (0, 1)).all() and np.isin(arrays["executed"], (0, 1)).all()):
        raise DatasetError(f"{origin}: actions must be 0 (left) or 1 (right).")
    if not np.isfinite(arrays["obs"]).all():
        raise DatasetError(f"{origin}: observations contain NaN or infinity.")
    for array in arrays.values():
        array.setflags(write=False)
    return Dataset(meta=meta, **{name: arrays[name] for name in _ARRAY_DTYPES})


class Recorder:
    """Accumulates episodes into a `Dataset`.

    ``add_episode(steps, driver)`` stores what ``driver`` did; pass ``labels`` (the teacher's
    actions for the same observations) when the driver is not the teacher.
    """

    def __init__(self) -> None:
        self._steps: list[Step] = []
        self._labels: list[int] = []
        self._episode: list[int] = []
        self._seeds: list[int] = []
        self._drivers: list[str] = []
        self._done: list[bool] = []
        self._final: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._steps)

    def add_episode(
        self, steps: Iterable[Step], driver: str, labels: Iterable[int] | None = None
    ) -> int:
        """Record one episode's steps (at least one); return how many were added."""
        steps = list(steps)
        if not steps:
            raise ValueError("an episode needs at least one step")
        labels = [s.action for s in steps] if labels is None else [int(a) for a in labels]
        if len(labels) != len(steps):
            raise ValueError(f"{len(labels)} labels for {len(steps)} steps")
        index = len(self._seeds)
        self._steps += steps
        self._labels += labels
        self._episode += [index] * len(steps)
        self._seeds.append(steps[0].seed)
        self._drivers.append(driver)
        self._done.append(steps[-1].done)
        self._final.append(steps[-1].next_obs)
        return len(steps)

    def dataset(self, meta: DatasetMeta) -> Dataset:
        steps = self._steps
        arrays = {
            "obs": np.array([s.obs for s in steps], dtype=np.float32).reshape(-1, 4),
            "action": np.array(self._labels, dtype=np.int8),
            "executed": np.array([s.action for s in steps], dtype=np.int8),
            "episode": np.array(self._episode, dtype=np.int32),
            "step": np.array([s.t for s in steps], dtype=np.int32),
            "rationale": np.array([s.rationale for s in steps], dtype=str),
            "episode_seed": np.array(self._seeds, dtype=np.int64),
            "episode_driver": np.array(self._drivers, dtype=str),
            "episode_done": np.array(self._done, dtype=bool),
            "final_obs": np.array(self._final, dtype=np.float32).reshape(-1, 4),
        }
        return _validated(meta, arrays, "recorded dataset")


def save_dataset(dataset: Dataset, path: str | Path) -> Path:
    """Write ``<stem>.npz`` + ``<stem>.json``; return the stem."""
    stem = write_archive(path, KIND, dataset.arrays(), asdict(dataset.meta))
    logger.info("saved %d steps in %d episodes to %s", len(dataset), dataset.n_episodes, stem)
    return stem


def load_dataset(path: str | Path) -> Dataset:
    """Load a dataset saved by `save_dataset` (``path`` may name the .npz, the .json or the stem).

    Raises `DatasetError` (an `ArchiveError`) for missing, tampered or inconsistent files.
    """
    try:
        arrays, meta = read_archive(path, KIND)
    except DatasetError:
        raise
    except ArchiveError as exc:
        raise DatasetError(str(exc)) from exc
    try:
        dataset_meta = meta_as(DatasetMeta, meta, str(path))
    except ArchiveError as exc:
        raise DatasetError(str(exc)) from exc
    return _validated(dataset_meta, arrays, str(path))


def concat(datasets: Iterable[Dataset], meta: DatasetMeta) -> Dataset:
    """One dataset holding the episodes of all ``datasets`` in order (DAgger's aggregate)."""
    parts = list(datasets)
    if not parts:
        raise ValueError("nothing to concatenate")
    arrays: dict[str, np.ndarray] = {}
    offsets = np.cumsum([0] + [d.n_episodes for d in parts[:-1]])
    for name, kind in _ARRAY_DTYPES.items():
        pieces = [getattr(d, name) for d in parts]
        if name == "episode":
            pieces = [p + offset for p, offset in zip(pieces, offsets, strict=True)]
        joined = np.concatenate(pieces)
        # Text arrays keep the widest width; integer offsets must not widen the stored dtypes.
        arrays[name] = joined if kind == "U" else joined.astype(kind)
    return _validated(meta, arrays, "concatenated dataset")
