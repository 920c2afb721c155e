"""Settings files that are not settings (undecodable, not TOML, 50 MB, out of range, a folder),
a config folder that cannot be written, on real files: the defaults start with one paragraph,
the bad file is kept aside byte for byte, never deleted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from empath_desktop.store.settings import Settings, read_settings, save_settings
from tests.faults.sandbox import run_in_small_tmpfs

BAD_FILES = {
    "undecodable": b"persona = '\xff\xfe'\n",
    "not_toml": b"persona = [unclosed\n",
    "binary": bytes(range(256)) * 64,
    "huge": b"# " + b"x" * (50 * 1024 * 1024) + b"\n",
    "nul_bytes": b"\x00" * 4096,
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_file_that_is_not_settings_is_kept_aside_and_the_defaults_start(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(BAD_FILES[kind])
    read = read_settings(path)
    assert read.settings == Settings()
    assert read.notice and "\n" not in read.notice and "Traceback" not in read.notice
    (aside,) = tmp_path.glob("settings.toml.bad-*")
    assert aside.read_bytes() == BAD_FILES[kind]
    assert aside.name in read.notice
    assert read_settings(path).notice == ""  # the next start is clean


def test_out_of_range_values_in_a_real_file_fall_back_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "max_tokens = 100000\ntemperature = nan\nthreads = 100000\nvoice_volume = -inf\n"
        'theme = "neon"\npersona = "newton"\n',
        encoding="utf-8",
    )
    read = read_settings(path)
    assert read.settings == Settings(persona="newton")
    assert read.notice == "" and path.exists()  # a settings file, only some values wrong


def test_a_folder_where_the_settings_file_should_be_is_one_paragraph(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()
    read = read_settings(path)
    assert read.settings == Settings() and "could not be read" in read.notice
    assert path.is_dir()  # not ours to move


def test_saving_into_a_read_only_config_folder_fails_cleanly(tmp_path: Path) -> None:
    """A real read-only file system (a tmpfs mounted read-only in a private namespace)."""
    result = run_in_small_tmpfs(
        "from empath_desktop.store.settings import Settings, save_settings\n"
        "import errno, sys\n"
        "try:\n"
        "    save_settings(Settings(persona='newton'), MOUNT / 'empath' / 'settings.toml')\n"
        "except OSError as exc:\n"
        "    print('refused', errno.errorcode[exc.errno])\n",
        tmp_path,
        options="ro,size=64k",
    )
    assert result.stdout.strip() == "refused EROFS", result.stderr[-2000:]


def test_saving_on_a_full_disk_keeps_the_old_settings_whole(tmp_path: Path) -> None:
    result = run_in_small_tmpfs(
        "from empath_desktop.store.settings import Settings, save_settings, read_settings\n"
        "path = MOUNT / 'settings.toml'\n"
        "save_settings(Settings(persona='newton'), path)\n"
        "(MOUNT / 'filler').write_bytes(b'x' * (64 * 1024 - 4096))\n"
        "try:\n"
        "    save_settings(Settings(persona='x' * 200_000), path)\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n"
        "print(read_settings(path).settings.persona, sorted(p.name for p in MOUNT.iterdir()))\n",
        tmp_path,
        options="size=64k",
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("refused"), result.stderr[-2000:]
    assert lines[1] == "newton ['filler', 'settings.toml']"


@pytest.mark.model
def test_empath_chat_starts_on_a_50_mb_settings_file(default_model) -> None:
    from empath_desktop.store.settings import settings_path

    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(BAD_FILES["huge"])
    result = subprocess.run(
        [sys.executable, "-m", "empath_desktop", "chat", "--jsonl", "--seed", "1"],
        input=b"hello\n",
        capture_output=True,
        timeout=300,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout.splitlines()) == 1
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and "over 1 MB" in stderr
    assert save_settings(Settings(), path) is None  # the folder is usable again
