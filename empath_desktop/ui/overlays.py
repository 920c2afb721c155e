"""Small overlay widgets: the stage timeline (latency HUD) and the error banner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

STAGE_COLOURS = {
    "react": QColor(240, 160, 60),
    "respond": QColor(70, 150, 230),
    "reflect": QColor(150, 110, 210),
}


@dataclass(frozen=True, slots=True)
class StageSpan:
    """One stage of the current turn, in ms since send; `end` None while running."""

    stage: str
    start: float
    end: float | None


class StageTimelineWidget(QWidget):
    """Draws when react, respond and reflect started and ended, relative to send."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFixedHeight(86)
        self._spans: dict[str, StageSpan] = {}
        self._now_ms = 0.0
        # Repaint running bars at a modest rate only while something is running.
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self.update)

    def reset(self) -> None:
        self._spans.clear()
        self._now_ms = 0.0
        self._timer.stop()
        self.update()

    def stage_started(self, stage: str, ms: float) -> None:
        self._spans[stage] = StageSpan(stage, ms, None)
        self._now_ms = max(self._now_ms, ms)
        self._timer.start()
        self.update()

    def stage_ended(self, stage: str, ms: float) -> None:
        start = self._spans[stage].start if stage in self._spans else ms
        self._spans[stage] = StageSpan(stage, start, ms)
        self._now_ms = max(self._now_ms, ms)
        if all(s.end is not None for s in self._spans.values()):
            self._timer.stop()
        self.update()

    def stop_running(self, ms: float) -> None:
        """End every running bar at `ms` (the turn was stopped or failed)."""
        for stage, span in list(self._spans.items()):
            if span.end is None:
                self.stage_ended(stage, ms)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 20, 28, 170))
        p.drawRoundedRect(QRectF(self.rect()), 8, 8)
        total = max(
            [self._now_ms, 1.0] + [s.end for s in self._spans.values() if s.end is not None]
        )
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        left, label_w, row_h = 8.0, 62.0, 24.0
        width = self.width() - left - label_w - 70.0
        for row, stage in enumerate(("react", "respond", "reflect")):
            y = 6.0 + row * row_h
            p.setPen(QColor(230, 230, 235))
            p.drawText(QRectF(left, y, label_w, row_h), Qt.AlignmentFlag.AlignVCenter, stage)
            span = self._spans.get(stage)
            if span is None:
                continue
            end = span.end if span.end is not None else self._now_ms
            x0 = left + label_w + width * span.start / total
            x1 = left + label_w + width * end / total
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(STAGE_COLOURS[stage])
            p.drawRoundedRect(QRectF(x0, y + 5, max(3.0, x1 - x0), row_h - 10), 3, 3)
            p.setPen(QColor(230, 230, 235))
            running = span.end is None
            label = f"{span.start:.0f} ms…" if running else f"{span.start:.0f}–{end:.0f} ms"
            p.drawText(
                QRectF(x1 + 4, y, 120, row_h), Qt.AlignmentFlag.AlignVCenter, label
            )
        p.end()


class BannerWidget(QFrame):
    """A non-modal message strip; text is shown as plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._action = QPushButton(self)
        self._action.hide()
        self._action.clicked.connect(self._on_action_clicked)
        self._on_action: Callable[[], None] | None = None
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(self._on_close_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._action, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(
        self,
        text: str,
        level: str = "error",
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        """Show `text`; `action` adds one button (label, callback) that also dismisses."""
        colours = {"error": ("#fde8e8", "#8a1c1c"), "info": ("#e8f0fd", "#1c3f8a")}
        bg, fg = colours.get(level, colours["info"])
        self.setStyleSheet(f"#banner {{ background: {bg}; }} QLabel {{ color: {fg}; }}")
        self._label.setText(text)
        self._on_action = action[1] if action else None
        self._action.setText(action[0] if action else "")
        self._action.setVisible(action is not None)
        self.show()

    def trigger_action(self) -> None:
        self._on_action_clicked()

    def _on_action_clicked(self) -> None:
        callback, self._on_action = self._on_action, None
        self.hide()
        if callback is not None:
            callback()

    def text(self) -> str:
        return self._label.text() if self.isVisible() else ""

    def _on_close_clicked(self) -> None:
        self.hide()
