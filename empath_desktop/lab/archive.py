"""Arrays on disk as ``<stem>.npz`` + ``<stem>.json``: integrity-checked, never pickled.

Datasets and student checkpoints share this format. The JSON sidecar is human-readable metadata
plus the sha256 of the npz, so a file changed after it was written (or a npz paired with the
wrong JSON) is refused before any array is used. Arrays load with ``allow_pickle=False``: an
object array in a file is an error, not code execution.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "empath-cartpole"


class ArchiveError(Exception):
    """A file that cannot be used, with a message that names it and says why."""


def stem_of(path: str | Path) -> Path:
    """``run/a.npz``, ``run/a.json`` and ``run/a`` all name the archive ``run/a``."""
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".npz", ".json") else path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(path: Path, write: Any) -> None:
    # Write beside the target then rename, so a crash never leaves half a file under the name.
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_archive(path: str | Path, kind: str, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` as a ``kind`` archive; return its stem."""
    stem = stem_of(path)
    stem.parent.mkdir(parents=True, exist_ok=True)
    npz, sidecar = stem.with_suffix(".npz"), stem.with_suffix(".json")

    def write_npz(target: Path) -> None:
        with target.open("wb") as f:
            np.savez_compressed(f, **arrays)

    _write_atomic(npz, write_npz)
    header = {
        "format": FORMAT,
        "kind": kind,
        "npz_sha256": _sha256(npz),
        "arrays": {
            name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()
        },
        "meta": meta,
    }
    _write_atomic(sidecar, lambda target: target.write_text(json.dumps(header, indent=2) + "\n"))
    return stem


def read_archive(path: str | Path, kind: str) -> tuple[dict[str, np.ndarray], dict]:
    """Read an archive written by `write_archive` as ``(arrays, meta)``.

    Raises `ArchiveError` if a file is missing, the JSON is not an archive of ``kind``, the npz
    does not match its recorded sha256, or the arrays differ from the recorded names, dtypes and
    shapes. Content checks specific to ``kind`` are the caller's.
    """
    stem = stem_of(path)
    npz, sidecar = stem.with_suffix(".npz"), stem.with_suffix(".json")
    for required in (sidecar, npz):
        if not required.is_file():
            raise ArchiveError(f"{required} is missing: a {kind} is a .npz with a .json beside it.")
    try:
        header = json.loads(sidecar.read_text())
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{sidecar} is not readable JSON: {exc}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("kind") != kind:
        found = header.get("kind") if isinstance(header, dict) else None
        raise ArchiveError(f"{sidecar} is not a {kind} file (found kind {found!r}).")
    if _sha256(npz) != header.get("npz_sha256"):
        raise ArchiveError(
            f"{npz} does not match the checksum recorded in {sidecar.name}: the file was modified "
            f"or replaced after it was written. Refusing to load a tampered {kind}."
        )
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{npz} cannot be read as plain arrays: {exc}") from exc
    expected = header.get("arrays", {})
    if set(arrays) != set(expected):
        raise ArchiveError(
            f"{npz} holds arrays {sorted(arrays)}, but {sidecar.name} lists {sorted(expected)}."
        )
    for name, array in arrays.items():
        spec = expected[name]
        if array.dtype.str != spec["dtype"] or list(array.shape) != spec["shape"]:
            raise ArchiveError(
                f"{npz}: array {name!r} is {array.dtype.str}{list(array.shape)}, "
                f"but {sidecar.name} records {spec['dtype']}{spec['shape']}."
            )
    return arrays, header.get("meta", {})
