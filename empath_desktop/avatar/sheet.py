"""Offscreen rendering: one pose to a QImage, or every preset to a labelled contact sheet.

Needs a QGuiApplication for fonts; `render_contact_sheet` makes an offscreen one if the
process has none (so the CLI works without a display).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPainterPath, QPen

from empath_desktop.atomic import write_bytes_atomic
from empath_desktop.avatar.look import DEFAULT_LOOK, Look, LookError, load_look
from empath_desktop.avatar.painter import paint_avatar, paint_background
from empath_desktop.avatar.pose import Pose
from empath_desktop.avatar.presets import GESTURES, snapshot
from empath_desktop.chat.vocab import EXPRESSIONS, POSTURES

logger = logging.getLogger(__name__)

_COLUMNS = 7
_TEXT = QColor("#3a2f2b")


class SheetError(Exception):
    """The contact sheet cannot be made (unknown look, unwritable output); one paragraph."""


def render_pose(pose: Pose, look: Look, width: int, height: int | None = None) -> QImage:
    """The pose on its backdrop as a `width` x `height` (default square) ARGB image."""
    image = QImage(width, height or width, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    rect = QRectF(image.rect())
    paint_background(painter, rect, look)
    paint_avatar(painter, rect, pose, look)
    painter.end()
    return image


def render_contact_sheet(
    out_path: Path, look: str | None = None, size: int = 240, intensity: float = 0.75
) -> Path:
    """Render every expression and posture, labelled, into one PNG at `out_path`.

    `look` names a file in `assets/avatars/` (default look when None); `size` is the side of
    one cell in pixels. Returns `out_path`, written crash-safely. Raises `SheetError` for a look
    that cannot be loaded or an output that cannot be written.
    """
    app = QGuiApplication.instance() or QGuiApplication(["empath", "-platform", "offscreen"])
    try:
        chosen = load_look(look or DEFAULT_LOOK)
    except LookError as exc:
        raise SheetError(f"Cannot draw the contact sheet: {exc}.") from exc
    label_h = max(int(size * 0.16), 12)
    header_h = max(int(size * 0.28), 18)
    rows_e = -(-len(EXPRESSIONS) // _COLUMNS)
    rows_p = -(-len(POSTURES) // _COLUMNS)
    cell_h = size + label_h
    width = _COLUMNS * size
    height = header_h * 3 + (rows_e + rows_p) * cell_h
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#fbf8f4"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    title = f"{chosen.title} ({chosen.name}) — intensity {intensity:g}"
    _text(painter, QRectF(0, 0, width, header_h), title, header_h * 0.5, bold=True)
    top = float(header_h)
    for heading, labels, cell_pose in (
        ("Expressions", EXPRESSIONS, lambda label: snapshot(label, "neutral", intensity)),
        ("Postures", POSTURES, lambda label: snapshot("neutral", label, intensity)),
    ):
        _text(painter, QRectF(0, top, width, header_h), heading, header_h * 0.42, bold=True)
        top += header_h
        for i, label in enumerate(labels):
            x, y = (i % _COLUMNS) * size, top + (i // _COLUMNS) * cell_h
            cell = QRectF(x + 3, y + 3, size - 6, size - 6)
            paint_background(painter, cell, chosen)
            paint_avatar(painter, cell, cell_pose(label), chosen)
            if label in GESTURES:
                _motion_hint(painter, cell, vertical=GESTURES[label].field == "head_pitch")
            _text(painter, QRectF(x, y + size, size, label_h), label, label_h * 0.6)
        top += -(-len(labels) // _COLUMNS) * cell_h
    painter.end()
    png = QBuffer()
    png.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(png, "PNG")
    try:
        write_bytes_atomic(out_path, bytes(png.data()))
    except OSError as exc:
        raise SheetError(
            f"Could not write the contact sheet to {out_path}: {exc.strerror or exc}. Choose a "
            "file in a folder you can write to."
        ) from exc
    logger.info("contact sheet for look %r written to %s", chosen.name, out_path)
    del app  # kept alive until the image is written
    return out_path


def _text(painter: QPainter, rect: QRectF, text: str, pixels: float, bold: bool = False) -> None:
    font = QFont()
    font.setPixelSize(max(int(pixels), 8))
    font.setBold(bold)
    painter.setFont(font)
    painter.setPen(_TEXT)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _motion_hint(painter: QPainter, cell: QRectF, vertical: bool) -> None:
    """A double arrow beside the head: this posture is a motion, shown at its first peak."""
    s = cell.width() / 1000.0
    c = QPointF(cell.left() + 905.0 * s, cell.top() + 330.0 * s)
    span = 70.0 * s
    a, b = (
        (QPointF(c.x(), c.y() - span), QPointF(c.x(), c.y() + span))
        if vertical
        else (QPointF(c.x() - span, c.y()), QPointF(c.x() + span, c.y()))
    )
    path = QPainterPath(a)
    path.lineTo(b)
    head = 22.0 * s
    for tip, back in ((a, b), (b, a)):
        dx, dy = (tip.x() - back.x()) / (2 * span), (tip.y() - back.y()) / (2 * span)
        path.moveTo(tip.x() - dx * head - dy * head, tip.y() - dy * head + dx * head)
        path.lineTo(tip)
        path.lineTo(tip.x() - dx * head + dy * head, tip.y() - dy * head - dx * head)
    painter.save()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for color, width in ((QColor("#ffffff"), 16.0), (_TEXT, 8.0)):
        pen = QPen(color, max(width * s, 1.5))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPath(path)
    painter.restore()
