"""The contact sheet: one labelled PNG of every expression and posture."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage

from empath_desktop.avatar.sheet import SheetError, render_contact_sheet


def test_sheet_is_written_with_a_cell_per_preset(qapp, tmp_path):
    out = render_contact_sheet(tmp_path / "sub" / "sheet.png", look="sage", size=64)
    image = QImage(str(out))
    assert out == tmp_path / "sub" / "sheet.png"
    assert image.width() == 7 * 64
    assert image.height() > 4 * 64  # 2 rows of expressions, 2 of postures, plus headers


def test_unknown_look_is_a_clear_error(qapp, tmp_path):
    with pytest.raises(SheetError, match="no look 'purple'"):
        render_contact_sheet(tmp_path / "x.png", look="purple", size=32)
    assert not (tmp_path / "x.png").exists()
