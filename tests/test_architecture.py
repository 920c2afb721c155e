"""House rules that can be checked mechanically: layering and a Qt-free core."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]


PURE_ROOMS = ("session", "store", "voice", "lab", "chat", "llm", "cli")


def test_core_rooms_and_pose_model_run_without_qt() -> None:
    code = (
        "import pkgutil, sys, importlib\n"
        f"for room in {PURE_ROOMS!r}:\n"
        "    pkg = importlib.import_module('empath_desktop.' + room)\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "import empath_desktop.avatar.animator, empath_desktop.avatar.presets\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
