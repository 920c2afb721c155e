"""Crash-safe file writes: a file is either its old self or its complete new self, never half.

Every whole-file write of user data (exports, checkpoints, datasets, the assembled model,
remembered verdicts) goes through `atomic_writer`: write a temporary file in the same folder,
flush and fsync it, `os.replace` it over the target, then fsync the folder so the rename itself
survives a power cut. A failure at any step (a full disk, a crash) leaves the old file as it was
and removes the temporary one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


def fsync_dir(directory: Path) -> None:
    """Make the folder's entries (a new or renamed file) durable.

    POSIX only: Windows cannot open a folder, and NTFS journals the rename itself.
    """
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path`'s new content into; it replaces `path` on a clean exit.

    The parent folder is created. If the block raises, `path` is untouched and the temporary
    file is removed; the exception propagates.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    # Not mkstemp: its 0600 would become the target's mode; 0666 lets the umask decide, as for
    # any file the user's programs create.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` crash-safely (see `atomic_writer`)."""
    with atomic_writer(path) as f:
        f.write(data)


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Replace `path` with `text` crash-safely (see `atomic_writer`)."""
    write_bytes_atomic(path, text.encode(encoding))
