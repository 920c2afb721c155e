"""Rendering: every preset draws, every pair of faces looks different, any size is safe."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PySide6.QtGui import QImage

from empath_desktop.avatar.look import available_looks, load_look
from empath_desktop.avatar.pose import Pose
from empath_desktop.avatar.presets import snapshot
from empath_desktop.avatar.sheet import render_pose
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

SIZE = 160
# A pixel "changed" when some channel moved by more than 40/255, well above antialiasing noise
# on an edge that shifts by a fraction of a pixel.
CHANNEL_STEP = 40
# At this size the eyes, brows and mouth cover about 4 % of the picture; telling two faces
# apart at a glance needs a visible change in at least a quarter of that, so 1 % of pixels.
# (The closest pair of shipped presets is above 2 %.)
MIN_CHANGED = 0.01


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1, 4)
    return rows[:, : image.width(), :3].astype(np.int16)


def changed(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.abs(a - b).max(axis=2) > CHANNEL_STEP).mean())


@pytest.fixture(scope="module")
def renders(qapp):
    look = load_look("default")
    backdrop = pixels(render_pose(Pose(), look, SIZE))
    faces = {e: pixels(render_pose(snapshot(e, "neutral"), look, SIZE)) for e in EXPRESSIONS}
    bodies = {p: pixels(render_pose(snapshot("neutral", p), look, SIZE)) for p in POSTURES}
    return backdrop, faces, bodies


def test_every_preset_renders_a_character(renders):
    _, faces, bodies = renders
    for label, image in {**faces, **bodies}.items():
        assert image.std() > 20, label  # not a flat fill
        assert (image.max(axis=2) < 90).mean() > 0.01, label  # dark outlines were drawn


@pytest.mark.parametrize("group", ["expressions", "postures"])
def test_every_pair_looks_different(renders, group):
    _, faces, bodies = renders
    images = faces if group == "expressions" else bodies
    for a, b in itertools.combinations(images, 2):
        assert changed(images[a], images[b]) > MIN_CHANGED, (a, b)


def test_looks_render_differently(qapp):
    images = [pixels(render_pose(Pose(), load_look(name), SIZE)) for name in available_looks()]
    for a, b in itertools.combinations(images, 2):
        assert changed(a, b) > 0.2


@pytest.mark.parametrize(("width", "height"), [(1, 1), (2, 600), (900, 3), (1500, 400)])
def test_any_size_renders(qapp, width, height):
    image = render_pose(snapshot("joyful", "open"), load_look("nova"), width, height)
    assert image.width() == width and image.height() == height
