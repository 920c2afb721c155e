"""Arrays on disk as ``<stem>.npz`` + ``<stem>.json``: integrity-checked, never pickled.

Datasets and student checkpoints share this format. The JSON sidecar is human-readable metadata
plus the sha256 of the npz, so a file changed after it was written (or a npz paired with the
wrong JSON) is refused before any array is used. Arrays load with ``allow_pickle=False``: an
object array in a file is an error, not code execution. A checksum proves integrity, not good
intent, so the sizes an archive declares (its arrays' shapes, its zip directory's uncompressed
sizes) are checked before anything is decompressed: a small file that inflates to gigabytes is
refused unread. Both files are written crash-safely (`empath_desktop.atomic`).
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

import numpy as np

from empath_desktop.atomic import atomic_writer, write_text_atomic

T = TypeVar("T")

FORMAT = "empath-cartpole"
# Far above any real checkpoint (kilobytes) or recorded dataset (megabytes), far below what
# would exhaust a desktop's memory.
MAX_UNCOMPRESSED_BYTES = 512 << 20
MAX_SIDECAR_BYTES = 4 << 20


class ArchiveError(Exception):
    """A file that cannot be used, with a message that names it and says why."""


def stem_of(path: str | Path) -> Path:
    """``run/a.npz``, ``run/a.json`` and ``run/a`` all name the archive ``run/a``."""
    path = Path(path)
    return path.with_suffix("") if path.suffix in (".npz", ".json") else path


def _sha256(path: Path) -> str:
    with path.open("rb") as f:  # streamed: a large file is not read into memory at once
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_archive(path: str | Path, kind: str, arrays: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``arrays`` and JSON-serialisable ``meta`` as a ``kind`` archive; return its stem."""
    stem = stem_of(path)
    npz, sidecar = stem.with_suffix(".npz"), stem.with_suffix(".json")
    with atomic_writer(npz) as f:
        np.savez_compressed(f, **arrays)
    header = {
        "format": FORMAT,
        "kind": kind,
        "npz_sha256": _sha256(npz),
        "arrays": {
            name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()
        },
        "meta": meta,
    }
    write_text_atomic(sidecar, json.dumps(header, indent=2) + "\n")
    return stem


def _read_header(sidecar: Path, kind: str) -> dict[str, Any]:
    try:
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            raise ArchiveError(
                f"{sidecar} is {sidecar.stat().st_size} bytes, too large for a {kind}'s "
                "metadata; refusing to read it."
            )
        header = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
        raise ArchiveError(f"{sidecar} is not readable JSON: {reason}") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("kind") != kind:
        found = header.get("kind") if isinstance(header, dict) else None
        raise ArchiveError(f"{sidecar} is not a {kind} file (found kind {found!r}).")
    return header


def _declared_bytes(sidecar: Path, header: dict[str, Any]) -> dict[str, int]:
    """Bytes of each array the sidecar declares; ArchiveError if the declaration is malformed."""
    arrays = header.get("arrays")
    if not isinstance(arrays, dict):
        raise ArchiveError(f"{sidecar} does not list its arrays.")
    sizes = {}
    for name, spec in arrays.items():
        shape = spec.get("shape") if isinstance(spec, dict) else None
        dtype = spec.get("dtype") if isinstance(spec, dict) else None
        if (
            not isinstance(shape, list)
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
            or not isinstance(dtype, str)
        ):
            raise ArchiveError(f"{sidecar}: array {name!r} has no valid dtype and shape.")
        try:
            itemsize = np.dtype(dtype).itemsize
        except (TypeError, ValueError, OverflowError) as exc:
            raise ArchiveError(f"{sidecar}: array {name!r} has an unknown dtype {dtype!r}") from exc
        sizes[name] = math.prod(shape) * itemsize
    return sizes


def _check_sizes(npz: Path, sidecar: Path, declared: dict[str, int]) -> None:
    """Refuse, before decompressing anything, an archive too large to load or that lies about
    its size: the zip directory's uncompressed sizes must fit the limit and the arrays."""
    limit = f"the limit is {MAX_UNCOMPRESSED_BYTES >> 20} MiB"
    if sum(declared.values()) > MAX_UNCOMPRESSED_BYTES:
        raise ArchiveError(
            f"{sidecar} declares arrays of {sum(declared.values())} bytes uncompressed; {limit}. "
            "Refusing to load it."
        )
    try:
        with zipfile.ZipFile(npz) as z:
            members = z.infolist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{npz} cannot be read as plain arrays: {exc}") from exc
    total = sum(m.file_size for m in members)
    # Each member is one .npy: a small header, then exactly the declared bytes.
    slack = 4096 * max(len(members), 1)
    if total > MAX_UNCOMPRESSED_BYTES or total > sum(declared.values()) + slack:
        raise ArchiveError(
            f"{npz} would expand to {total} bytes uncompressed, but {sidecar.name} declares "
            f"{sum(declared.values())} bytes of arrays ({limit}). Refusing to load it."
        )


def read_archive(path: str | Path, kind: str) -> tuple[dict[str, np.ndarray], dict]:
    """Read an archive written by `write_archive` as ``(arrays, meta)``.

    Raises `ArchiveError` if a file is missing, the JSON is not an archive of ``kind``, the npz
    does not match its recorded sha256, would expand beyond `MAX_UNCOMPRESSED_BYTES` or beyond
    what the JSON declares (checked before decompressing), or the arrays differ from the
    recorded names, dtypes and shapes. Content checks specific to ``kind`` are the caller's.
    """
    stem = stem_of(path)
    npz, sidecar = stem.with_suffix(".npz"), stem.with_suffix(".json")
    for required in (sidecar, npz):
        if not required.is_file():
            raise ArchiveError(f"{required} is missing: a {kind} is a .npz with a .json beside it.")
    header = _read_header(sidecar, kind)
    if _sha256(npz) != header.get("npz_sha256"):
        raise ArchiveError(
            f"{npz} does not match the checksum recorded in {sidecar.name}: the file was modified "
            f"or replaced after it was written. Refusing to load a tampered {kind}."
        )
    _check_sizes(npz, sidecar, _declared_bytes(sidecar, header))
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ArchiveError(f"{npz} cannot be read as plain arrays: {exc}") from exc
    expected = header["arrays"]
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
    meta = header.get("meta", {})
    if not isinstance(meta, dict):
        raise ArchiveError(f"{sidecar}: the metadata is not a JSON object.")
    return arrays, meta


def meta_as(cls: type[T], meta: dict[str, Any], origin: str) -> T:
    """The dataclass `cls` built from an archive's metadata, every field type-checked.

    Raises `ArchiveError` naming the field for an unknown field, a missing required one or a
    value of the wrong type (``"false"`` is not a bool; ``1.5`` is not an int; a `Literal`
    field takes only its listed values). Lists become the tuples a field declares.
    """
    hints = get_type_hints(cls)
    unknown = sorted(set(meta) - set(hints))
    if unknown:
        raise ArchiveError(f"{origin}: unknown metadata fields {unknown}.")
    values = {
        name: _typed(value, hints[name], f"{origin}: metadata field {name!r}")
        for name, value in meta.items()
    }
    try:
        return cls(**values)
    except TypeError as exc:  # a required field is missing
        raise ArchiveError(f"{origin}: incomplete metadata ({exc}).") from exc


def _typed(value: Any, hint: Any, what: str) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        if isinstance(value, str) and value in get_args(hint):
            return value
        raise ArchiveError(f"{what} is {value!r}; expected one of {list(get_args(hint))}.")
    if origin is tuple:
        (item, _ellipsis) = get_args(hint)
        if not isinstance(value, list | tuple):
            raise ArchiveError(f"{what} is {value!r}; expected a list.")
        return tuple(_typed(v, item, what) for v in value)
    # bool is an int to Python, never to a file's reader.
    if type(value) is not hint and not (hint is float and type(value) is int):
        raise ArchiveError(f"{what} is {value!r}; expected {hint.__name__}.")
    return value
