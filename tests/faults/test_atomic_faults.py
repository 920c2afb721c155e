"""Crash-safe whole-file writes: the target is its old self or its complete new self."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from empath_desktop.atomic import atomic_writer, write_bytes_atomic, write_text_atomic


def test_a_write_that_fails_leaves_the_old_file_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("old = true\n")
    with pytest.raises(OSError) as failure, atomic_writer(target) as f:
        f.write(b"new = ")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert failure.value.errno == errno.ENOSPC
    assert target.read_text() == "old = true\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.toml"]


def test_a_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "export.md"
    write_text_atomic(target, "# één\n")
    write_bytes_atomic(target, b"short")
    assert target.read_bytes() == b"short"
    assert sorted(p.name for p in target.parent.iterdir()) == ["export.md"]


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    # A temporary file's private 0600 must not become the exported file's mode.
    target = tmp_path / "shared.md"
    write_text_atomic(target, "x")
    plain = tmp_path / "plain.md"
    plain.write_text("x")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
