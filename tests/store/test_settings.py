"""Settings on disk: the flat `voice_*` keys users' files have become the speaker's
`VoiceConfig` in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from empath_desktop.store.settings import (
    Settings,
    SettingsRead,
    load_settings,
    read_settings,
    save_settings,
)
from empath_desktop.voice.speaker import VoiceConfig


def test_a_settings_file_with_flat_voice_keys_gives_the_speakers_config(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'persona = "newton"\nvoice_enabled = false\nvoice_device = "Headphones"\n'
        'voice_name = "en-gb"\nvoice_rate = 200\nvoice_volume = 0.5\n',
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.voice_config() == VoiceConfig(
        enabled=False, voice="en-gb", rate=200, volume=0.5, output_device="Headphones"
    )
    save_settings(settings, path)
    assert load_settings(path) == settings


def test_empty_voice_fields_mean_the_personas_voice_and_the_default_device() -> None:
    assert Settings().voice_config() == VoiceConfig()


def test_an_undecodable_settings_file_is_kept_aside_and_the_defaults_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'persona = "\xff\xfe"\n')
    read = read_settings(path)
    assert read.settings == Settings()
    assert not path.exists()
    aside = list(tmp_path.glob("settings.toml.bad-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == b'persona = "\xff\xfe"\n'
    assert aside[0].name in read.notice and "Traceback" not in read.notice
    assert "\n" not in read.notice


def test_a_settings_file_that_is_not_toml_is_kept_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("persona = [unclosed\n", encoding="utf-8")
    read = read_settings(path)
    assert read.settings == Settings() and read.notice
    assert [p.name.startswith("settings.toml.bad-") for p in tmp_path.iterdir()] == [True]


def test_a_missing_settings_file_is_the_defaults_without_a_notice(tmp_path: Path) -> None:
    assert read_settings(tmp_path / "settings.toml") == SettingsRead(Settings(), "")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("max_tokens = 100000", "max_tokens"),
        ("max_tokens = 0", "max_tokens"),
        ("temperature = nan", "temperature"),
        ("temperature = inf", "temperature"),
        ("temperature = -1.0", "temperature"),
        ("threads = -3", "threads"),
        ("voice_volume = 7.5", "voice_volume"),
        ("voice_rate = -10", "voice_rate"),
        ('theme = "purple"', "theme"),
        ("persona = 3", "persona"),
    ],
)
def test_out_of_range_values_fall_back_to_the_default_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str, field: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(f'{text}\navatar_look = "robot"\n', encoding="utf-8")
    settings = load_settings(path)
    assert getattr(settings, field) == getattr(Settings(), field)
    assert settings.avatar_look == "robot"  # the rest of the file still counts
    assert any(field in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_values_inside_their_ranges_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'temperature = 2\nmax_tokens = 1024\nthreads = 0\nvoice_volume = 0.0\ntheme = "dark"\n',
        encoding="utf-8",
    )
    assert load_settings(path) == Settings(
        temperature=2.0, max_tokens=1024, threads=0, voice_volume=0.0, theme="dark"
    )


def test_saving_is_atomic_and_a_failed_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    save_settings(Settings(persona="newton"), path)
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]
    assert load_settings(path).persona == "newton"
    # A folder where the file should be: the final rename fails (as it does on a full or
    # read-only disk, also for root), and nothing is left behind.
    blocked = tmp_path / "blocked" / "settings.toml"
    (blocked / "keep").mkdir(parents=True)
    with pytest.raises(OSError):
        save_settings(Settings(persona="leibniz"), blocked)
    assert [p.name for p in blocked.parent.iterdir()] == ["settings.toml"]
