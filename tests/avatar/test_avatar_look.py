"""Looks: the shipped TOML files load; bad or missing files give clear errors or fall back."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from empath_desktop.avatar.look import (
    Look,
    LookError,
    available_looks,
    load_look,
    load_look_or_default,
    looks_dir,
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_at_least_two_clearly_different_looks_ship():
    names = available_looks()
    assert {"default", "nova", "sage"} <= set(names)
    looks = [load_look(name) for name in names]
    assert len({look.colors.skin for look in looks}) == len(looks)
    assert len({look.hair_style for look in looks}) >= 2


def test_default_file_spells_out_the_built_in_look():
    assert load_look("default") == Look()
    assert (looks_dir() / "default.toml").is_file()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = 'x\n", "cannot read look"),
        ("[colors]\nskin = 'pink'\n", "colors.skin must be a '#rrggbb'"),
        ("[colors]\nskinn = '#ffffff'\n", "unknown key(s) skinn in [colors]"),
        ("[proportions]\neye_size = 3.0\n", "proportions.eye_size = 3.0 is outside"),
        ("[proportions]\neye_size = true\n", "must be a number"),
        ("hair_style = 'mohawk'\n", "hair_style must be one of"),
        ("glasses = 'yes'\n", "glasses must be true or false"),
        ("colors = 3\n", "[colors] must be a table"),
        ("wings = true\n", "unknown key(s) wings"),
    ],
)
def test_bad_files_are_reported_with_their_path(tmp_path, text, message):
    path = write(tmp_path, "broken", text)
    with pytest.raises(LookError) as error:
        load_look("broken", tmp_path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_missing_and_malicious_names_are_errors(tmp_path):
    write(tmp_path, "only", "")
    with pytest.raises(LookError, match=r"does not exist \(available: only\)"):
        load_look("nope", tmp_path)
    with pytest.raises(LookError, match="invalid look name"):
        load_look("../default", tmp_path)


def test_partial_files_take_the_built_in_values(tmp_path):
    write(tmp_path, "mint", "title = 'Mint'\n[colors]\nclothing = '#00ff88'\n")
    look = load_look("mint", tmp_path)
    assert look.name == "mint" and look.title == "Mint" and look.colors.clothing == "#00ff88"
    assert look.colors.skin == Look().colors.skin and look.proportions == Look().proportions


def test_fallback_logs_and_never_fails(tmp_path, caplog):
    write(tmp_path, "default", "title = 'Fallback'\n")
    write(tmp_path, "broken", "[colors]\nskin = 1\n")
    with caplog.at_level(logging.WARNING):
        assert load_look_or_default("broken", tmp_path).title == "Fallback"
        assert load_look_or_default("missing", tmp_path / "nowhere") == Look()
    assert "broken.toml" in caplog.text and "using the built-in look" in caplog.text
