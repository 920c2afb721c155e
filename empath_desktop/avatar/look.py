"""Avatar looks: colours, proportions and hair style, read from `assets/avatars/<name>.toml`.

Pure (no Qt): colours stay `#rrggbb` strings here and become QColors in the painter. Every key
is optional and defaults to the built-in look (which `default.toml` spells out in full);
unknown keys, wrong types and out-of-range numbers are errors, so a typo is reported rather
than silently ignored.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from empath_desktop.resources import assets_dir

logger = logging.getLogger(__name__)

DEFAULT_LOOK = "default"
HAIR_STYLES: tuple[str, ...] = ("bob", "curls", "short")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
PROPORTION_RANGE = (0.6, 1.5)


class LookError(ValueError):
    """A look file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Colors:
    """Flat colours of the character; shades and highlights are derived from them."""

    skin: str = "#f5c9a6"
    hair: str = "#5b3522"
    iris: str = "#6a4a2f"
    clothing: str = "#2f8f89"
    trim: str = "#f6ead8"  # collar and cuffs
    mouth: str = "#6e2430"  # inside of the mouth
    lips: str = "#b4574f"  # the lip line
    blush: str = "#ff7f7a"
    line: str = "#3a2420"  # outlines, lashes, brows' darkest edge
    background_inner: str = "#fff6ea"
    background_outer: str = "#f4d9c4"


@dataclass(frozen=True, slots=True)
class Proportions:
    """Scale factors relative to the built-in character (1.0), each within PROPORTION_RANGE."""

    head_size: float = 1.0
    face_width: float = 1.0
    eye_size: float = 1.0
    eye_spacing: float = 1.0
    mouth_size: float = 1.0
    brow_thickness: float = 1.0
    neck_length: float = 1.0
    shoulder_width: float = 1.0


@dataclass(frozen=True, slots=True)
class Look:
    """One character's appearance. `name` is the file stem; `title` is for people."""

    name: str = DEFAULT_LOOK
    title: str = "Ada"
    hair_style: str = "bob"
    glasses: bool = False
    colors: Colors = Colors()
    proportions: Proportions = Proportions()


def looks_dir() -> Path:
    """Where look files live: `assets/avatars/`."""
    return assets_dir() / "avatars"


def available_looks(directory: Path | None = None) -> list[str]:
    """Names of the shipped looks (file stems), sorted; what `load_look` accepts."""
    folder = looks_dir() if directory is None else directory
    return sorted(path.stem for path in folder.glob("*.toml") if _NAME.fullmatch(path.stem))


def load_look(name: str, directory: Path | None = None) -> Look:
    """Read `<directory>/<name>.toml`. Raises LookError saying what is wrong and where."""
    if not _NAME.fullmatch(name):
        raise LookError(f"invalid look name {name!r}: use lowercase letters, digits, - and _")
    path = (looks_dir() if directory is None else directory) / f"{name}.toml"
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        known = ", ".join(available_looks(path.parent)) or "none"
        raise LookError(f"no look {name!r}: {path} does not exist (available: {known})") from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LookError(f"cannot read look {path}: {error}") from error
    try:
        return _parse(name, data)
    except LookError as error:
        raise LookError(f"bad look {path}: {error}") from None


def load_look_or_default(name: str, directory: Path | None = None) -> Look:
    """`load_look`, falling back to the default look (logged) so the avatar always shows."""
    try:
        return load_look(name, directory)
    except LookError as error:
        logger.warning("%s; using the default look", error)
    if name != DEFAULT_LOOK:
        try:
            return load_look(DEFAULT_LOOK, directory)
        except LookError as error:
            logger.warning("%s; using the built-in look", error)
    return Look()


def _parse(name: str, data: dict[str, Any]) -> Look:
    _check_keys(data, {"title", "hair_style", "glasses", "colors", "proportions"}, "")
    builtin = Look()
    title = data.get("title", builtin.title)
    hair_style = data.get("hair_style", builtin.hair_style)
    glasses = data.get("glasses", builtin.glasses)
    if not isinstance(title, str):
        raise LookError("title must be a string")
    if hair_style not in HAIR_STYLES:
        raise LookError(f"hair_style must be one of {', '.join(HAIR_STYLES)}, not {hair_style!r}")
    if not isinstance(glasses, bool):
        raise LookError("glasses must be true or false")
    return Look(
        name=name,
        title=title,
        hair_style=hair_style,
        glasses=glasses,
        colors=Colors(**_colors(_table(data, "colors"))),
        proportions=Proportions(**_proportions(_table(data, "proportions"))),
    )


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise LookError(f"[{key}] must be a table")
    return table


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise LookError(f"unknown key(s) {', '.join(unknown)} {where}".rstrip())


def _colors(table: dict[str, Any]) -> dict[str, str]:
    _check_keys(table, {f.name for f in fields(Colors)}, "in [colors]")
    for key, value in table.items():
        if not isinstance(value, str) or not _COLOR.fullmatch(value):
            raise LookError(f"colors.{key} must be a '#rrggbb' string, not {value!r}")
    return table


def _proportions(table: dict[str, Any]) -> dict[str, float]:
    _check_keys(table, {f.name for f in fields(Proportions)}, "in [proportions]")
    low, high = PROPORTION_RANGE
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LookError(f"proportions.{key} must be a number, not {value!r}")
        if not low <= value <= high:
            raise LookError(f"proportions.{key} = {value} is outside [{low}, {high}]")
    return {key: float(value) for key, value in table.items()}
