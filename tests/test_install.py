"""A wheel of the checkout, installed into a fresh virtual environment outside it, is a
working `empath`: the assets travel inside the package and nothing reaches back into the
checkout.

The wheel is built from a copy of the checkout, so the build leaves no `build/` or
`*.egg-info` behind in it. The fresh environment gets the heavy dependencies (llama-cpp-python
compiles for minutes) from the project's environment through a plain path line in a `.pth`
file; that line does not run the project environment's own `.pth` files, so the editable
install of the checkout stays invisible and only the wheel's package can be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the build needs from the checkout: the project file, the README it names, the packages.
SOURCES = ("pyproject.toml", "README.md", "empath_desktop", "training")


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


def _copy_sources(dest: Path) -> None:
    dest.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)


class Install:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.venv = root / "venv"
        self.bin = self.venv / "bin"
        self.src = root / "src"
        self.wheel: Path | None = None

    def env(self) -> dict[str, str]:
        """The user's environment minus anything that points Python at the checkout, with
        private settings and conversations (the model cache stays shared on purpose)."""
        dropped = {"PYTHONPATH", "VIRTUAL_ENV", "EMPATH_ASSETS"}
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env["XDG_CONFIG_HOME"] = str(self.root / "config")
        env["XDG_DATA_HOME"] = str(self.root / "data")
        env["XDG_STATE_HOME"] = str(self.root / "state")
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env

    def run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Runs with the cwd outside the checkout, so the checkout is not on sys.path."""
        return _run(args, cwd=self.root, env=self.env(), **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Install:
    inst = Install(tmp_path_factory.mktemp("install"))
    assert not inst.root.is_relative_to(ROOT)
    _copy_sources(inst.src)
    dist = inst.root / "dist"
    # No build isolation: there is no internet, and the project's environment has setuptools.
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
            str(inst.src),
        ],
        timeout=120,
    )
    (inst.wheel,) = dist.glob("empath_desktop-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(inst.venv)], timeout=60)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(inst.bin / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(inst.wheel),
        ],
        timeout=120,
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    fresh_site = inst.venv / "lib" / version / "site-packages"
    (fresh_site / "project-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return inst


def test_the_wheel_carries_every_asset(installed: Install) -> None:
    assert installed.wheel is not None
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    assets = installed.src / "empath_desktop" / "assets"
    expected = {p.relative_to(installed.src).as_posix() for p in assets.rglob("*") if p.is_file()}
    # Every kind the app reads at run time (an installed adapter, assets/models/*.gguf, too).
    for kind in (
        "personas",
        "prompts",
        "avatars",
        "probe",
        "demos",
        "cartpole/students",
        "cartpole/datasets",
    ):
        assert any(n.startswith(f"empath_desktop/assets/{kind}/") for n in expected), kind
    assert expected <= names, sorted(expected - names)


def test_the_installed_package_is_the_wheels(installed: Install) -> None:
    out = installed.run(
        [
            str(installed.bin / "python"),
            "-c",
            "import empath_desktop; from empath_desktop.resources import assets_dir; "
            "print(empath_desktop.__file__); print(assets_dir())",
        ],
        timeout=60,
    ).stdout.splitlines()
    package, assets = (Path(line) for line in out)
    assert package.is_relative_to(installed.venv), package
    assert assets.is_relative_to(installed.venv) and (assets / "personas").is_dir(), assets


def test_avatar_sheet_from_the_installed_command(installed: Install) -> None:
    out = installed.root / "sheet.png"
    installed.run([str(installed.bin / "empath"), "avatar-sheet", str(out)], timeout=120)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.model
def test_chat_from_the_installed_command(installed: Install, default_model: Path) -> None:
    result = installed.run(
        [str(installed.bin / "empath"), "chat", "--jsonl", "--seed", "1"],
        input="I got the job!\n",
        timeout=300,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    obj = json.loads(lines[0])
    assert obj["user"] == "I got the job!"
    assert obj["react"] and obj["respond"] and obj["reflect"], obj
