"""`AvatarWidget`: the view that steps an `Animator` at up to 60 Hz and paints its pose."""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QHideEvent, QPainter, QPaintEvent, QPixmap, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QWidget

from empath_desktop.avatar.animator import Animator
from empath_desktop.avatar.look import DEFAULT_LOOK, Look, load_look_or_default
from empath_desktop.avatar.painter import paint_avatar, paint_background

logger = logging.getLogger(__name__)

FRAME_MS = 16  # ~60 Hz; each frame steps by the real elapsed time, so timer jitter never drifts


class AvatarWidget(QWidget):
    """Shows the avatar. Drive it through `animator` (react, set_mode, speech input).

    The timer runs only while the widget is shown. `paintEvent` draws the pose computed by the
    last tick and a cached backdrop; nothing is computed while painting.
    """

    def __init__(
        self,
        animator: Animator | None = None,
        look: str = DEFAULT_LOOK,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._animator = animator if animator is not None else Animator()
        self._look = load_look_or_default(look)
        self._pose = self._animator.pose
        self._backdrop: QPixmap | None = None
        self._last_tick_ns = time.monotonic_ns()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timeout)
        # Every pixel is painted (backdrop first), so Qt need not clear behind us.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    @property
    def animator(self) -> Animator:
        """The animator this widget steps and paints."""
        return self._animator

    @property
    def look(self) -> Look:
        """The appearance in use."""
        return self._look

    def set_look(self, name: str) -> None:
        """Switch to `assets/avatars/<name>.toml`; a missing or bad file falls back (logged)."""
        self._look = load_look_or_default(name)
        self._backdrop = None
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return QSize(480, 480)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        self._last_tick_ns = time.monotonic_ns()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt override)
        self._timer.stop()
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        self._backdrop = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.width() <= 0 or self.height() <= 0:
            return
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cached_backdrop())
        paint_avatar(painter, QRectF(self.rect()), self._pose, self._look)
        painter.end()

    def _on_timeout(self) -> None:
        now = time.monotonic_ns()
        dt = (now - self._last_tick_ns) / 1e9
        self._last_tick_ns = now
        pose = self._animator.step(dt)
        if pose != self._pose:
            self._pose = pose
            self.update()

    def _cached_backdrop(self) -> QPixmap:
        """The gradient backdrop is the costliest fill; it only changes with size and look."""
        if self._backdrop is None:
            ratio = self.devicePixelRatioF()
            pixmap = QPixmap(self.size() * ratio)
            pixmap.setDevicePixelRatio(ratio)
            painter = QPainter(pixmap)
            paint_background(painter, QRectF(self.rect()), self._look)
            painter.end()
            self._backdrop = pixmap
        return self._backdrop
