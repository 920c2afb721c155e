"""Settings on disk: the flat `voice_*` keys users' files have become the speaker's
`VoiceConfig` in one place."""

from __future__ import annotations

from pathlib import Path

from empath_desktop.store.settings import Settings, load_settings, save_settings
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
