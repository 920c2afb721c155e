"""The main window: avatar, streaming transcript, reflection panel, status and HUD.

A view over the engine workers: it sends requests by signal and turns engine events into
widget updates. It holds no domain logic beyond the state of the current turn.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from empath_desktop import __version__
from empath_desktop.avatar.animator import Mode
from empath_desktop.avatar.look import available_looks
from empath_desktop.avatar.widget import AvatarWidget
from empath_desktop.chat.pipeline import (
    ReactDelta,
    ReactionReady,
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnFailed,
    TurnRecord,
    TurnRecorded,
)
from empath_desktop.chat.prompts import VoiceStyle, available_personas
from empath_desktop.llm.model_files import resolve_model
from empath_desktop.store.conversations import (
    Conversation,
    ConversationError,
    ConversationStore,
    export_markdown,
    to_exchanges,
)
from empath_desktop.store.settings import Settings, load_settings, save_settings
from empath_desktop.ui.chat_view import ChatInput, ChatView
from empath_desktop.ui.lab.cartpole_panel import CartPolePanelWidget
from empath_desktop.ui.overlays import BannerWidget, StageTimelineWidget
from empath_desktop.ui.settings_dialog import SettingsDialog, apply_theme
from empath_desktop.ui.voice_bridge import (
    VoiceBridge,
    avatar_viseme,
    output_device_names,
    voice_names,
)
from empath_desktop.ui.workers import (
    EngineWorker,
    ModelInfo,
    ModelRequest,
    ReflectionWorker,
    start_in_thread,
)
from empath_desktop.voice.sinks import AudioSink
from empath_desktop.voice.speaker import MouthState

logger = logging.getLogger(__name__)

FLUSH_MS = 33  # streamed text reaches the view at ~30 Hz, not once per token
LISTEN_HOLD_MS = 1500


class MainWindow(QMainWindow):
    sig_load_requested = Signal(object)
    sig_turn_requested = Signal(str, object)
    sig_reflect_requested = Signal(object, object)  # PendingReflection, cancel
    sig_reset_requested = Signal()
    sig_restore_requested = Signal(object)  # list[Exchange]
    sig_configure_requested = Signal(object)  # ModelRequest without reload
    # The UI-side state: loading, ready, reacting, responding, reflecting, error.
    sig_state_changed = Signal(str)
    # Stages as the user sees them: "reaction", "respond_done", "reflect_done" (script/record).
    sig_stage_reached = Signal(str)
    sig_turn_recorded = Signal(object)  # TurnRecord, after the reflection (or cancellation)

    def __init__(
        self,
        settings: Settings,
        *,
        model_override: str | None = None,
        persona_override: str | None = None,
        engine: EngineWorker | None = None,
        store: ConversationStore | None = None,
        voice_sink: Callable[[], AudioSink] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.store = store or ConversationStore()
        self._conversation: Conversation | None = None
        self._model_name = ""
        self._model_override = model_override
        self._persona_override = persona_override
        self.state = "loading"
        self._model_loaded = False
        self._persona_name = "EMPATH"
        self._turn_cancel = threading.Event()
        self._reflect_cancel = threading.Event()
        self._send_t = 0.0
        self._pending_reply = ""
        self._turn_timings: dict[str, float] = {}
        self.last_record: TurnRecord | None = None
        self._audio_devices: list[str] = []
        self._offering_continue = False
        self._discarding = False

        self.setWindowTitle(f"EMPATH Desktop {__version__}")
        self.resize(1280, 800)
        self._build_widgets()
        self._build_actions()

        self._engine = engine or EngineWorker()
        self._reflector = ReflectionWorker(self._engine)
        self._threads: list[QThread] = [
            start_in_thread(self._engine, "engine"),
            start_in_thread(self._reflector, "reflection"),
        ]
        self.sig_load_requested.connect(self._engine.load)
        self.sig_turn_requested.connect(self._engine.run_turn)
        self.sig_reset_requested.connect(self._engine.reset)
        self.sig_restore_requested.connect(self._engine.restore)
        self.sig_configure_requested.connect(self._engine.configure)
        self.sig_reflect_requested.connect(self._reflector.reflect)
        self._engine.sig_model_loading.connect(self._on_model_loading)
        self._engine.sig_model_loaded.connect(self._on_model_loaded)
        self._engine.sig_model_failed.connect(self._on_model_failed)
        self._engine.sig_model_crashed.connect(self._on_model_crashed)
        self._engine.sig_persona_changed.connect(self._on_persona_changed)
        self._engine.sig_event.connect(self._on_engine_event)
        self._reflector.sig_event.connect(self._on_engine_event)

        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush_reply)
        self._listen_timer = QTimer(self)
        self._listen_timer.setSingleShot(True)
        self._listen_timer.setInterval(LISTEN_HOLD_MS)
        self._listen_timer.timeout.connect(self._on_listen_timeout)

        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self.voice = VoiceBridge(voice_sink)
        self.voice.sig_mouth_changed.connect(self._on_mouth_changed)
        self.voice.sig_status_changed.connect(self._on_voice_status_changed)
        self._audio_devices = output_device_names()

        self._set_state("loading")
        self.request_model_load()

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.avatar = AvatarWidget(look=self.settings.avatar_look)
        self.avatar.setMinimumSize(QSize(240, 240))
        self.timeline = StageTimelineWidget(self.avatar)
        self.timeline.setVisible(False)
        self.banner = BannerWidget()
        self.chat = ChatView()
        self.input = ChatInput()
        self.input.setFixedHeight(84)
        self.input.sig_submitted.connect(self._on_input_submitted)
        self.input.textChanged.connect(self._on_input_text_changed)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.input.submit)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)

        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addLayout(buttons)
        chat_side = QWidget()
        chat_layout = QVBoxLayout(chat_side)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.addWidget(self.chat, 1)
        chat_layout.addLayout(input_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.avatar)
        self.splitter.addWidget(chat_side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.tabs = QTabWidget()
        self.tabs.addTab(self.splitter, "Chat")
        self.lab = CartPolePanelWidget(parent=self)
        self.tabs.addTab(self.lab, "Personas lab")
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(6, 6, 6, 6)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.reflections = QPlainTextEdit()
        self.reflections.setReadOnly(True)
        self.reflections.setPlaceholderText("Private reflections appear here as they form.")
        self.reflection_dock = QDockWidget("Reflections", self)
        self.reflection_dock.setObjectName("reflections")
        self.reflection_dock.setWidget(self.reflections)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.reflection_dock)
        self.reflection_dock.setVisible(self.settings.show_reflections)

        self.voice_label = QLabel("")
        self.model_label = QLabel("no model")
        self.speed_label = QLabel("")
        self.state_label = QLabel("")
        for label in (self.voice_label, self.model_label, self.speed_label, self.state_label):
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.statusBar().addPermanentWidget(label)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&Conversation")
        self._add_action(menu, "&New conversation", "Ctrl+N", self.new_conversation)
        self._add_action(menu, "&Continue last conversation", "Ctrl+L", self.continue_last)
        self._add_action(menu, "&Export as Markdown…", "Ctrl+E", self._on_export_triggered)
        self._add_action(menu, "&Stop", "Esc", self.stop)
        menu.addSeparator()
        self._add_action(menu, "S&ettings…", "Ctrl+,", self._on_settings_triggered)
        menu.addSeparator()
        self._add_action(menu, "&Quit", "Ctrl+Q", self.close)
        view = self.menuBar().addMenu("&View")
        toggle = self.reflection_dock.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+R"))
        view.addAction(toggle)
        self.timeline_action = self._add_action(
            view, "Stage &timeline", "Ctrl+T", self._on_timeline_toggled
        )
        self.timeline_action.setCheckable(True)
        self._add_action(view, "&Presentation mode", "F11", self.toggle_presentation)

    def _add_action(self, menu: object, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working with the menu bar hidden
        return action

    # -- requests --------------------------------------------------------------------

    def _model_request(self) -> ModelRequest:
        choice = resolve_model(self._model_override, self.settings.model_path)
        return ModelRequest(
            model_path=str(choice.path) if choice.path else None,
            persona=self._persona_override or self.settings.persona,
            n_threads=self.settings.threads or None,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
            safe=self.settings.safe_mode,
            use_adapter=self.settings.use_adapter,
        )

    def request_model_load(self) -> None:
        self._model_loaded = False
        self.sig_load_requested.emit(self._model_request())

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings: reload the model only when the model file or threads changed."""
        old, self.settings = self.settings, settings
        save_settings(settings)
        self.avatar.set_look(settings.avatar_look)
        self.reflection_dock.setVisible(settings.show_reflections)
        voice_fields = ("voice_enabled", "voice_device", "voice_name", "voice_rate", "voice_volume")
        if any(getattr(settings, f) != getattr(old, f) for f in voice_fields):
            self.voice.configure(settings)
        app = QApplication.instance()
        if isinstance(app, QApplication) and settings.theme != old.theme:
            apply_theme(app, settings.theme)
        if settings.persona != old.persona:
            self._persona_override = None  # chosen in Settings: that now wins over --persona
        reload_fields = ("model_path", "threads", "safe_mode", "use_adapter")
        if any(getattr(settings, f) != getattr(old, f) for f in reload_fields):
            if settings.model_path != old.model_path:
                self._model_override = None  # the user chose in Settings: that now wins
            self.request_model_load()
        else:
            self.sig_configure_requested.emit(self._model_request())

    def send(self, text: str) -> bool:
        """Start a turn. Returns False (and keeps the text) when it cannot start now."""
        if not self._model_loaded:
            self.banner.show_message(
                "The model is not loaded yet, so your message was not sent. "
                "It is back in the input box."
            )
            return False
        if self.state in ("reacting", "responding"):
            return False
        if self.state == "reflecting":
            # The user has spoken: the reflection yields, keeping what it has.
            self._reflect_cancel.set()
        self.voice.stop()
        self._turn_cancel = threading.Event()
        self._send_t = time.perf_counter()
        self._turn_timings = {}
        self._pending_reply = ""
        self.timeline.reset()
        self.chat.add_user(text)
        self._listen_timer.stop()
        if self._offering_continue:  # a new message declines the offer
            self._offering_continue = False
            self.banner.hide()
        self.avatar.animator.set_mode(Mode.IDLE)
        self._set_state("reacting")
        self.timeline.stage_started("react", 0.0)
        self.sig_turn_requested.emit(text, self._turn_cancel)
        return True

    def stop(self) -> None:
        self._turn_cancel.set()
        self._reflect_cancel.set()
        self.voice.stop()

    def _abandon_turn(self) -> None:
        """Stop the turn in flight and drop the events it still sends: the view starts over.
        Every stage ends with TurnRecorded or TurnFailed, which ends the dropping."""
        if self.state in ("reacting", "responding", "reflecting"):
            self._discarding = True
            self._flush_timer.stop()
            self._pending_reply = ""
            self.timeline.reset()
            self._set_state("ready")
        self.stop()

    def new_conversation(self) -> None:
        self._abandon_turn()
        self._conversation = None
        self.chat.clear()
        self.reflections.clear()
        self.timeline.reset()
        self.sig_reset_requested.emit()
        self.avatar.animator.set_mode(Mode.IDLE)

    def continue_last(self) -> bool:
        """Reload the latest saved conversation into the view and the engine's memory."""
        path = self.store.latest()
        if path is None:
            self.banner.show_message("There is no saved conversation to continue.", "info")
            return False
        try:
            loaded = self.store.load(path)
            conversation = self.store.continue_(path)
        except (ConversationError, OSError) as exc:
            self.banner.show_message(f"Could not open the last conversation {path}: {exc}")
            return False
        self._abandon_turn()
        self.chat.clear()
        self.reflections.clear()
        for turn in loaded.turns:
            self.chat.add_user(turn.user)
            self.chat.begin_reply(self._persona_name, f"{turn.expression} · {turn.posture}")
            self.chat.append_reply(turn.respond)
            self.chat.end_reply()
            if turn.reflect:
                self.reflections.appendPlainText(turn.reflect)
        self.sig_restore_requested.emit(to_exchanges(loaded))
        self._conversation = conversation
        self.chat.add_notice(f"(continuing the conversation from {path.name})")
        return True

    def _offer_continue(self) -> None:
        if self.store.latest() is not None and self._conversation is None:
            self._offering_continue = True
            self.banner.show_message(
                "Welcome back. Pick up your last conversation where you left it?",
                "info",
                ("Continue", self.continue_last),
            )

    def _on_export_triggered(self) -> None:
        if self._conversation is None:
            self.banner.show_message("Nothing to export yet: this conversation is empty.", "info")
            return
        out, _ = QFileDialog.getSaveFileName(
            self, "Export conversation", str(Path.home() / "conversation.md"), "Markdown (*.md)"
        )
        if out:
            try:
                export_markdown(self.store.load(self._conversation.path), Path(out))
            except (ConversationError, OSError) as exc:
                self.banner.show_message(f"Could not export to {out}: {exc}")

    def _on_settings_triggered(self) -> None:
        dialog = SettingsDialog(
            self.settings,
            available_personas(),
            available_looks(),
            self._audio_devices,
            self,
            voices=voice_names(),
        )
        if dialog.exec():
            self.apply_settings(dialog.result_settings())

    def toggle_presentation(self) -> None:
        presenting = not self.isFullScreen()
        self.menuBar().setVisible(not presenting)
        self.statusBar().setVisible(not presenting)
        self.tabs.tabBar().setVisible(not presenting)
        font = QFont(self.chat.font())
        font.setPointSizeF(font.pointSizeF() * (1.6 if presenting else 1 / 1.6))
        self.chat.setFont(font)
        self.input.setFont(font)
        if presenting:
            self.showFullScreen()
            self.splitter.setSizes([self.width() * 2 // 3, self.width() // 3])
        else:
            self.showNormal()

    # -- engine events -----------------------------------------------------------------

    def _ms(self) -> float:
        return (time.perf_counter() - self._send_t) * 1000.0

    def _on_model_loading(self, what: str) -> None:
        self._set_state("loading")
        self.model_label.setText(f"loading {what}…")

    def _on_model_loaded(self, info: ModelInfo) -> None:
        self._model_loaded = True
        self._persona_name = info.persona_name
        self._model_name = info.name
        self.voice.configure(self.settings, info.persona_voice)
        self.lab.set_backend(self._engine.backend)
        self.model_label.setText(info.name)
        self.banner.hide()
        self._offer_continue()
        self._set_state("ready")
        logger.info("model %s ready in %.1f s", info.name, info.load_s)

    def _on_persona_changed(self, name: str, voice: VoiceStyle) -> None:
        self._persona_name = name
        self.voice.configure(self.settings, voice)

    def _on_model_failed(self, message: str) -> None:
        self.model_label.setText("no model")
        self.banner.show_message(message)
        self._set_state("error")

    def _on_model_crashed(self, message: str, was_safe: bool) -> None:
        """The window stays up with the explanation; safe settings are one click away."""
        self.model_label.setText("no model")
        action = None if was_safe else ("Try safe settings", self.use_safe_settings)
        self.banner.show_message(message, "error", action)
        self._set_state("error")

    def use_safe_settings(self) -> None:
        """Reload with one thread, no memory-mapping and no repacked weights (kept in Settings,
        where it can be switched off again)."""
        self.apply_settings(dataclasses.replace(self.settings, safe_mode=True))

    def _on_engine_event(self, event: object) -> None:
        if self._discarding:
            self._discarding = not isinstance(event, (TurnRecorded, TurnFailed))
            return
        match event:
            case ReactDelta():
                self._turn_timings.setdefault("first_react_ms", self._ms())
            case ReactionReady(reaction=reaction, final=final):
                self.avatar.animator.react(reaction)
                if "reaction_applied_ms" not in self._turn_timings:
                    self._turn_timings["reaction_applied_ms"] = self._ms()
                    self.sig_stage_reached.emit("reaction")
                if final:
                    self.timeline.stage_ended("react", self._ms())
                    self.chat.begin_reply(
                        self._persona_name, f"{reaction.expression} · {reaction.posture}"
                    )
            case RespondDelta(text=text):
                if self.state != "responding":
                    self._turn_timings["first_respond_ms"] = self._ms()
                    self.timeline.stage_started("respond", self._ms())
                    self._set_state("responding")
                    self.avatar.animator.set_mode(Mode.SPEAKING)
                    self._flush_timer.start()
                self._pending_reply += text
                self.voice.speak_delta(text)
            case RespondDone(reflection=pending):
                self._flush_reply()
                self._flush_timer.stop()
                self.voice.finish()
                self._turn_timings["respond_done_ms"] = self._ms()
                self.timeline.stage_ended("respond", self._ms())
                self.chat.end_reply("stopped" if self._turn_cancel.is_set() else "")
                self.sig_stage_reached.emit("respond_done")
                if self._turn_cancel.is_set() or pending is None:
                    self.avatar.animator.set_mode(Mode.IDLE)
                    self._set_state("ready")
                else:
                    self._reflect_cancel = threading.Event()
                    self._set_state("reflecting")
                    self.timeline.stage_started("reflect", self._ms())
                    if not self.voice.active:  # else the end of the audio switches the mode
                        self.avatar.animator.set_mode(Mode.THINKING)
                    self.reflections.appendPlainText("")
                    self.sig_reflect_requested.emit(pending, self._reflect_cancel)
            case ReflectDelta(text=text):
                self.reflections.insertPlainText(text)
            case ReflectDone(cancelled=cancelled):
                self._turn_timings["reflect_done_ms"] = self._ms()
                self.timeline.stage_ended("reflect", self._ms())
                if cancelled:
                    self.reflections.insertPlainText(" [interrupted]")
                if self.state == "reflecting":
                    self.avatar.animator.set_mode(Mode.IDLE)
                    self._set_state("ready")
                self.sig_stage_reached.emit("reflect_done")
            case TurnFailed(message=message):
                self._flush_timer.stop()
                self.timeline.stop_running(self._ms())
                self.banner.show_message(message)
                self.chat.end_reply()
                self.avatar.animator.set_mode(Mode.IDLE)
                self._set_state("ready")
                self.sig_stage_reached.emit("failed")
            case TurnRecorded(record=record):
                self.last_record = record
                self._persist(record)
                self.sig_turn_recorded.emit(record)
                if record.generation_s > 0:
                    rate = record.generated_tokens / record.generation_s
                    self.speed_label.setText(f"{rate:.1f} tok/s")
                if record.cancelled:
                    self.timeline.stop_running(self._ms())
                    if self.state in ("reacting", "responding"):
                        self._set_state("ready")

    def _persist(self, record: TurnRecord) -> None:
        try:
            if self._conversation is None:
                persona = self._persona_override or self.settings.persona
                self._conversation = self.store.start(self._model_name, persona)
            self._conversation.append(record)
        except OSError as exc:
            self.banner.show_message(
                f"This turn could not be saved ({exc}); the conversation continues on screen."
            )

    def turn_timings(self) -> dict[str, float]:
        """UI-side timings of the latest turn, ms since send."""
        return dict(self._turn_timings)

    # -- UI slots ----------------------------------------------------------------------

    def _flush_reply(self) -> None:
        if self._pending_reply:
            self.chat.append_reply(self._pending_reply)
            if not self.voice.active:  # with a voice, the audio itself drives the mouth
                self.avatar.animator.feed_text(self._pending_reply)
            self._pending_reply = ""

    def _on_mouth_changed(self, state: MouthState) -> None:
        self.avatar.animator.set_speech_level(state.level if state.speaking else 0.0)
        self.avatar.animator.set_viseme(avatar_viseme(state))
        if not state.speaking and self.state != "responding":
            thinking = self.state == "reflecting"
            self.avatar.animator.set_mode(Mode.THINKING if thinking else Mode.IDLE)

    def _on_voice_status_changed(self, message: str) -> None:
        self.voice_label.setText(message)
        if message.startswith("Voice off") and self.voice.active:
            self.voice.close()

    def _on_input_submitted(self, text: str) -> None:
        if not self.send(text):
            self.input.setPlainText(text)

    def _on_input_text_changed(self) -> None:
        if self.state == "ready" and self.input.toPlainText():
            self.avatar.animator.set_mode(Mode.LISTENING)
            self._listen_timer.start()

    def _on_listen_timeout(self) -> None:
        if self.state == "ready":
            self.avatar.animator.set_mode(Mode.IDLE)

    def _on_timeline_toggled(self, checked: bool) -> None:
        self.timeline.setVisible(checked)
        self.timeline.setGeometry(10, 10, min(460, self.avatar.width() - 20), 86)
        self.timeline.raise_()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_label.setText(state)
        busy = state in ("reacting", "responding")
        self.stop_button.setEnabled(busy or state == "reflecting")
        self.send_button.setEnabled(not busy and self._model_loaded)
        self.sig_state_changed.emit(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the workers: cancel, then quit and join their threads (bounded wait)."""
        self.stop()
        self.lab.shutdown()
        for thread in self._threads:
            thread.quit()
        for thread in self._threads:
            if not thread.wait(5000):
                logger.warning("worker thread %s did not stop in time", thread.objectName())
        self._engine.close()
        self.voice.close()
        self._threads = []


def prefer_ui_thread() -> None:
    """Hand the GIL over more often than the default 5 ms: the engine thread runs Python
    between llama.cpp calls for every token, and a UI thread kept waiting for the GIL misses
    its 60 Hz frame."""
    sys.setswitchinterval(0.001)


def run_app(args: argparse.Namespace) -> int:
    from empath_desktop.ui.script_player import ScriptPlayer, read_script

    prefer_ui_thread()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EMPATH Desktop")
    settings = load_settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings, model_override=args.model, persona_override=args.persona)
    window.show()
    exit_code = 0
    if args.script is not None:
        try:
            messages = read_script(args.script)
        except OSError as exc:
            logger.error("cannot read script %s: %s", args.script, exc)
            window.shutdown()
            return 2
        player = ScriptPlayer(window, messages, args.record)

        def on_finished(code: int) -> None:
            nonlocal exit_code
            exit_code = code
            if args.exit_when_done:
                window.close()

        player.sig_finished.connect(on_finished)
        player.start()
    status = app.exec()
    return exit_code or status
