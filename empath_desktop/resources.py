"""Where the shipped data files live (persona cards, prompts, avatar looks, datasets)."""

from __future__ import annotations

import os
from pathlib import Path

ASSETS_ENV_VAR = "EMPATH_ASSETS"


def assets_dir() -> Path:
    """The package's `assets/` folder (package data, so a wheel install has it too), or
    $EMPATH_ASSETS when set (tests, or a user's own persona and look files)."""
    override = os.environ.get(ASSETS_ENV_VAR)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent / "assets"
