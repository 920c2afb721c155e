"""AvatarWidget: timer-driven, paints what the animator computed, survives any size.

Waits are on conditions with generous timeouts (they only bound a hang); how many frames a
change takes is measured by bench/ui_frames.py and bench/avatar_paint.py, not here."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import QtMsgType

from empath_desktop.avatar.animator import Animator
from empath_desktop.avatar.widget import AvatarWidget
from empath_desktop.chat.reaction import Reaction


@pytest.fixture
def widget(qtbot):
    view = AvatarWidget(Animator(seed=3), look="nova")
    qtbot.addWidget(view)
    view.resize(320, 320)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_timer_steps_the_animator_while_shown(widget, qtbot):
    first = widget.animator.pose
    qtbot.waitUntil(lambda: widget.animator.pose != first, timeout=10_000)
    widget.hide()
    frozen = widget.animator.pose
    widget.repaint()  # painting never advances the animation
    assert widget.animator.pose == frozen


def test_a_reaction_reaches_the_pose_through_the_timer(widget, qtbot):
    before = widget.animator.pose.mouth_corner_l
    widget.animator.react(Reaction("joyful", "open", 0.9))
    qtbot.waitUntil(lambda: widget.animator.pose.mouth_corner_l > before + 0.05, timeout=10_000)
    qtbot.waitUntil(lambda: widget.animator.pose.arm_l_raise > 0.3, timeout=10_000)


def test_resizing_to_tiny_and_huge_sizes_is_safe(widget, qtbot, qtlog):
    for width, height in [(1, 1), (0, 0), (3, 700), (2400, 1600), (200, 200)]:
        widget.resize(width, height)
        image = widget.grab()
        assert image.width() == max(width, 0)
    assert not [r for r in qtlog.records if r.type != QtMsgType.QtDebugMsg]


def test_set_look_switches_and_bad_names_fall_back(widget, caplog):
    widget.set_look("sage")
    assert widget.look.name == "sage"
    with caplog.at_level(logging.WARNING):
        widget.set_look("no-such-look")
    assert widget.look.name == "default"
    assert "no-such-look" in caplog.text
    widget.grab()
