"""Verbaliser thresholds: the coarse form's bands and the fine form's numbers."""

from __future__ import annotations

import math

import pytest

from empath_desktop.lab.verbalise import COARSE_BANDS, verbalise


def _line(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name + ":")).split(": ")[1]


@pytest.mark.parametrize("index", range(4))
def test_coarse_bands_switch_just_past_each_threshold(index: int) -> None:
    name, negative, middle, positive, threshold = COARSE_BANDS[index]
    for value, expected in [
        (-threshold * 1.001, negative),
        (-threshold * 0.999, middle),
        (0.0, middle),
        (threshold, middle),  # the middle band is closed
        (threshold * 0.999, middle),
        (threshold * 1.001, positive),
    ]:
        obs = [0.0] * 4
        obs[index] = value
        assert _line(verbalise(obs, "coarse"), name) == expected, (name, value)


def test_coarse_thresholds_are_the_original_ones() -> None:
    assert [band[-1] for band in COARSE_BANDS] == [0.1, 0.1, 0.01, 0.2]


def test_coarse_text_has_four_lines_in_a_fixed_order() -> None:
    text = verbalise((0.5, -0.5, 0.02, -0.3), "coarse")
    assert text == (
        "cart-position: right\ncart-velocity: leftwards\npole-angle: right\n"
        "pole-angular-velocity: leftwards\n"
    )


def test_fine_text_has_numbers_units_and_directions() -> None:
    text = verbalise((0.123, -0.456, math.radians(2.34), math.radians(-10.0)), "fine")
    assert "cart-position: +0.12 m (right)" in text
    assert "cart-velocity: -0.46 m/s (leftwards)" in text
    assert "pole-angle: +2.3 deg (right)" in text
    assert "pole-angular-velocity: -10.0 deg/s (leftwards)" in text


def test_fine_text_never_prints_a_signed_zero_with_a_direction() -> None:
    text = verbalise((-0.001, 0.0, -1e-5, 1e-6), "fine")
    assert "+0.00 m (center)" in text and "+0.0 deg (upright)" in text


def test_unknown_verbaliser_is_refused() -> None:
    with pytest.raises(ValueError, match="coarse, fine"):
        verbalise((0, 0, 0, 0), "poetic")  # type: ignore[arg-type]
