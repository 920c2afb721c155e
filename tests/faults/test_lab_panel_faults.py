"""The Personas lab shows file names and checkpoint metadata as plain text, never markup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from empath_desktop.lab.student import MLPStudent, StudentConfig, save_student
from empath_desktop.ui.lab.cartpole_panel import CartPolePanelWidget

MARKUP = '<h1>HUGE</h1><img src="/etc/hosts">'


@pytest.fixture
def hostile_student(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    config = StudentConfig(hidden=(8,), teacher=MARKUP, persona=MARKUP, algo="<b>bc</b>")
    layers = [
        (rng.normal(size=s).astype(np.float32), rng.normal(size=s[0]).astype(np.float32))
        for s in config.layer_shapes()
    ]
    folder = tmp_path / "<h1>folder</h1>"
    return save_student(MLPStudent(config, layers, np.zeros(4), np.ones(4)), folder / "s")


def test_every_label_of_the_panel_is_plain_text(qtbot, hostile_student: Path) -> None:
    panel = CartPolePanelWidget(backend=None, student_path=hostile_student)
    qtbot.addWidget(panel)
    try:
        assert MARKUP in panel._student_label.text()
        panel.load_student(hostile_student.parent / "missing")  # the error names the file
        assert "<h1>folder</h1>" in panel._status_label.text()
        for label in panel.findChildren(QLabel):
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    finally:
        panel.shutdown()
