"""The lab's student tooltip shows a file name with markup in it literally."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextDocument

from empath_desktop.ui.lab.cartpole_panel import CartPolePanelWidget
from tests.faults.test_lab_panel_faults import hostile_student  # noqa: F401 - a fixture


def test_the_student_tooltip_shows_the_path_as_written(
    qtbot,
    hostile_student: Path,  # noqa: F811 - the fixture
) -> None:
    panel = CartPolePanelWidget(backend=None, student_path=hostile_student)
    qtbot.addWidget(panel)
    try:
        shown = QTextDocument()
        shown.setHtml(panel._student_label.toolTip())  # a tooltip is rich text when it looks so
        assert shown.toPlainText().replace("\xa0", " ") == str(hostile_student)
    finally:
        panel.shutdown()
