"""User settings: a frozen dataclass persisted as TOML in the user config dir."""

from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

from empath_desktop.llm.model_files import APP_NAME
from empath_desktop.voice.speaker import VoiceConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Settings:
    model_path: str = ""  # empty: the embedded default model
    persona: str = "empath"
    avatar_look: str = "default"
    temperature: float = 0.7
    max_tokens: int = 200
    threads: int = 0  # 0: follow the load, up to the physical cores
    safe_mode: bool = False  # one thread, no memory-mapping, no repacked weights
    # The trained EMPATH adapter over the embedded model, when one is installed
    # (`model_files.default_adapter_path`); False: the plain base model.
    use_adapter: bool = True
    show_reflections: bool = False
    # Long-term memory across conversations (`store.longterm`); False: nothing is kept or
    # recalled, the database is left as it is.
    memory: bool = True
    # The voice, flat as users' settings files have it; `voice_config()` is what the speaker
    # takes.
    voice_enabled: bool = True
    voice_device: str = ""  # empty: the default output device
    voice_name: str = ""  # empty: the persona's own voice
    voice_rate: int = 0  # 0: the persona's own rate
    voice_volume: float = 1.0
    theme: str = "light"

    def voice_config(self) -> VoiceConfig:
        """The voice settings as the speaker takes them (the one translation of the flat keys)."""
        return VoiceConfig(
            enabled=self.voice_enabled,
            voice=self.voice_name or None,
            rate=self.voice_rate or None,
            volume=self.voice_volume,
            output_device=self.voice_device or None,
        )


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; unknown keys are ignored and bad values fall back, with a warning."""
    path = path or settings_path()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return Settings()
    except (OSError, tomllib.TOMLDecodeError) as exc:
        logger.warning("ignoring unreadable settings %s: %s", path, exc)
        return Settings()
    defaults = Settings()
    values = {}
    for f in dataclasses.fields(Settings):
        if f.name not in data:
            continue
        default = getattr(defaults, f.name)
        value = data[f.name]
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is type(default):
            values[f.name] = value
        else:
            logger.warning(
                "settings: %s=%r is not a %s; using default", f.name, value, type(default).__name__
            )
    return Settings(**values)


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash never leaves a half-written settings file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    tmp.write_bytes(tomli_w.dumps(dataclasses.asdict(settings)).encode("utf-8"))
    tmp.replace(path)
