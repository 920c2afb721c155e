"""Real file-system faults without root on the host: a child Python in a private user and
mount namespace (`unshare -rm`) with a small tmpfs mounted where the test wants it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT_S = 120


def _can_unshare() -> str:
    """'' when `unshare -rm` can mount a tmpfs here, else why not."""
    if os.name != "posix" or shutil.which("unshare") is None:
        return "no unshare(1) on this system"
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode != 0:
        return f"unprivileged mount namespaces are unavailable: {probe.stderr.strip()}"
    return ""


def run_in_small_tmpfs(
    code: str, workdir: Path, *, options: str = "size=1m"
) -> subprocess.CompletedProcess[str]:
    """Run `code` in a child Python where `MOUNT` (a Path) is a fresh tmpfs mounted with
    `options`; skips the test where namespaces are not allowed (containers, some CI)."""
    if reason := _can_unshare():
        pytest.skip(reason)
    mount = workdir / "mnt"
    mount.mkdir()
    script = workdir / "child.py"
    script.write_text(f"from pathlib import Path\nMOUNT = Path({str(mount)!r})\n{code}")
    return subprocess.run(
        [
            "unshare", "-rm", "sh", "-c",
            f'mount -t tmpfs -o {options} tmpfs "$1" && exec "$2" "$3"',
            "sh", str(mount), sys.executable, str(script),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
