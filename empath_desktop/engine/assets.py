"""Where the shipped data files live (persona cards, prompts, avatar looks, datasets)."""

from __future__ import annotations

import os
from pathlib import Path

ASSETS_ENV_VAR = "EMPATH_ASSETS"


def assets_dir() -> Path:
    """The `assets/` folder of the checkout, or $EMPATH_ASSETS when set (packaged installs)."""
    override = os.environ.get(ASSETS_ENV_VAR)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "assets"
