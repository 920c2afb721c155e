"""Draws a `Pose` with QPainter: a flat-vector bust, resolution independent.

Geometry lives on a 1000 x 1000 design canvas (y down) mapped onto the target rectangle; the
figure stands on its bottom edge and the torso runs past it, so any aspect ratio is covered.
Nothing here keeps state between frames except the palette cache per look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPen,
    QRadialGradient,
    QTransform,
)

from empath_desktop.avatar.look import Look
from empath_desktop.avatar.pose import Pose

# The part of the design canvas that is shown: head and shoulders, with room to lean and shrug.
_VIEW_SIDE = 860.0
_VIEW_BOTTOM = 1010.0
_HEAD_CENTER = QPointF(500.0, 490.0)
_HEAD_TOP = -205.0  # head-local y of the crown of the skull
_CHIN = 195.0  # head-local y of the chin with the jaw closed
_EYE_Y = 18.0
_NO_PEN = QPen(Qt.PenStyle.NoPen)


@dataclass(frozen=True, slots=True)
class _Palette:
    skin: QColor
    skin_shade: QColor
    skin_deep: QColor
    hair: QColor
    hair_light: QColor
    brow: QColor
    iris: QColor
    iris_light: QColor
    pupil: QColor
    sclera: QColor
    clothing: QColor
    sleeve: QColor
    trim: QColor
    mouth: QColor
    tongue: QColor
    teeth: QColor
    lips: QColor
    blush: QColor
    line: QColor
    background_inner: QColor
    background_outer: QColor


def _pen(color: QColor, width: float, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap) -> QPen:
    return QPen(QBrush(color), width, Qt.PenStyle.SolidLine, cap, Qt.PenJoinStyle.RoundJoin)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def _alpha(color: QColor, alpha: float) -> QColor:
    faded = QColor(color)
    faded.setAlphaF(min(max(alpha, 0.0), 1.0))
    return faded


@lru_cache(maxsize=8)
def _palette(look: Look) -> _Palette:
    """QColors of a look, with shades derived so a look file stays short."""
    c = look.colors
    skin, hair, iris, line = QColor(c.skin), QColor(c.hair), QColor(c.iris), QColor(c.line)
    clothing = QColor(c.clothing)
    mouth = QColor(c.mouth)
    return _Palette(
        skin=skin,
        skin_shade=_mix(skin, QColor(c.lips), 0.28).darker(108),
        skin_deep=_mix(skin, line, 0.35),
        hair=hair,
        hair_light=_mix(hair, QColor("#ffffff"), 0.28),
        brow=_mix(hair, line, 0.45),
        iris=iris,
        iris_light=_mix(iris, QColor("#ffffff"), 0.35),
        pupil=_mix(line, QColor("#000000"), 0.6),
        sclera=QColor("#fffdf9"),
        clothing=clothing,
        sleeve=clothing.darker(108),
        trim=QColor(c.trim),
        mouth=mouth,
        tongue=_mix(mouth, QColor("#ff8f8f"), 0.55),
        teeth=QColor("#fffaf2"),
        lips=QColor(c.lips),
        blush=QColor(c.blush),
        line=line,
        background_inner=QColor(c.background_inner),
        background_outer=QColor(c.background_outer),
    )


def canvas_transform(rect: QRectF) -> QTransform:
    """Design canvas to `rect`: the view square fitted, centred, standing on the bottom edge."""
    scale = min(rect.width(), rect.height()) / _VIEW_SIDE
    transform = QTransform()
    transform.translate(rect.center().x() - 500.0 * scale, rect.bottom() - _VIEW_BOTTOM * scale)
    transform.scale(scale, scale)
    return transform


def paint_background(painter: QPainter, rect: QRectF, look: Look) -> None:
    """The soft backdrop: a warm radial wash with a pale halo behind the head."""
    side = min(rect.width(), rect.height())
    if side <= 0:
        return
    pal = _palette(look)
    scale = side / _VIEW_SIDE
    head = canvas_transform(rect).map(_HEAD_CENTER)
    wash = QRadialGradient(head, max(rect.width(), rect.height()) * 0.9)
    wash.setColorAt(0.0, pal.background_inner)
    wash.setColorAt(1.0, pal.background_outer)
    painter.fillRect(rect, QBrush(wash))
    halo = QRadialGradient(head, 330.0 * scale)
    halo.setColorAt(0.0, _alpha(QColor("#ffffff"), 0.55))
    halo.setColorAt(0.75, _alpha(QColor("#ffffff"), 0.25))
    halo.setColorAt(1.0, _alpha(QColor("#ffffff"), 0.0))
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(_NO_PEN)
    painter.setBrush(QBrush(halo))
    painter.drawEllipse(head, 330.0 * scale, 330.0 * scale)
    painter.restore()


def paint_avatar(painter: QPainter, rect: QRectF, pose: Pose, look: Look) -> None:
    """Draw the character in `pose` fitted to `rect` (standing on its bottom edge)."""
    side = min(rect.width(), rect.height())
    if side <= 0:
        return
    pal = _palette(look)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setClipRect(rect, Qt.ClipOperation.IntersectClip)
    painter.setTransform(canvas_transform(rect), combine=True)
    # Leaning in brings the figure towards the camera: larger, and lower in the frame.
    zoom = 1.0 + 0.12 * pose.lean
    painter.translate(500.0, 560.0 + 24.0 * pose.lean)
    painter.scale(zoom, zoom)
    painter.translate(-500.0, -560.0)
    body = _Body(pose, look)
    _paint_neck(painter, body, pal)
    _paint_torso(painter, body, pal)
    _paint_head(painter, body, pose, look, pal)
    for arm in sorted(body.arms, key=lambda a: a.raise_):
        _paint_arm(painter, arm, pal)
    painter.restore()


# Body --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Arm:
    shoulder: QPointF
    elbow: QPointF
    hand: QPointF
    raise_: float
    open_: float
    side: float  # -1 viewer's left, 1 viewer's right


class _Body:
    """Body landmarks on the design canvas for one pose."""

    def __init__(self, pose: Pose, look: Look) -> None:
        slump, upright = max(-pose.spine, 0.0), max(pose.spine, 0.0)
        prop = look.proportions
        base = 790.0 + 34.0 * slump - 12.0 * upright - 7.0 * pose.breath
        self.shoulder_y = (base - 42.0 * pose.shoulder_l, base - 42.0 * pose.shoulder_r)
        self.half_width = 232.0 * prop.shoulder_width * (1.0 - 0.06 * slump + 0.015 * pose.breath)
        self.neck_base = base - 22.0
        # Raised shoulders swallow the neck; slumping drops the head with the chest.
        shrug = max(pose.shoulder_l + pose.shoulder_r, 0.0) / 2.0
        self.neck_top = base - 98.0 * prop.neck_length + 30.0 * slump - 10.0 * upright + 26 * shrug
        self.neck_half = 58.0 * prop.face_width
        self.arms = (
            self._arm(-1.0, pose.arm_l_raise, pose.arm_l_spread, pose.hand_l_open, 0),
            self._arm(1.0, pose.arm_r_raise, pose.arm_r_spread, pose.hand_r_open, 1),
        )

    def _arm(self, side: float, raise_: float, spread: float, open_: float, i: int) -> _Arm:
        sw = self.half_width
        joint = QPointF(500.0 + side * (sw - 32.0), self.shoulder_y[i] + 62.0)
        # The hand hangs below the frame at 0, is in front of the chest around 0.6 and at the
        # chin at 1; spread takes it across the body (-1) or out wide (1) as it rises.
        lift = _smoothstep(raise_ * 1.8)
        reach = sw - 40.0 + (130.0 * spread if spread >= 0.0 else 360.0 * spread)
        hand = QPointF(
            500.0 + side * ((sw + 8.0) * (1.0 - lift) + reach * lift), 1250.0 - 540.0 * raise_
        )
        # Seen from the front the upper arm is foreshortened, so the elbow is placed, not solved:
        # low beside the body, out for open arms, up and in for crossed ones.
        crossed, wide = max(-spread, 0.0) * lift, max(spread, 0.0) * lift
        elbow = QPointF(
            joint.x() + side * (6.0 + 60.0 * wide - 20.0 * crossed),
            joint.y() + 240.0 - 130.0 * crossed,
        )
        return _Arm(joint, elbow, hand, raise_, open_, side)


def _paint_neck(painter: QPainter, body: _Body, pal: _Palette) -> None:
    half, top, bottom = body.neck_half, body.neck_top - 40.0, body.neck_base + 30.0
    neck = QPainterPath()
    neck.moveTo(500.0 - half, top)
    neck.lineTo(500.0 + half, top)
    neck.cubicTo(500.0 + half, bottom - 40, 500.0 + half + 6, bottom - 10, 500 + half + 14, bottom)
    neck.lineTo(500.0 - half - 14, bottom)
    neck.cubicTo(500.0 - half - 6, bottom - 10, 500.0 - half, bottom - 40, 500.0 - half, top)
    painter.setPen(_pen(pal.line, 4.0))
    painter.setBrush(pal.skin)
    painter.drawPath(neck)


def _paint_torso(painter: QPainter, body: _Body, pal: _Palette) -> None:
    sw = body.half_width
    yl, yr = body.shoulder_y
    nb = body.neck_base
    bottom = 3000.0  # far below any frame: tall widgets still show a whole torso
    torso = QPainterPath(QPointF(500.0 - 66.0, nb))
    torso.cubicTo(
        500.0 - 140.0, nb + 4.0, 500.0 - sw + 60.0, yl + 2.0, 500.0 - sw + 10.0, yl + 16.0
    )
    torso.quadTo(500.0 - sw - 30.0, yl + 30.0, 500.0 - sw - 40.0, yl + 110.0)
    torso.lineTo(500.0 - sw - 48.0, bottom)
    torso.lineTo(500.0 + sw + 48.0, bottom)
    torso.lineTo(500.0 + sw + 40.0, yr + 110.0)
    torso.quadTo(500.0 + sw + 30.0, yr + 30.0, 500.0 + sw - 10.0, yr + 16.0)
    torso.cubicTo(500.0 + sw - 60.0, yr + 2.0, 500.0 + 140.0, nb + 4.0, 500.0 + 66.0, nb)
    # The neckline dips in front: a crew neck.
    torso.cubicTo(500.0 + 52.0, nb + 50.0, 500.0 - 52.0, nb + 50.0, 500.0 - 66.0, nb)
    painter.setPen(_pen(pal.line, 4.5))
    painter.setBrush(pal.clothing)
    painter.drawPath(torso)
    # The collar band.
    collar = QPainterPath(QPointF(500.0 - 70.0, nb - 2.0))
    collar.cubicTo(500.0 - 56.0, nb + 56.0, 500.0 + 56.0, nb + 56.0, 500.0 + 70.0, nb - 2.0)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(pal.line, 22.0))
    painter.drawPath(collar)
    painter.setPen(_pen(pal.trim, 15.0))
    painter.drawPath(collar)


def _paint_arm(painter: QPainter, arm: _Arm, pal: _Palette) -> None:
    sleeve = QPainterPath(arm.shoulder)
    sleeve.lineTo(arm.elbow)
    sleeve.lineTo(arm.hand)
    width = 78.0
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(pal.line, width + 9.0))
    painter.drawPath(sleeve)
    painter.setPen(_pen(pal.sleeve, width))
    painter.drawPath(sleeve)
    # A crease at the elbow and a cuff at the wrist.
    fx, fy = arm.hand.x() - arm.elbow.x(), arm.hand.y() - arm.elbow.y()
    length = max(math.hypot(fx, fy), 1e-6)
    ux, uy = fx / length, fy / length
    cuff = QPainterPath(QPointF(arm.hand.x() - ux * 46.0, arm.hand.y() - uy * 46.0))
    cuff.lineTo(arm.hand.x() - ux * 30.0, arm.hand.y() - uy * 30.0)
    painter.setPen(_pen(pal.trim, width - 4.0, Qt.PenCapStyle.FlatCap))
    painter.drawPath(cuff)
    _paint_hand(painter, arm, ux, uy, pal)


def _paint_hand(painter: QPainter, arm: _Arm, ux: float, uy: float, pal: _Palette) -> None:
    """A mitten: a rounded palm that lengthens into fingers as the hand opens, and a thumb.

    Drawn as round-capped thick lines, outlines first and fills on top, which looks like one
    outlined shape at a fraction of the cost of a path union.
    """
    center = arm.hand
    reach = 12.0 + 30.0 * arm.open_
    tip = QPointF(center.x() + ux * reach, center.y() + uy * reach)
    turn = -arm.side * math.radians(55.0 + 30.0 * arm.open_)
    thumb_length = 30.0 + 10.0 * arm.open_
    thumb = QPointF(
        center.x() + (ux * math.cos(turn) - uy * math.sin(turn)) * thumb_length,
        center.y() + (ux * math.sin(turn) + uy * math.cos(turn)) * thumb_length,
    )
    for color, grow in ((pal.line, 8.0), (pal.skin, 0.0)):
        painter.setPen(_pen(color, 62.0 + grow))
        painter.drawLine(center, tip)
        painter.setPen(_pen(color, 26.0 + grow))
        painter.drawLine(center, thumb)
    if arm.open_ > 0.3:
        # Finger gaps: an open palm reads as a hand, not a paw.
        painter.setPen(_pen(_alpha(pal.line, arm.open_), 3.0))
        for k in (-1.0, 0.0, 1.0):
            px, py = -uy * k * 13.0, ux * k * 13.0
            start = QPointF(tip.x() + px + ux * 4.0, tip.y() + py + uy * 4.0)
            painter.drawLine(start, QPointF(start.x() + ux * 22.0, start.y() + uy * 22.0))


# Head --------------------------------------------------------------------------------------


def _paint_head(painter: QPainter, body: _Body, pose: Pose, look: Look, pal: _Palette) -> None:
    prop = look.proportions
    size = prop.head_size
    painter.save()
    painter.translate(500.0 + 6.0 * pose.head_yaw, body.neck_top)
    painter.rotate(16.0 * pose.head_roll)
    painter.translate(0.0, -200.0 * size + 14.0 * pose.head_pitch)
    painter.scale(size, size)
    face = _Face(pose, look)
    _paint_hair_back(painter, face, look, pal)
    _paint_ears(painter, face, pal)
    painter.setPen(_pen(pal.line, 4.5 / size))
    painter.setBrush(pal.skin)
    painter.drawPath(face.outline)
    _paint_cheeks(painter, face, pose, pal)
    _paint_nose(painter, face, pal)
    _paint_mouth(painter, face, pose, look, pal)
    for eye in face.eyes:
        _paint_eye(painter, eye, pose, pal)
    if look.glasses:
        _paint_glasses(painter, face, pal)
    for brow in face.brows:
        _paint_brow(painter, brow, pal)
    _paint_hair_front(painter, face, look, pal)
    painter.restore()


@dataclass(frozen=True, slots=True)
class _Eye:
    cx: float
    cy: float
    side: float
    width: float
    upper_h: float
    lower_h: float
    upper: float
    lower: float
    tilt: float
    size: float


@dataclass(frozen=True, slots=True)
class _Brow:
    cx: float
    cy: float
    side: float
    raise_: float
    tilt: float
    knit: float
    half: float
    thickness: float


class _Face:
    """Head-local landmarks (origin at the head centre) for one pose, with yaw parallax."""

    def __init__(self, pose: Pose, look: Look) -> None:
        prop = look.proportions
        self.width = 168.0 * prop.face_width
        # Turning and tipping the head slides the features over the skull.
        self.dx = 28.0 * pose.head_yaw
        self.dy = 18.0 * pose.head_pitch
        self.chin = _CHIN + 18.0 * pose.jaw
        self.outline = _face_outline(self.width, self.chin)
        spacing = 78.0 * prop.eye_spacing
        es = prop.eye_size
        lower_l = min(pose.lid_l_lower + 0.35 * pose.cheek_raise, 1.0)
        lower_r = min(pose.lid_r_lower + 0.35 * pose.cheek_raise, 1.0)
        eyes = []
        brows = []
        for side, upper, lower, tilt, raise_ in (
            (-1.0, pose.lid_l_upper, lower_l, pose.brow_l_tilt, pose.brow_l_raise),
            (1.0, pose.lid_r_upper, lower_r, pose.brow_r_tilt, pose.brow_r_raise),
        ):
            # The eye on the far side of a turn is foreshortened and closer to the nose.
            far = max(side * pose.head_yaw, 0.0)
            cx = side * spacing * (1.0 - 0.12 * far) + self.dx
            cy = _EYE_Y + self.dy
            width = 42.0 * es * (1.0 - 0.2 * far)
            eyes.append(_Eye(cx, cy, side, width, 37.0 * es, 27.0 * es, upper, lower, tilt, es))
            brows.append(
                _Brow(
                    cx + side * 2.0,
                    cy - 64.0 * es - 6.0,
                    side,
                    raise_,
                    tilt,
                    pose.brow_knit,
                    44.0 * es * (1.0 - 0.15 * far),
                    prop.brow_thickness,
                )
            )
        self.eyes = tuple(eyes)
        self.brows = tuple(brows)
        self.spacing = spacing
        self.nose = QPointF(1.25 * self.dx, 76.0 + self.dy)
        self.mouth = QPointF(
            1.15 * self.dx + 18.0 * pose.mouth_shift, 126.0 + self.dy + 6.0 * pose.jaw
        )


def _face_outline(w: float, chin: float) -> QPainterPath:
    path = QPainterPath(QPointF(0.0, _HEAD_TOP))
    path.cubicTo(w * 0.6, _HEAD_TOP, w, -140.0, w, -20.0)
    path.cubicTo(w, 70.0, w * 0.86, 120.0, w * 0.55, chin - 30.0)
    path.cubicTo(w * 0.3, chin - 4.0, w * 0.16, chin, 0.0, chin)
    path.cubicTo(-w * 0.16, chin, -w * 0.3, chin - 4.0, -w * 0.55, chin - 30.0)
    path.cubicTo(-w * 0.86, 120.0, -w, 70.0, -w, -20.0)
    path.cubicTo(-w, -140.0, -w * 0.6, _HEAD_TOP, 0.0, _HEAD_TOP)
    path.closeSubpath()
    return path


def _paint_ears(painter: QPainter, face: _Face, pal: _Palette) -> None:
    painter.setPen(_pen(pal.line, 4.0))
    for side in (-1.0, 1.0):
        x = side * (face.width - 6.0) - 0.5 * face.dx
        center = QPointF(x, 30.0 + 0.6 * face.dy)
        painter.setBrush(pal.skin)
        painter.drawEllipse(center, 30.0, 40.0)
        painter.setBrush(pal.skin_shade)
        painter.setPen(_NO_PEN)
        painter.drawEllipse(QPointF(x + side * 5.0, center.y() + 2.0), 14.0, 22.0)
        painter.setPen(_pen(pal.line, 4.0))


def _paint_cheeks(painter: QPainter, face: _Face, pose: Pose, pal: _Palette) -> None:
    strength = 0.3 + 0.6 * pose.blush
    for eye in face.eyes:
        center = QPointF(eye.cx + eye.side * 22.0, 84.0 + face.dy - 12.0 * pose.cheek_raise)
        glow = QRadialGradient(center, 40.0)
        glow.setColorAt(0.0, _alpha(pal.blush, strength))
        glow.setColorAt(0.6, _alpha(pal.blush, strength * 0.55))
        glow.setColorAt(1.0, _alpha(pal.blush, 0.0))
        painter.setPen(_NO_PEN)
        painter.setBrush(QBrush(glow))
        painter.drawEllipse(center, 46.0, 32.0)
        shy = (pose.blush - 0.55) / 0.45
        if shy > 0.0:
            # Manga-style blush strokes: embarrassment readable from across the room.
            painter.setPen(_pen(_alpha(pal.lips, shy), 4.0))
            for k in (-1, 0, 1):
                x = center.x() + k * 13.0
                painter.drawLine(
                    QPointF(x + 4.0, center.y() - 9.0), QPointF(x - 4.0, center.y() + 9.0)
                )


def _paint_nose(painter: QPainter, face: _Face, pal: _Palette) -> None:
    n = face.nose
    nose = QPainterPath(QPointF(n.x() - 11.0, n.y() - 4.0))
    nose.quadTo(n.x(), n.y() + 9.0, n.x() + 11.0, n.y() - 4.0)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(pal.skin_deep, 5.0))
    painter.drawPath(nose)


def _curve_through(
    path: QPainterPath, start: QPointF, mid_y: float, end: QPointF, k: float
) -> None:
    """A symmetric cubic from start to end passing through (middle x, mid_y); k in (0, 1]
    sets how far along the controls sit: small is pointed, large is boxy."""
    q = (8.0 * mid_y - start.y() - end.y()) / 6.0
    mx = (start.x() + end.x()) / 2.0
    half = (end.x() - start.x()) / 2.0
    path.cubicTo(mx - half * (1.0 - k), q, mx + half * (1.0 - k), q, end.x(), end.y())


def _paint_mouth(painter: QPainter, face: _Face, pose: Pose, look: Look, pal: _Palette) -> None:
    m = face.mouth
    smile = (pose.mouth_corner_l + pose.mouth_corner_r) / 2.0
    half = 44.0 * look.proportions.mouth_size * (1.0 + 0.5 * pose.mouth_width) + 5.0 * max(smile, 0)
    opening = min(pose.mouth_open + 0.6 * pose.jaw, 1.2)
    left = QPointF(m.x() - half, m.y() - 22.0 * pose.mouth_corner_l)
    right = QPointF(m.x() + half, m.y() - 22.0 * pose.mouth_corner_r)
    upper_y = m.y() - opening * (20.0 - 14.0 * max(smile, 0.0))
    lower_y = m.y() + opening * (32.0 + 10.0 * max(smile, 0.0))
    roundness = 0.55 - 0.25 * max(-pose.mouth_width, 0.0)
    inside = QPainterPath(left)
    _curve_through(inside, left, upper_y, right, roundness)
    _curve_through(inside, right, lower_y, left, roundness)
    inside.closeSubpath()
    if opening > 0.03:
        painter.setPen(_NO_PEN)
        painter.setBrush(pal.mouth)
        painter.drawPath(inside)
        painter.save()
        painter.setClipPath(inside, Qt.ClipOperation.IntersectClip)
        top = QPainterPath(left)
        _curve_through(top, left, upper_y, right, roundness)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        teeth = min(9.0 + 5.0 * opening, 0.4 * (lower_y - upper_y))
        painter.setPen(_pen(pal.teeth, 2.0 * teeth))
        painter.drawPath(top)
        painter.setPen(_NO_PEN)
        painter.setBrush(pal.tongue)
        painter.drawEllipse(QPointF(m.x(), lower_y + 4.0), half * 0.55, 8.0 + 14.0 * opening)
        painter.restore()
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(pal.lips, 6.0))
    painter.drawPath(inside)
    if smile > 0.3:
        # Dimples at the corners sell a real smile.
        painter.setPen(_pen(_alpha(pal.lips, (smile - 0.3) * 1.6), 4.0))
        for corner, side in ((left, -1.0), (right, 1.0)):
            dimple = QPainterPath(QPointF(corner.x() + side * 3.0, corner.y() - 8.0))
            dimple.quadTo(
                corner.x() + side * 10.0, corner.y(), corner.x() + side * 4.0, corner.y() + 8.0
            )
            painter.drawPath(dimple)


def _lid_curves(eye: _Eye) -> tuple[QPainterPath, QPainterPath, QPointF]:
    """Eye opening, upper lid line and outer corner, from lid openness and brow tilt."""
    side, cx, cy = eye.side, eye.cx, eye.cy
    inner = QPointF(cx - side * eye.width, cy + 3.0)
    outer = QPointF(cx + side * eye.width, cy - 3.0 + 8.0 * max(eye.tilt, 0.0))
    upper = min(eye.upper, 1.4)
    up = -eye.upper_h * (upper + 0.5 * max(upper - 1.0, 0.0))
    up += (1.0 - min(upper, 1.0)) * eye.lower_h * 0.35
    # Wide-open eyes drop the lower lid too, so white shows all around the iris.
    low = eye.lower_h * (1.0 - 1.3 * eye.lower + 0.6 * max(upper - 1.0, 0.0))
    # Worry lowers the outer half of the upper lid, anger the inner half (the glare).
    up_inner = cy + up * 1.33 + 0.5 * eye.upper_h * max(-eye.tilt, 0.0) * upper
    up_outer = cy + up * 1.33 + 0.25 * eye.upper_h * max(eye.tilt, 0.0) * upper
    low_y = cy + low * 1.33
    up_inner, up_outer = min(up_inner, low_y), min(up_outer, low_y)
    # Controls far out give a rounded, friendly eye rather than a pointed almond.
    c_inner = cx - side * eye.width * 0.85
    c_outer = cx + side * eye.width * 0.85
    lid = QPainterPath(inner)
    lid.cubicTo(c_inner, up_inner, c_outer, up_outer, outer.x(), outer.y())
    opening = QPainterPath(lid)
    opening.cubicTo(c_outer, low_y, c_inner, low_y, inner.x(), inner.y())
    opening.closeSubpath()
    return opening, lid, outer


def _paint_eye(painter: QPainter, eye: _Eye, pose: Pose, pal: _Palette) -> None:
    opening, lid, outer = _lid_curves(eye)
    painter.setPen(_NO_PEN)
    painter.setBrush(pal.sclera)
    painter.drawPath(opening)
    painter.save()
    painter.setClipPath(opening, Qt.ClipOperation.IntersectClip)
    # The eyeball stays put as the lids move: wide lids show white above the iris.
    radius = 27.0 * eye.size
    iris = QPointF(
        eye.cx + pose.gaze_x * eye.width * 0.42,
        eye.cy - 5.0 * eye.size - pose.gaze_y * eye.upper_h * 0.38,
    )
    painter.setBrush(pal.iris)
    painter.drawEllipse(iris, radius, radius)
    painter.setBrush(pal.iris_light)
    painter.drawEllipse(QPointF(iris.x(), iris.y() + radius * 0.35), radius * 0.62, radius * 0.5)
    pupil = radius * 0.5 * pose.pupil_size
    painter.setBrush(pal.pupil)
    painter.drawEllipse(iris, pupil, pupil)
    painter.setBrush(QColor("#ffffff"))
    painter.drawEllipse(
        QPointF(iris.x() - radius * 0.34, iris.y() - radius * 0.38), radius * 0.3, radius * 0.3
    )
    painter.drawEllipse(
        QPointF(iris.x() + radius * 0.36, iris.y() + radius * 0.3), radius * 0.13, radius * 0.13
    )
    painter.restore()
    # The lash flick continues the lid line: one stroke for both.
    lid.quadTo(
        outer.x() + eye.side * 6.0, outer.y() - 2.0, outer.x() + eye.side * 11.0, outer.y() - 9.0
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(pal.line, 6.0 * eye.size))
    painter.drawPath(lid)


def _paint_brow(painter: QPainter, brow: _Brow, pal: _Palette) -> None:
    side = brow.side
    y = brow.cy - 30.0 * brow.raise_
    inner = QPointF(
        brow.cx - side * (brow.half + 8.0 * brow.knit), y - 15.0 * brow.tilt + 7.0 * brow.knit
    )
    outer = QPointF(brow.cx + side * brow.half, y + 6.0 * brow.tilt)
    arch = 8.0 + 5.0 * max(brow.raise_, 0.0) - 4.0 * max(-brow.tilt, 0.0)
    mid = QPointF((inner.x() + outer.x()) / 2.0, (inner.y() + outer.y()) / 2.0 - arch)
    t_in, t_mid, t_out = 21.0 * brow.thickness, 18.0 * brow.thickness, 10.0 * brow.thickness
    ctrl = QPointF(
        2.0 * mid.x() - (inner.x() + outer.x()) / 2.0, 2.0 * mid.y() - (inner.y() + outer.y()) / 2.0
    )
    shape = QPainterPath(QPointF(inner.x(), inner.y() - t_in / 2.0))
    shape.quadTo(ctrl.x(), ctrl.y() - t_mid / 2.0, outer.x(), outer.y() - t_out / 2.0)
    shape.lineTo(outer.x(), outer.y() + t_out / 2.0)
    shape.quadTo(ctrl.x(), ctrl.y() + t_mid / 2.0, inner.x(), inner.y() + t_in / 2.0)
    shape.closeSubpath()
    painter.setPen(_NO_PEN)
    painter.setBrush(pal.brow)
    painter.drawPath(shape)


def _paint_glasses(painter: QPainter, face: _Face, pal: _Palette) -> None:
    painter.setPen(_pen(pal.line, 5.0))
    painter.setBrush(_alpha(QColor("#ffffff"), 0.12))
    for eye in face.eyes:
        w, h = eye.width * 1.35, eye.upper_h * 1.25
        painter.drawRoundedRect(
            QRectF(eye.cx - w, eye.cy - h, 2 * w, 2 * h * 0.95), 0.8 * w, 0.8 * h
        )
    left, right = face.eyes
    bridge = QPainterPath(QPointF(left.cx + left.width * 1.35, left.cy - 6.0))
    bridge.quadTo(
        (left.cx + right.cx) / 2.0, left.cy - 20.0, right.cx - right.width * 1.35, right.cy - 6.0
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(bridge)


# Hair --------------------------------------------------------------------------------------
# Hair shapes depend only on the look, so they are built once and slid with the head's turn.


def _paint_hair_back(painter: QPainter, face: _Face, look: Look, pal: _Palette) -> None:
    back = _hair_shapes(look.hair_style, face.width)[0]
    if back.isEmpty():
        return
    painter.save()
    painter.translate(-0.35 * face.dx, 0.0)
    painter.setPen(_pen(pal.line, 4.5))
    painter.setBrush(pal.hair)
    painter.drawPath(back)
    painter.restore()


def _paint_hair_front(painter: QPainter, face: _Face, look: Look, pal: _Palette) -> None:
    _, front, strands, shine = _hair_shapes(look.hair_style, face.width)
    painter.save()
    painter.translate(0.55 * face.dx, 0.35 * face.dy)
    painter.setPen(_pen(pal.line, 4.5))
    painter.setBrush(pal.hair)
    painter.drawPath(front)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(_mix(pal.hair, pal.line, 0.4), 4.0))
    painter.drawPath(strands)
    painter.setPen(_pen(_alpha(pal.hair_light, 0.8), 9.0))
    painter.drawPath(shine)
    painter.restore()


@lru_cache(maxsize=8)
def _hair_shapes(
    style: str, w: float
) -> tuple[QPainterPath, QPainterPath, QPainterPath, QPainterPath]:
    """(behind the head, over the forehead, strand lines, highlight) in head-local units."""
    back, front, strands, shine = QPainterPath(), QPainterPath(), QPainterPath(), QPainterPath()
    if style == "bob":
        back.moveTo(-w - 26.0, 150.0)
        back.cubicTo(-w - 48.0, 40.0, -w - 52.0, -236.0, 0.0, -237.0)
        back.cubicTo(w + 52.0, -236.0, w + 48.0, 40.0, w + 26.0, 150.0)
        back.quadTo(w - 10.0, 172.0, w - 40.0, 150.0)
        back.lineTo(-w + 40.0, 150.0)
        back.quadTo(-w + 10.0, 172.0, -w - 26.0, 150.0)
        front.moveTo(-w - 14.0, 60.0)
        front.cubicTo(-w - 26.0, -120.0, -w + 20.0, -232.0, -10.0, -236.0)
        front.cubicTo(w - 10.0, -238.0, w + 30.0, -120.0, w + 14.0, 60.0)
        front.cubicTo(w - 2.0, 0.0, w - 6.0, -60.0, w - 22.0, -92.0)
        front.cubicTo(w - 70.0, -88.0, 10.0, -110.0, -40.0, -168.0)
        front.cubicTo(-60.0, -120.0, -w + 40.0, -100.0, -w + 16.0, -70.0)
        front.cubicTo(-w + 2.0, -40.0, -w + 4.0, 0.0, -w - 14.0, 60.0)
        strands.moveTo(-w + 10.0, -150.0)
        strands.quadTo(-w + 40.0, -200.0, -70.0, -214.0)
        shine.moveTo(-100.0, -196.0)
        shine.quadTo(-40.0, -226.0, 30.0, -218.0)
    elif style == "curls":
        back.setFillRule(Qt.FillRule.WindingFill)
        back.addEllipse(QPointF(0.0, -70.0), w + 40.0, 200.0)
        for k in range(13):
            angle = math.radians(170.0 + k * 200.0 / 12.0)
            r = 52.0 if k % 2 else 46.0
            center = QPointF(math.cos(angle) * (w + 38.0), -60.0 + math.sin(angle) * 200.0)
            back.addEllipse(center, r, r)
        back = back.simplified()
        front.setFillRule(Qt.FillRule.WindingFill)
        for k in range(7):
            t = k / 6.0
            y = -150.0 + 45.0 * (2.0 * t - 1.0) ** 2 - (14.0 if k % 2 else 0.0)
            front.addEllipse(QPointF((t - 0.5) * 2.0 * (w - 20.0), y), 38.0, 36.0)
        front.addEllipse(QPointF(0.0, -205.0), w * 0.8, 55.0)
        front = front.simplified()
        for k in range(3):
            x = -60.0 + 60.0 * k
            strands.moveTo(x - 14.0, -168.0 + 6.0 * (k % 2))
            strands.quadTo(x, -184.0, x + 14.0, -168.0 + 6.0 * (k % 2))
        shine.moveTo(-70.0, -232.0)
        shine.quadTo(-20.0, -250.0, 40.0, -238.0)
    else:  # short, the fringe swept to the viewer's left
        front.moveTo(-w - 6.0, -30.0)
        front.cubicTo(-w - 22.0, -150.0, -w + 10.0, -262.0, -40.0, -268.0)
        front.cubicTo(40.0, -286.0, w + 10.0, -262.0, w + 16.0, -150.0)
        front.quadTo(w + 14.0, -80.0, w + 4.0, -40.0)
        front.cubicTo(w - 12.0, -70.0, w - 14.0, -100.0, w - 30.0, -126.0)
        front.cubicTo(w - 90.0, -112.0, -10.0, -92.0, -70.0, -136.0)
        front.cubicTo(-96.0, -110.0, -w + 24.0, -104.0, -w + 12.0, -70.0)
        front.quadTo(-w + 4.0, -50.0, -w - 6.0, -30.0)
        for offset in (0.0, 34.0):
            strands.moveTo(w - 60.0 - offset, -228.0 + offset * 0.3)
            strands.quadTo(-offset, -190.0, -50.0 - offset, -150.0)
        shine.moveTo(-70.0, -236.0)
        shine.quadTo(-20.0, -254.0, 40.0, -250.0)
    return back, front, strands, shine


def _smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)
