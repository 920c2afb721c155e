"""User settings: a frozen dataclass persisted as TOML in the user config dir."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

from empath_desktop.atomic import write_text_atomic
from empath_desktop.llm.model_files import APP_NAME
from empath_desktop.voice.speaker import VoiceConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Settings:
    model_path: str = ""  # empty: the embedded default model
    # An OpenAI-compatible server's API root (http(s)://HOST:PORT/v1); non-empty: the model
    # source is that server and `model_path` is kept for switching back. Its API key is never
    # kept here (environment or OS keyring only, `llm.server.resolve_api_key`).
    server_url: str = ""
    server_model: str = ""  # empty: the first model the server lists
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


# The allowed values of the settings that have them; the Settings dialog offers the same.
# A value outside its range falls back to the default (`max_tokens = 100000` would fail every
# turn, `temperature = nan` would sample garbage).
RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "max_tokens": (16, 1024),
    "threads": (0, 64),  # 0: automatic
    "voice_rate": (0, 450),  # words per minute; 0: the persona's own
    "voice_volume": (0.0, 1.0),
}
THEMES: tuple[str, ...] = ("light", "dark")
CHOICES: dict[str, tuple[str, ...]] = {"theme": THEMES}
# Far above any real settings file: a bigger one is not settings, and is not parsed.
MAX_SETTINGS_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class SettingsRead:
    """Settings as read, with `notice`: one paragraph for the user when the file could not be
    used (empty when it could, or when there was none)."""

    settings: Settings
    notice: str = ""


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings (`read_settings`), logging its notice, if any."""
    read = read_settings(path)
    if read.notice:
        logger.warning("%s", read.notice)
    return read.settings


def read_settings(path: Path | None = None) -> SettingsRead:
    """Read settings; unknown keys are ignored and bad values fall back, with a warning.

    A file that is not settings (not UTF-8, not TOML, absurdly big) is renamed to
    `settings.toml.bad-<time>` -- kept for the user, never deleted -- so the next start is
    clean, and the defaults apply; a file that cannot be read at all is left where it is.
    Either way the notice says so.
    """
    path = path or settings_path()
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_SETTINGS_BYTES + 1)
    except FileNotFoundError:
        return SettingsRead(Settings())
    except OSError as exc:
        return SettingsRead(
            Settings(),
            f"Your settings file {path} could not be read ({exc.strerror or exc}), so this run "
            "uses the default settings.",
        )
    try:
        if len(raw) > MAX_SETTINGS_BYTES:
            raise ValueError(f"it is over {MAX_SETTINGS_BYTES // (1 << 20)} MB")
        data = tomllib.loads(raw.decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError and TOMLDecodeError are ValueErrors
        return SettingsRead(Settings(), _set_aside(path, exc))
    return SettingsRead(_from_toml(data))


def _set_aside(path: Path, exc: ValueError) -> str:
    """Move an unusable settings file out of the way; the notice for the user."""
    reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
    aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.replace(aside)
    except OSError as move_exc:
        logger.warning("could not move %s aside: %s", path, move_exc)
        return (
            f"Your settings file {path} could not be used ({reason}), so this run uses the "
            "default settings; saving settings will replace it."
        )
    return (
        f"Your settings file could not be used ({reason}), so the default settings apply. "
        f"It was kept as {aside.name} in {aside.parent}: delete it, or fix it and rename it "
        f"back to {path.name}."
    )


def _from_toml(data: dict[str, object]) -> Settings:
    defaults = Settings()
    values = {}
    for f in dataclasses.fields(Settings):
        if f.name not in data:
            continue
        default = getattr(defaults, f.name)
        value = data[f.name]
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not type(default):
            logger.warning(
                "settings: %s=%r is not a %s; using default", f.name, value, type(default).__name__
            )
        elif not _allowed(f.name, value):
            logger.warning(
                "settings: %s=%r is out of range; using default %r", f.name, value, default
            )
        else:
            values[f.name] = value
    return Settings(**values)


def _allowed(name: str, value: object) -> bool:
    if name in RANGES:
        low, high = RANGES[name]
        assert isinstance(value, int | float)
        return math.isfinite(value) and low <= value <= high
    if name in CHOICES:
        return value in CHOICES[name]
    if name == "server_url":
        return value == "" or is_server_url(str(value))
    return True


def is_server_url(url: str) -> bool:
    """An http(s) URL with a host: the only kind the server backend connects to."""
    scheme, sep, rest = url.strip().partition("://")
    return bool(sep) and scheme.lower() in ("http", "https") and bool(rest.split("/")[0])


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically: a crash never leaves a half-written settings file. Raises OSError."""
    write_text_atomic(path or settings_path(), tomli_w.dumps(dataclasses.asdict(settings)))
