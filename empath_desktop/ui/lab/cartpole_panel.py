"""The CartPole lab panel: a teacher and a student balancing side by side, live.

`CartPoleWorker` lives in its own QThread and drives an engine `Match` from a QTimer (so
pause/step/speed requests, which arrive as queued signals, are handled between steps); it
emits `MatchTick`s, throttled to the display rate. On a backend that serves concurrent requests
(a server) an LLM teacher can play several environments at once through `lab.fleet`: the
worker then blocks in `play_fleet` (one thread per environment) until the run's cancel event is
set, shows environment 1 on the boards (the student following it in lock-step) and the others
as numbers (`FleetTick`). `CartPolePanelWidget` is a view: it keeps the
latest tick, repaints the two `CartPoleBoardWidget`s from a ≤ 60 Hz timer and updates the
pyqtgraph curves with ``setData`` from a slower timer. Dataset replay needs no worker: the
scrubber indexes recorded observations.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QFont, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from empath_desktop.chat.prompts import PersonaError, available_personas
from empath_desktop.lab.archive import ArchiveError
from empath_desktop.lab.dataset import Dataset, load_dataset
from empath_desktop.lab.fleet import (
    environments_for,
    fleet_backends,
    play_fleet,
    serves_concurrently,
)
from empath_desktop.lab.match import Match, MatchTick
from empath_desktop.lab.policies import ACTION_NAMES, SCRIPTED_PERSONAS, Policy
from empath_desktop.lab.rollout import Step, make_env, play
from empath_desktop.lab.student import MLPStudent, load_student
from empath_desktop.lab.teachers import TeacherSpec, make_teacher
from empath_desktop.lab.verbalise import VERBALISERS, VerbaliserName, verbalise
from empath_desktop.llm.backend import Backend
from empath_desktop.resources import assets_dir
from empath_desktop.ui.workers import start_in_thread, stop_threads

logger = logging.getLogger(__name__)

X_LIMIT = 2.4  # CartPole-v1 terminates beyond |x| > 2.4 m
THETA_LIMIT = 12 * math.pi / 180  # and beyond |theta| > 12 degrees
POLE_LENGTH = 1.0  # metres (the environment's half-length is 0.5)
# Steps per second for each speed-slider position; 0 means as fast as the machine allows.
SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 25, 50, 100, 250, 0)
FRAME_MS = 16  # ≤ 60 Hz board repaint; the worker emits ticks no faster than this either
PLOT_MS = 200
RUNNING_MEAN = 10  # episodes in the running mean of the returns plot
MAX_ENVIRONMENTS = 8
SERVER_ENVIRONMENTS = 4  # the default on a server: most of the batching gain (bench/server.py)
ONE_AT_A_TIME = "the in-process model answers one request at a time"


@dataclass(frozen=True, slots=True)
class LabConfig:
    """What the worker runs: a teacher spec (see `make_teacher`) and an optional student."""

    teacher: str
    student_path: str
    seed: int
    verbaliser: VerbaliserName = "coarse"
    think_aloud: bool = False
    steps_per_second: float = 25
    # Environments played at once (more than one only for LLM teachers on a concurrent backend).
    environments: int = 1
    # Set by the panel to end this run; a fleet run blocks the worker's event loop, so a queued
    # stop request would only arrive after it.
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True, slots=True)
class FleetTick:
    """Where each environment of a fleet run stands: ``returns[i]`` is environment i's return
    so far in its current episode, ``last[i]`` that of its previous episode (``None`` before one
    ended). ``decisions`` counts every teacher decision since Start, ``queries`` those that
    asked the model (the others were cached), over ``seconds``."""

    returns: tuple[int, ...]
    last: tuple[int | None, ...]
    decisions: int
    queries: int
    seconds: float

    @property
    def decisions_per_second(self) -> float:
        return self.decisions / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        envs = " · ".join(
            f"{i + 1}: {now} ({'—' if last is None else last})"
            for i, (now, last) in enumerate(zip(self.returns, self.last, strict=True))
        )
        return (
            f"{len(self.returns)} environments · {self.decisions_per_second:.1f} decisions/s "
            f"({self.queries} asked the model) · return now (last episode): {envs}"
        )


@dataclass(frozen=True, slots=True)
class BoardState:
    """Everything a board draws."""

    obs: tuple[float, float, float, float]
    action: int | None
    caption: str
    failed: bool = False


class CartPoleWorker(QObject):
    """Runs one `Match` at a time in its own QThread, stepping it from a QTimer.

    Slots are invoked by queued signals from the panel. Ticks leave through `sig_ticked` at most
    every `FRAME_MS` (every tick when slower), episode-ending ticks always.
    """

    sig_ticked = Signal(object)  # MatchTick
    sig_fleet_ticked = Signal(object)  # FleetTick
    sig_failed = Signal(str)
    sig_started = Signal(str)

    def __init__(self, backend: Backend | None = None) -> None:
        super().__init__()
        self._backend = backend
        self._match: Match | None = None
        self._timer: QTimer | None = None
        self._paused = False
        self._last_emit = 0.0
        self._steps_per_second = 25.0

    @Slot(object)
    def set_backend(self, backend: Backend | None) -> None:
        self._backend = backend

    @Slot(object)
    def start(self, config: LabConfig) -> None:
        self.stop()
        if config.environments > 1:
            self._run_fleet(config)
            return
        try:
            teacher = make_teacher(
                config.teacher,
                backend=self._backend,
                verbaliser=config.verbaliser,
                think_aloud=config.think_aloud,
                seed=config.seed,
            )
            student = load_student(config.student_path) if config.student_path else None
        except (ValueError, KeyError, PersonaError, ArchiveError) as exc:
            self.sig_failed.emit(str(exc))
            return
        if self._timer is None:
            # Created here, in the worker's thread, so it fires in this thread.
            self._timer = QTimer(self)
            self._timer.timeout.connect(self._on_timeout)
        self._match = Match(teacher, student, config.seed, config.verbaliser)
        self.sig_started.emit(f"{teacher.name} vs {student.name if student else 'no student'}")
        self.set_speed(config.steps_per_second)

    @Slot(float)
    def set_speed(self, steps_per_second: float) -> None:
        self._steps_per_second = steps_per_second
        if self._timer is not None:
            interval = 0 if steps_per_second <= 0 else round(1000 / steps_per_second)
            self._timer.setInterval(interval)
            if self._match is not None and not self._paused:
                self._timer.start()

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self._timer is None:
            return
        if paused:
            self._timer.stop()
        elif self._match is not None:
            self._timer.start()

    @Slot()
    def step_once(self) -> None:
        if self._match is not None:
            self._emit(self._step(), force=True)

    @Slot()
    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        if self._match is not None:
            self._match.close()
            self._match = None

    def _run_fleet(self, config: LabConfig) -> None:
        """Play rounds of `config.environments` episodes at once (round r from seeds
        ``seed + r·n …``) until `config.cancel` is set. Blocks this thread's event loop: the
        panel ends the run through the event, never through a queued request."""
        n = environments_for(self._backend, config.environments)
        backends = fleet_backends(self._backend, n) if self._backend is not None else [None] * n
        try:
            teachers = [
                make_teacher(
                    config.teacher,
                    backend=backend,
                    verbaliser=config.verbaliser,
                    think_aloud=config.think_aloud,
                    seed=config.seed + i,
                )
                for i, backend in enumerate(backends)
            ]
            student = load_student(config.student_path) if config.student_path else None
        except (ValueError, KeyError, PersonaError, ArchiveError) as exc:
            self._close_siblings(backends)
            self.sig_failed.emit(str(exc))
            return
        self.sig_started.emit(
            f"{teachers[0].name} in {n} environments at once vs "
            f"{student.name if student else 'no student'} (environment 1 shown)"
        )
        run = _FleetRun(teachers, student, config, self.sig_ticked.emit, self.sig_fleet_ticked.emit)
        try:
            while not config.cancel.is_set():
                play_fleet(teachers, run.next_round(), cancel=config.cancel, on_step=run.on_step)
        except Exception as exc:  # e.g. the server went away: report it, never crash the app
            logger.exception("CartPole fleet failed")
            self.sig_failed.emit(f"The match stopped: {exc}")
        finally:
            run.close()
            self._close_siblings(backends)

    def _close_siblings(self, backends: list[Backend | None]) -> None:
        for backend in backends:
            if backend is not None and backend is not self._backend:
                backend.close()  # a sibling's close leaves the shared connection open

    def _step(self) -> MatchTick | None:
        try:
            return self._match.tick() if self._match is not None else None
        except Exception as exc:  # e.g. the model failed mid-run: report it, never crash the app
            logger.exception("CartPole match failed")
            self.stop()
            self.sig_failed.emit(f"The match stopped: {exc}")
            return None

    def _emit(self, tick: MatchTick | None, force: bool = False) -> None:
        if tick is None:
            return
        now = time.monotonic()
        if force or tick.episode_over or now - self._last_emit >= FRAME_MS / 1000:
            self._last_emit = now
            self.sig_ticked.emit(tick)

    @Slot()
    def _on_timeout(self) -> None:
        if self._steps_per_second > 0:
            self._emit(self._step())
            return
        # Flat out: step for one frame's time, then let queued requests and the timer in.
        deadline = time.monotonic() + FRAME_MS / 1000
        while self._match is not None and time.monotonic() < deadline:
            self._emit(self._step())


class _FleetRun:
    """The bookkeeping of one fleet run, fed by `play_fleet`'s ``on_step`` from the
    environments' threads: per-environment returns and decision counts (under a lock), sent as
    `FleetTick`s at most every `PLOT_MS`; and environment 1 as `MatchTick`s (at most every
    `FRAME_MS`, episode ends always) with the student playing the same seed step for step
    beside it, as `Match` pairs them. Each environment keeps to the run's speed. Nothing is
    sent once the run is cancelled, so a stopped run never writes over the next one."""

    def __init__(
        self,
        teachers: list[Policy],
        student: MLPStudent | None,
        config: LabConfig,
        send_tick: Callable[[MatchTick], None],
        send_fleet: Callable[[FleetTick], None],
    ) -> None:
        self._teachers = teachers
        self._student = student
        self._config = config
        self._send_tick, self._send_fleet = send_tick, send_fleet
        n = len(teachers)
        self._interval = 1 / config.steps_per_second if config.steps_per_second > 0 else 0.0
        self._lock = threading.Lock()
        self._returns = [0] * n
        self._last: list[int | None] = [None] * n
        self._decisions = 0
        self._started = time.monotonic()
        self._sent_fleet = self._sent_tick = 0.0
        self._student_env = make_env() if student is not None else None
        self._round = -1
        self._seed = config.seed
        self._student_steps: Iterator[Step] = iter(())
        self._student_step: Step | None = None
        self._agreed = self._compared = 0

    def next_round(self) -> list[int]:
        """Start the next round (call between rounds, no environment running); its seeds."""
        self._round += 1
        n = len(self._teachers)
        self._seed = self._config.seed + self._round * n
        if self._student is not None and self._student_env is not None:
            self._student_steps = play(self._student_env, self._student, self._seed)
        self._student_step = None
        self._agreed = self._compared = 0
        return [self._seed + i for i in range(n)]

    def on_step(self, i: int, step: Step) -> None:
        cancel = self._config.cancel
        if i == 0:
            tick = self._follow(step)
            now = time.monotonic()
            if step.done or now - self._sent_tick >= FRAME_MS / 1000:
                self._sent_tick = now
                if not cancel.is_set():
                    self._send_tick(tick)
        with self._lock:
            self._decisions += 1
            self._returns[i] = step.t + 1
            if step.done:
                self._last[i] = step.t + 1
            now = time.monotonic()
            fleet = None
            if step.done or now - self._sent_fleet >= PLOT_MS / 1000:
                self._sent_fleet = now
                queries = sum(int(getattr(t, "queries", 0)) for t in self._teachers)
                fleet = FleetTick(
                    tuple(self._returns),
                    tuple(self._last),
                    self._decisions,
                    queries,
                    now - self._started,
                )
        if fleet is not None and not cancel.is_set():
            self._send_fleet(fleet)
        if self._interval:
            cancel.wait(self._interval)  # pacing that a Stop cuts short

    def _follow(self, step: Step) -> MatchTick:
        """Environment 1's step with the student's matching step (from environment 1's thread
        only). When the teacher's episode ends, the student plays out the rest of its own."""
        student = self._student
        if student is not None:
            self._agreed += student.act(step.obs) == step.action
            self._compared += 1
            for student_step in self._student_steps:
                self._student_step = student_step
                if not step.done:
                    break
        agreement = self._agreed / self._compared if self._compared else None
        text = verbalise(step.obs, self._config.verbaliser)
        return MatchTick(
            self._round, self._seed, step, self._student_step, agreement, text, step.done
        )

    def close(self) -> None:
        if self._student_env is not None:
            self._student_env.close()


class CartPoleBoardWidget(QWidget):
    """Draws a cart and pole from a `BoardState` with QPainter (no rendering by the env)."""

    def __init__(self, title: str, color: QColor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._color = color
        self._state: BoardState | None = None
        self.setMinimumSize(260, 170)

    def set_state(self, state: BoardState | None) -> None:
        self._state = state
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        painter.fillRect(self.rect(), QColor("#fbfaf7"))
        scale = (w - 40) / (2 * X_LIMIT)  # pixels per metre, the whole track visible
        ground = h - 38
        centre = w / 2
        painter.setPen(QPen(QColor("#9a968c"), 2))
        painter.drawLine(QPointF(20, ground), QPointF(w - 20, ground))
        painter.setPen(QPen(QColor("#c0392b"), 1, Qt.PenStyle.DashLine))
        for edge in (-X_LIMIT, X_LIMIT):
            painter.drawLine(
                QPointF(centre + edge * scale, ground - 8),
                QPointF(centre + edge * scale, ground + 8),
            )
        painter.setPen(QColor("#333333"))
        painter.setFont(QFont(painter.font().family(), 9, QFont.Weight.Bold))
        painter.drawText(QRectF(8, 4, w - 16, 18), Qt.AlignmentFlag.AlignLeft, self._title)
        state = self._state
        if state is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "—")
            return
        x, _v, theta, _omega = state.obs
        cart_w, cart_h = 0.5 * scale, 0.3 * scale
        cx = centre + max(-X_LIMIT, min(X_LIMIT, x)) * scale
        cart = QRectF(cx - cart_w / 2, ground - cart_h - 6, cart_w, cart_h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(QColor("#7f8c8d") if state.failed else self._color))
        painter.drawRoundedRect(cart, 4, 4)
        pivot = QPointF(cx, cart.top())
        tip = QPointF(
            cx + POLE_LENGTH * scale * math.sin(theta),
            cart.top() - POLE_LENGTH * scale * math.cos(theta),
        )
        tilt = min(1.0, abs(theta) / THETA_LIMIT)
        pole_color = QColor.fromRgbF(0.55 + 0.4 * tilt, 0.45 * (1 - tilt) + 0.2, 0.15)
        painter.setPen(
            QPen(pole_color, max(3.0, 0.06 * scale), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        )
        painter.drawLine(pivot, tip)
        if state.action is not None:
            # An arrow under the cart: the push just chosen.
            direction = 1 if state.action == 1 else -1
            y = ground + 14
            start, end = QPointF(cx - direction * 18, y), QPointF(cx + direction * 18, y)
            painter.setPen(QPen(QColor("#2c3e50"), 2))
            painter.drawLine(start, end)
            painter.drawLine(end, QPointF(end.x() - direction * 6, y - 5))
            painter.drawLine(end, QPointF(end.x() - direction * 6, y + 5))
        painter.setPen(QColor("#333333"))
        painter.setFont(QFont(painter.font().family(), 8))
        painter.drawText(QRectF(8, 22, w - 16, 16), Qt.AlignmentFlag.AlignLeft, state.caption)


def _plain_label(text: str = "") -> QLabel:
    """A label for data (file names, checkpoint metadata, model text, errors): markup in them
    is shown as written, never rendered (no huge headings, no local images loaded)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _obs_tuple(obs: np.ndarray) -> tuple[float, float, float, float]:
    x, v, theta, omega = (float(value) for value in obs)
    return x, v, theta, omega


def _board_state(tick: MatchTick, side: int) -> BoardState | None:
    step = (tick.teacher, tick.student)[side]
    if step is None:
        return None
    # A finished side shows where it ended, so a fallen pole stays visible while it waits.
    shown = step.next_obs if step.done else step.obs
    caption = (
        f"episode {tick.episode + 1} · seed {tick.seed} · step {step.t + 1} · return {step.t + 1}"
    )
    return BoardState(_obs_tuple(shown), step.action, caption, step.terminated)


class CartPolePanelWidget(QWidget):
    """The CartPole lab: teacher (left) and student (right), plots, controls and replay.

    ``backend`` is the app's shared model (decisions take ``backend.lock``), or ``None``, which
    disables LLM teachers; `set_backend` swaps it after a model reload. On a backend that serves
    concurrent requests (a server) an LLM teacher plays "Environments: N" at once; in-process
    models keep one. ``student_path``
    preloads a checkpoint; without one, each teacher is paired with the student shipped for its
    persona in ``assets/cartpole/students`` (if any) until the user loads a checkpoint.
    Call `shutdown` (also run on application quit and on close) to stop the worker thread.
    """

    sig_start_requested = Signal(object)  # LabConfig
    sig_pause_requested = Signal(bool)
    sig_step_requested = Signal()
    sig_speed_requested = Signal(float)
    sig_stop_requested = Signal()
    sig_backend_changed = Signal(object)

    def __init__(
        self,
        backend: Backend | None = None,
        student_path: str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._backend = backend
        self._student_path = ""
        self._latest: MatchTick | None = None
        self._returns: tuple[list[int], list[int]] = ([], [])
        self._agreements: list[float] = []
        self._plots_dirty = False
        self._replay: Dataset | None = None
        self._has_student = False
        self._fleet: FleetTick | None = None
        self._fleet_dirty = False
        # The current run's cancel event: set to end it (a fleet run blocks the worker).
        self._cancel = threading.Event()

        self._build_controls()
        self._build_boards_and_plots()
        self._build_replay()
        self._build_worker()
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame_timeout)
        self._frame_timer.start()
        self._plot_timer = QTimer(self)
        self._plot_timer.setInterval(PLOT_MS)
        self._plot_timer.timeout.connect(self._on_plot_timeout)
        self._plot_timer.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.set_backend(backend)
        # Until someone picks a checkpoint, each teacher is paired with its shipped student.
        self._student_chosen = student_path is not None
        self._teacher_combo.currentIndexChanged.connect(self._on_teacher_combo_changed)
        if student_path is not None:
            self.load_student(student_path)
        else:
            self._on_teacher_combo_changed(self._teacher_combo.currentIndex())

    # -- construction -----------------------------------------------------------------------

    def _build_controls(self) -> None:
        self._teacher_combo = QComboBox()
        for persona in SCRIPTED_PERSONAS:
            self._teacher_combo.addItem(f"scripted: {persona}", f"scripted:{persona}")
        self._teacher_combo.addItem("random", "random")
        for persona in available_personas():
            self._teacher_combo.addItem(f"LLM: {persona}", f"llm:{persona}")
        self._verbaliser_combo = QComboBox()
        self._verbaliser_combo.addItems(list(VERBALISERS))
        self._think_check = QCheckBox("think aloud")
        self._seed_spin = QSpinBox()
        self._seed_spin.setRange(0, 2**31 - 1)
        self._seed_spin.setPrefix("seed ")
        self._student_button = QPushButton("Load student…")
        self._student_button.clicked.connect(self._on_student_button_clicked)
        self._student_label = _plain_label("no student")
        self._start_button = QPushButton("Start")
        self._start_button.clicked.connect(self._on_start_button_clicked)
        self._pause_button = QPushButton("Pause")
        self._pause_button.setCheckable(True)
        self._pause_button.toggled.connect(self._on_pause_button_toggled)
        self._step_button = QPushButton("Step")
        self._step_button.clicked.connect(self._on_step_button_clicked)
        self._stop_button = QPushButton("Stop")
        self._stop_button.clicked.connect(self._on_stop_button_clicked)
        self._environments_spin = QSpinBox()
        self._environments_spin.setRange(1, MAX_ENVIRONMENTS)
        self._environments_spin.setPrefix("Environments: ")
        self._speed_slider = QSlider(Qt.Orientation.Horizontal)
        self._speed_slider.setRange(0, len(SPEEDS) - 1)
        self._speed_slider.setValue(SPEEDS.index(25))
        self._speed_slider.valueChanged.connect(self._on_speed_slider_changed)
        self._speed_label = _plain_label()
        self._status_label = _plain_label("Pick a teacher and press Start.")
        self._status_label.setWordWrap(True)

        row1 = QHBoxLayout()
        for widget in (
            _plain_label("Teacher"),
            self._teacher_combo,
            self._verbaliser_combo,
            self._think_check,
            self._seed_spin,
            self._environments_spin,
            self._student_button,
            self._student_label,
        ):
            row1.addWidget(widget)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        for widget in (
            self._start_button,
            self._pause_button,
            self._step_button,
            self._stop_button,
            _plain_label("speed"),
            self._speed_slider,
            self._speed_label,
        ):
            row2.addWidget(widget)
        row2.addWidget(self._status_label, 1)
        self._layout = QVBoxLayout(self)
        self._layout.addLayout(row1)
        self._layout.addLayout(row2)
        self._on_speed_slider_changed(self._speed_slider.value())

    def _build_boards_and_plots(self) -> None:
        teacher_color, student_color = QColor("#2e86c1"), QColor("#d35400")
        self._teacher_board = CartPoleBoardWidget("Teacher", teacher_color)
        self._student_board = CartPoleBoardWidget("Student", student_color)
        self._teacher_text = _plain_label()
        self._teacher_text.setWordWrap(True)
        self._teacher_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._student_text = _plain_label()
        self._student_text.setWordWrap(True)
        self._student_text.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout()
        grid.addWidget(self._teacher_board, 0, 0)
        grid.addWidget(self._student_board, 0, 1)
        grid.addWidget(self._teacher_text, 1, 0)
        grid.addWidget(self._student_text, 1, 1)
        # The other environments of a fleet run, as numbers (environment 1 is on the boards).
        self._fleet_label = _plain_label()
        self._fleet_label.setWordWrap(True)
        grid.addWidget(self._fleet_label, 2, 0, 1, 2)
        grid.setRowStretch(0, 3)
        self._layout.addLayout(grid, 3)

        self._returns_plot = pg.PlotWidget(title="Return per episode")
        self._returns_plot.setBackground("w")
        self._returns_plot.addLegend(offset=(-10, 60))
        self._returns_plot.setYRange(0, 510)
        self._returns_plot.setLabel("bottom", "episode")
        # Curves are created once and only ever updated with setData.
        self._curves: dict[str, pg.PlotDataItem] = {}
        for name, color in (("teacher", teacher_color), ("student", student_color)):
            self._curves[name] = self._returns_plot.plot(
                pen=pg.mkPen(color, width=1), symbol="o", symbolSize=4, symbolBrush=color, name=name
            )
            self._curves[f"{name}_mean"] = self._returns_plot.plot(
                pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine),
                name=f"{name}, mean of {RUNNING_MEAN}",
            )
        self._agreement_plot = pg.PlotWidget(
            title="Student agrees with teacher (% of teacher states)"
        )
        self._agreement_plot.setBackground("w")
        self._agreement_plot.setYRange(0, 100)
        self._agreement_plot.setLabel("bottom", "episode")
        self._curves["agreement"] = self._agreement_plot.plot(
            pen=pg.mkPen("#27ae60", width=2), symbol="o", symbolSize=4, symbolBrush="#27ae60"
        )
        for plot in (self._returns_plot, self._agreement_plot):
            plot.setDownsampling(mode="peak")
            plot.setClipToView(True)
        plots = QHBoxLayout()
        plots.addWidget(self._returns_plot)
        plots.addWidget(self._agreement_plot)
        self._layout.addLayout(plots, 2)

    def _build_replay(self) -> None:
        self._replay_button = QPushButton("Replay dataset…")
        self._replay_button.clicked.connect(self._on_replay_button_clicked)
        self._episode_combo = QComboBox()
        self._episode_combo.currentIndexChanged.connect(self._on_episode_combo_changed)
        self._scrubber = QSlider(Qt.Orientation.Horizontal)
        self._scrubber.valueChanged.connect(self._on_scrubber_changed)
        self._replay_label = _plain_label("no dataset")
        row = QHBoxLayout()
        for widget in (
            self._replay_button,
            self._episode_combo,
            self._scrubber,
            self._replay_label,
        ):
            row.addWidget(widget)
        row.setStretch(2, 1)
        self._layout.addLayout(row)
        self._set_replay_enabled(False)

    def _build_worker(self) -> None:
        self._worker = CartPoleWorker(self._backend)
        self.sig_start_requested.connect(self._worker.start)
        self.sig_pause_requested.connect(self._worker.set_paused)
        self.sig_step_requested.connect(self._worker.step_once)
        self.sig_speed_requested.connect(self._worker.set_speed)
        self.sig_stop_requested.connect(self._worker.stop)
        self.sig_backend_changed.connect(self._worker.set_backend)
        self._worker.sig_ticked.connect(self._on_worker_ticked)
        self._worker.sig_fleet_ticked.connect(self._on_worker_fleet_ticked)
        self._worker.sig_failed.connect(self._on_worker_failed)
        self._worker.sig_started.connect(self._on_worker_started)
        self._thread = start_in_thread(self._worker, "cartpole-worker")
        self._thread.finished.connect(self._worker.deleteLater)

    # -- public API ------------------------------------------------------------------------

    def set_backend(self, backend: Backend | None) -> None:
        """Use ``backend`` for LLM teachers from the next Start (``None`` disables them)."""
        self._backend = backend
        self.sig_backend_changed.emit(backend)
        model = self._teacher_combo.model()
        for i in range(self._teacher_combo.count()):
            if TeacherSpec.parse(self._teacher_combo.itemData(i)).needs_model:
                model.item(i).setEnabled(backend is not None)  # type: ignore[attr-defined]
        if backend is None and TeacherSpec.parse(self._teacher_combo.currentData()).needs_model:
            self._teacher_combo.setCurrentIndex(0)
        spin = self._environments_spin
        if serves_concurrently(backend):
            if not spin.isEnabled():
                spin.setValue(SERVER_ENVIRONMENTS)
            spin.setEnabled(True)
            spin.setToolTip(
                "LLM teachers play this many environments at once; the server answers their "
                "requests together. Environment 1 is shown on the boards, the others as numbers."
            )
        else:
            spin.setValue(1)
            spin.setEnabled(False)
            spin.setToolTip(ONE_AT_A_TIME if backend is not None else "LLM teachers need a model")

    def load_student(self, path: str | Path) -> MLPStudent | None:
        """Check and use the student checkpoint at ``path``; report problems in the panel."""
        try:
            student = load_student(path)
        except ArchiveError as exc:
            self._student_label.setText("no student")
            self._status_label.setText(str(exc))
            return None
        self._student_path = str(path)
        config = student.config
        self._student_label.setText(f"{config.algo} ← {config.teacher} ({config.labels} labels)")
        # Tooltips render anything that looks like markup: this shows the name as written.
        self._student_label.setToolTip(QtGui.Qt.convertFromPlainText(str(path)))
        return student

    def start(self, teacher: str | None = None, seed: int | None = None) -> None:
        """Start a fresh match (clearing the plots) with the selected or given teacher and seed."""
        if teacher is not None:
            index = self._teacher_combo.findData(teacher)
            if index < 0:
                raise ValueError(f"unknown teacher {teacher!r}")
            self._teacher_combo.setCurrentIndex(index)
        if seed is not None:
            self._seed_spin.setValue(seed)
        self._returns = ([], [])
        self._agreements = []
        self._plots_dirty = True
        self._pause_button.setChecked(False)
        self._has_student = bool(self._student_path)
        spec = str(self._teacher_combo.currentData())
        environments = 1
        if TeacherSpec.parse(spec).needs_model:
            environments = environments_for(self._backend, self._environments_spin.value())
        # A fleet run plays at the speed set at Start, without pause or single steps.
        self._pause_button.setEnabled(environments == 1)
        self._step_button.setEnabled(environments == 1)
        self._fleet = None
        self._fleet_label.setText("")
        self._cancel.set()  # the previous run, so that a fleet run lets this request in
        self._cancel = threading.Event()
        self.sig_start_requested.emit(
            LabConfig(
                teacher=spec,
                student_path=self._student_path,
                seed=self._seed_spin.value(),
                verbaliser=self._verbaliser_combo.currentText(),  # type: ignore[arg-type]
                think_aloud=self._think_check.isChecked(),
                steps_per_second=SPEEDS[self._speed_slider.value()],
                environments=environments,
                cancel=self._cancel,
            )
        )

    def stop(self) -> None:
        """End the current run (every environment of a fleet run within its current step)."""
        self._cancel.set()
        self.sig_stop_requested.emit()
        self._pause_button.setEnabled(True)
        self._step_button.setEnabled(True)
        self._status_label.setText("Stopped.")

    def load_replay(self, path: str | Path) -> Dataset | None:
        """Open a recorded dataset for replay; the scrubber then walks its episodes."""
        try:
            dataset = load_dataset(path)
        except ArchiveError as exc:
            self._replay_label.setText("no dataset")
            self._status_label.setText(str(exc))
            return None
        self._pause_button.setChecked(True)
        self._replay = dataset
        self._episode_combo.blockSignals(True)
        self._episode_combo.clear()
        for i, seed in enumerate(dataset.episode_seed):
            rows = dataset.episode_rows(i)
            self._episode_combo.addItem(
                f"episode {i + 1} (seed {seed}, {rows.stop - rows.start} steps)"
            )
        self._episode_combo.blockSignals(False)
        self._set_replay_enabled(True)
        meta = dataset.meta
        self._replay_label.setText(
            f"{meta.teacher} · {meta.model or 'no model'} · {meta.verbaliser or 'numbers'}"
        )
        self._on_episode_combo_changed(0)
        return dataset

    @property
    def episodes_finished(self) -> int:
        """Episodes completed in the current match (both sides done)."""
        return len(self._returns[0])

    @property
    def fleet(self) -> FleetTick | None:
        """The latest state of the current fleet run's environments (``None`` in a run of one)."""
        return self._fleet

    def shutdown(self) -> None:
        """Stop the worker and its thread (idempotent; returns within one step of the match)."""
        if not self._thread.isRunning():
            return
        self._frame_timer.stop()
        self._plot_timer.stop()
        self._cancel.set()
        self.sig_stop_requested.emit()
        stop_threads([self._thread])

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    # -- worker signals --------------------------------------------------------------------

    @Slot(object)
    def _on_worker_ticked(self, tick: MatchTick) -> None:
        self._latest = tick
        if tick.episode_over:
            self._returns[0].append(tick.teacher_return)
            if self._has_student:
                self._returns[1].append(tick.student_return)
            if tick.agreement is not None:
                self._agreements.append(100 * tick.agreement)
            self._plots_dirty = True

    @Slot(object)
    def _on_worker_fleet_ticked(self, tick: FleetTick) -> None:
        self._fleet = tick
        self._fleet_dirty = True

    @Slot(str)
    def _on_worker_failed(self, message: str) -> None:
        self._status_label.setText(message)

    @Slot(str)
    def _on_worker_started(self, description: str) -> None:
        self._status_label.setText(f"Running: {description}")

    # -- timers ------------------------------------------------------------------------------

    @Slot()
    def _on_frame_timeout(self) -> None:
        if self._fleet_dirty and self._fleet is not None:
            self._fleet_dirty = False
            self._fleet_label.setText(self._fleet.describe())
        tick, self._latest = self._latest, None
        if tick is None:
            return
        self._teacher_board.set_state(_board_state(tick, 0))
        self._student_board.set_state(_board_state(tick, 1))
        rationale = tick.teacher.rationale if tick.teacher is not None else ""
        self._teacher_text.setText(tick.text + (f"“{rationale}”" if rationale else ""))
        if tick.agreement is None:
            self._student_text.setText("no student: load a checkpoint")
        else:
            self._student_text.setText(
                f"agrees with the teacher on {100 * tick.agreement:.1f} % of this episode's "
                "teacher states"
            )

    @Slot()
    def _on_plot_timeout(self) -> None:
        if not self._plots_dirty:
            return
        self._plots_dirty = False
        for side, name in enumerate(("teacher", "student")):
            values = np.asarray(self._returns[side], dtype=float)
            episodes = np.arange(1, len(values) + 1)
            self._curves[name].setData(episodes, values)
            self._curves[f"{name}_mean"].setData(episodes, _running_mean(values, RUNNING_MEAN))
        agreements = np.asarray(self._agreements, dtype=float)
        self._curves["agreement"].setData(np.arange(1, len(agreements) + 1), agreements)

    # -- controls ----------------------------------------------------------------------------

    @Slot()
    def _on_start_button_clicked(self) -> None:
        self.start()

    @Slot()
    def _on_stop_button_clicked(self) -> None:
        self.stop()

    @Slot(bool)
    def _on_pause_button_toggled(self, paused: bool) -> None:
        self._pause_button.setText("Resume" if paused else "Pause")
        self.sig_pause_requested.emit(paused)

    @Slot()
    def _on_step_button_clicked(self) -> None:
        self._pause_button.setChecked(True)
        self.sig_step_requested.emit()

    @Slot(int)
    def _on_speed_slider_changed(self, index: int) -> None:
        speed = SPEEDS[index]
        self._speed_label.setText("max" if speed <= 0 else f"{speed:g} steps/s")
        self.sig_speed_requested.emit(float(speed))

    @Slot(int)
    def _on_teacher_combo_changed(self, index: int) -> None:
        if self._student_chosen:
            return
        path = _shipped_student(str(self._teacher_combo.itemData(index)))
        if path is not None:
            self.load_student(path)
        else:
            self._student_path = ""
            self._student_label.setText("no student for this teacher: load one")

    @Slot()
    def _on_student_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load student checkpoint", "", "Student (*.json *.npz)"
        )
        if path:
            self._student_chosen = True
            self.load_student(path)

    @Slot()
    def _on_replay_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Replay dataset", "", "Dataset (*.json *.npz)")
        if path:
            self.load_replay(path)

    @Slot(int)
    def _on_episode_combo_changed(self, index: int) -> None:
        if self._replay is None or index < 0:
            return
        rows = self._replay.episode_rows(index)
        self._scrubber.setRange(0, rows.stop - rows.start - 1)
        self._scrubber.setValue(0)
        self._on_scrubber_changed(0)

    @Slot(int)
    def _on_scrubber_changed(self, position: int) -> None:
        dataset = self._replay
        if dataset is None:
            return
        episode = max(0, self._episode_combo.currentIndex())
        row = dataset.episode_rows(episode).start + position
        obs = _obs_tuple(dataset.obs[row])
        action = int(dataset.action[row])
        seed = dataset.episode_seed[episode]
        caption = f"replay · episode {episode + 1} · seed {seed} · step {position + 1}"
        self._teacher_board.set_state(BoardState(obs, action, caption))
        # Show the text the teacher read; numeric teachers are shown in the fine form.
        verbaliser = "coarse" if dataset.meta.verbaliser == "coarse" else "fine"
        rationale = str(dataset.rationale[row])
        self._teacher_text.setText(
            verbalise(obs, verbaliser)
            + f"push-cart: {ACTION_NAMES[action]}"
            + (f"\n“{rationale}”" if rationale else "")
        )

    def _set_replay_enabled(self, enabled: bool) -> None:
        self._episode_combo.setEnabled(enabled)
        self._scrubber.setEnabled(enabled)


def _running_mean(values: np.ndarray, window: int) -> np.ndarray:
    if len(values) == 0:
        return values
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def _shipped_student(teacher: str) -> Path | None:
    """The small DAgger student shipped for ``teacher``'s persona, if there is one."""
    persona = TeacherSpec.parse(teacher).persona
    path = assets_dir() / "cartpole" / "students" / f"{persona}-dagger.json"
    return path if persona and path.exists() else None
