"""The student: a small MLP that acts on raw observations, run with numpy alone.

Training (torch) lives in ``training/cartpole``; the app only ever loads a checkpoint and runs
it here, so no torch import is on that path. A checkpoint is an archive (see `archive`):
``<stem>.npz`` with ``layer{i}.weight`` (out, in) / ``layer{i}.bias`` (out,) in torch's layout
plus ``obs_mean`` / ``obs_std``, and ``<stem>.json`` with the `StudentConfig`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np

from empath_desktop.lab.archive import ArchiveError, meta_as, read_archive, write_archive
from empath_desktop.lab.policies import Decision

logger = logging.getLogger(__name__)

KIND = "cartpole-student"
OBS_DIM, N_ACTIONS = 4, 2


class CheckpointError(ArchiveError):
    """A student checkpoint that cannot be used (missing, tampered, wrong shape, not finite)."""


@dataclass(frozen=True, slots=True)
class StudentConfig:
    """Architecture and provenance of a student.

    ``algo`` is how it was trained (``bc`` or ``dagger``), ``teacher`` the teacher policy's name,
    ``labels`` how many teacher-labelled steps it saw.
    """

    hidden: tuple[int, ...] = (64, 64)
    activation: Literal["relu", "tanh"] = "relu"
    teacher: str = ""
    persona: str = ""
    algo: str = "bc"
    labels: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        # Checked here, not only on load: any other value would silently run as tanh.
        if self.activation not in ("relu", "tanh"):
            raise ValueError(f"activation is {self.activation!r}; expected 'relu' or 'tanh'")
        if not all(type(h) is int and h > 0 for h in self.hidden):
            raise ValueError(f"hidden sizes {self.hidden!r} are not positive whole numbers")

    def layer_shapes(self) -> list[tuple[int, int]]:
        """(out, in) per linear layer, input to output."""
        sizes = [OBS_DIM, *self.hidden, N_ACTIONS]
        return [(n_out, n_in) for n_in, n_out in pairwise(sizes)]


class MLPStudent:
    """A `Policy` computing ``argmax(MLP((obs - mean) / std))`` in float32 numpy.

    The normalisation is folded into the first layer and the two output logits into one
    difference at construction, so `act` is a handful of tiny matmuls (well under 20 µs).
    """

    def __init__(
        self,
        config: StudentConfig,
        layers: list[tuple[np.ndarray, np.ndarray]],
        obs_mean: np.ndarray,
        obs_std: np.ndarray,
    ) -> None:
        shapes = config.layer_shapes()
        if len(layers) != len(shapes):
            raise CheckpointError(
                f"expected {len(shapes)} layers for {config.hidden}, got {len(layers)}"
            )
        for i, ((weight, bias), shape) in enumerate(zip(layers, shapes, strict=True)):
            if weight.shape != shape or bias.shape != (shape[0],):
                raise CheckpointError(
                    f"layer {i} has weight {weight.shape} and bias {bias.shape}, expected "
                    f"{shape} and {(shape[0],)} for hidden sizes {config.hidden}"
                )
        if obs_mean.shape != (OBS_DIM,) or obs_std.shape != (OBS_DIM,):
            raise CheckpointError(f"obs_mean/obs_std must have shape ({OBS_DIM},)")
        arrays = [a for layer in layers for a in layer] + [obs_mean, obs_std]
        if not all(np.isfinite(a).all() for a in arrays) or not (obs_std > 0).all():
            raise CheckpointError("weights or normalisation contain NaN/inf or a non-positive std")
        self.config = config
        self.name = f"student:{config.algo}:{config.teacher or 'unknown'}"
        # Stored as float32 (what a checkpoint holds) and folded from those values, so a
        # saved-and-loaded student computes bit for bit what the original did.
        self.layers = [(w.astype(np.float32), b.astype(np.float32)) for w, b in layers]
        self.obs_mean = obs_mean.astype(np.float32)
        self.obs_std = obs_std.astype(np.float32)

        # Folded, transposed copies for inference: x @ W + b with x the raw observation.
        mats = [(w.T.astype(np.float64), b.astype(np.float64)) for w, b in self.layers]
        first_w, first_b = mats[0]
        scale = 1.0 / self.obs_std.astype(np.float64)
        mats[0] = (first_w * scale[:, None], first_b - (self.obs_mean * scale) @ first_w)
        last_w, last_b = mats[-1]
        self._hidden = [(w.astype(np.float32), b.astype(np.float32)) for w, b in mats[:-1]]
        self._diff_w = (last_w[:, 1] - last_w[:, 0]).astype(np.float32)
        self._diff_b = np.float32(last_b[1] - last_b[0])
        self._relu = config.activation == "relu"

    def reset(self, seed: int) -> None:
        """Students are deterministic; present for the `Policy` protocol."""

    def _features(self, x: np.ndarray) -> np.ndarray:
        for w, b in self._hidden:
            x = x @ w
            x += b
            if self._relu:
                np.maximum(x, 0.0, out=x)
            else:
                np.tanh(x, out=x)
        return x

    def margin(self, obs: np.ndarray) -> np.ndarray:
        """``logit(right) - logit(left)`` for a batch ``(n, 4)``: positive means push right."""
        x = np.asarray(obs, dtype=np.float32).reshape(-1, OBS_DIM)
        return self._features(x) @ self._diff_w + self._diff_b

    def label(self, obs: np.ndarray) -> np.ndarray:
        return (self.margin(obs) > 0).astype(np.int8)

    def act(self, obs: np.ndarray) -> int:
        """The action for one observation (the hot path: batch 1, no allocations beyond numpy's)."""
        return int(self._features(np.asarray(obs, dtype=np.float32)) @ self._diff_w > -self._diff_b)

    def decide(self, obs: np.ndarray) -> Decision:
        return Decision(self.act(obs))


def save_student(student: MLPStudent, path: str | Path) -> Path:
    """Write ``<stem>.npz`` + ``<stem>.json``; return the stem."""
    arrays: dict[str, np.ndarray] = {"obs_mean": student.obs_mean, "obs_std": student.obs_std}
    for i, (weight, bias) in enumerate(student.layers):
        arrays[f"layer{i}.weight"] = weight
        arrays[f"layer{i}.bias"] = bias
    stem = write_archive(path, KIND, arrays, asdict(student.config))
    logger.info("saved student %s to %s", student.name, stem)
    return stem


def load_student(path: str | Path) -> MLPStudent:
    """Load a checkpoint (``path`` may name the .npz, the .json or the stem).

    Raises `CheckpointError` with a message naming the file and the problem: missing files,
    a tampered npz (checksum mismatch), a npz that would expand too far, metadata of the wrong
    type or an unknown activation, arrays of the wrong shape for the recorded architecture, or
    non-finite weights.
    """
    try:
        arrays, meta = read_archive(path, KIND)
        config = meta_as(StudentConfig, meta, str(path))
        layers = [
            (arrays[f"layer{i}.weight"], arrays[f"layer{i}.bias"])
            for i in range(len(config.hidden) + 1)
        ]
        return MLPStudent(config, layers, arrays["obs_mean"], arrays["obs_std"])
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from exc
    except ArchiveError as exc:
        raise CheckpointError(str(exc)) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a valid student checkpoint: {exc!r}") from exc
