"""The main window: avatar, streaming transcript, reflection panel, status and HUD.

A view of a `ChatSession` through its `SessionBridge`: user actions go to the bridge; the
events and states it signals become widget updates. The turn's state, ids, timings and saving
belong to the session.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
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
    ReactionReady,
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnFailed,
    TurnRecord,
    TurnRecorded,
)
from empath_desktop.chat.prompts import available_personas
from empath_desktop.session import (
    ChatSession,
    ModelFailed,
    ModelLoaded,
    ModelLoading,
    ModelRequest,
    PersonaChanged,
    SaveFailed,
    SessionState,
    StageReached,
    model_request,
)
from empath_desktop.session.memory import open_memory
from empath_desktop.store.conversations import ConversationError, export_markdown
from empath_desktop.store.settings import Settings, save_settings
from empath_desktop.ui.chat_view import ChatInput, ChatView
from empath_desktop.ui.lab.cartpole_panel import CartPolePanelWidget
from empath_desktop.ui.memory_panel import MemoryDialog
from empath_desktop.ui.overlays import BannerWidget, StageTimelineWidget
from empath_desktop.ui.session_bridge import SessionBridge
from empath_desktop.ui.settings_dialog import SettingsDialog, apply_theme
from empath_desktop.ui.voice_bridge import (
    VoiceBridge,
    avatar_viseme,
    output_device_names,
    voice_names,
)
from empath_desktop.voice.sinks import AudioSink
from empath_desktop.voice.speaker import MouthState

logger = logging.getLogger(__name__)

FLUSH_MS = 33  # streamed text reaches the view at ~30 Hz, not once per token
LISTEN_HOLD_MS = 1500
CONTINUE_OFFER = "Welcome back. Pick up your last conversation where you left it?"


# The settings that choose what model runs: changing one reloads and ends a command-line choice.
_SOURCE_FIELDS = ("model_path", "server_url", "server_model")


class MainWindow(QMainWindow):
    # The session's state, a SessionState value: loading, ready, reacting, responding,
    # reflecting, error.
    sig_state_changed = Signal(str)
    # Stages as the user sees them: "reaction", "respond_done", "reflect_done" (script/record).
    sig_stage_reached = Signal(str)
    sig_turn_recorded = Signal(object)  # TurnRecord, after the reflection (or cancellation)

    def __init__(
        self,
        settings: Settings,
        *,
        model_override: str | None = None,
        server_override: tuple[str, str | None] | None = None,
        persona_override: str | None = None,
        session: ChatSession | None = None,
        voice_sink: Callable[[], AudioSink] | None = None,
    ) -> None:
        """`session` None: a session on the user's conversation store and models.
        `model_override` (--model) or `server_override` (--server URL, --server-model NAME)
        win over the model source in Settings until the user chooses one there."""
        super().__init__()
        self.settings = settings
        self.session = session or ChatSession()
        self._model_override = model_override
        self._server_override = server_override
        # While a model chosen in Settings loads: the model path and override to go back to if
        # it fails (the new path is saved only once it has loaded).
        self._model_before: tuple[str, str | None] | None = None
        self._notice = ""  # a startup notice (settings, memory): stays until dismissed
        self._persona_override = persona_override
        self._pending_reply = ""
        self.last_record: TurnRecord | None = None
        self._audio_devices: list[str] = []
        self.memory_panel: MemoryDialog | None = None  # made when first opened

        self.setWindowTitle(f"EMPATH Desktop {__version__}")
        self.resize(1280, 800)
        self._build_widgets()
        self._build_actions()

        self.bridge = SessionBridge(self.session, self)
        self.bridge.sig_event.connect(self._on_session_event)
        self.bridge.sig_state_changed.connect(self._on_state_changed)
        self.sig_turn_recorded.connect(self._on_turn_recorded)

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

        self._on_state_changed(self.state.value)
        self.request_model_load()

    @property
    def state(self) -> SessionState:
        """The session's state (equal to its string value: `window.state == "ready"`)."""
        return self.session.state

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
        self._add_action(view, "What I &remember…", "Ctrl+M", self.show_memory_panel)

    def _add_action(self, menu: object, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts keep working with the menu bar hidden
        return action

    # -- requests --------------------------------------------------------------------

    def _model_request(self) -> ModelRequest:
        server, server_model = self._server_override or (None, None)
        return model_request(
            self.settings,
            model=self._model_override,
            persona=self._persona_override,
            server=server,
            server_model=server_model,
        )

    def request_model_load(self) -> None:
        self.bridge.load(self._model_request())

    def show_notice(self, text: str) -> None:
        """A paragraph from the start (unusable settings, memory) that, unlike the model's
        messages, stays in the banner when the model loads."""
        self._notice = text
        self.banner.show_message(text)

    def _save_settings(self) -> None:
        """Save the settings, holding back a model path that has not loaded yet. A failed save
        keeps them for this run, and says so: the window and the engine never disagree."""
        settings = self.settings
        if self._model_before is not None:
            settings = dataclasses.replace(settings, model_path=self._model_before[0])
        try:
            save_settings(settings)
        except OSError as exc:
            self.banner.show_message(
                f"Your settings could not be saved ({exc.strerror or exc}), so they apply to "
                "this run only; the next start uses the settings saved before."
            )

    def _forget_model_choice(self) -> None:
        """The model chosen in Settings failed to load: back to the path saved before, which
        the next start uses too."""
        if self._model_before is not None:
            path, self._model_override = self._model_before
            self._model_before = None
            self.settings = dataclasses.replace(self.settings, model_path=path)

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings: reload the model only when the model file or threads changed."""
        old, self.settings = self.settings, settings
        if settings.model_path != old.model_path and self._model_before is None:
            self._model_before = (old.model_path, self._model_override)
        self._save_settings()
        self.avatar.set_look(settings.avatar_look)
        self.reflection_dock.setVisible(settings.show_reflections)
        voice_fields = ("voice_enabled", "voice_device", "voice_name", "voice_rate", "voice_volume")
        if settings.memory != old.memory:
            self.set_memory_enabled(settings.memory)
        if any(getattr(settings, f) != getattr(old, f) for f in voice_fields):
            self.voice.configure(settings)
        app = QApplication.instance()
        if isinstance(app, QApplication) and settings.theme != old.theme:
            apply_theme(app, settings.theme)
        if settings.persona != old.persona:
            self._persona_override = None  # chosen in Settings: that now wins over --persona
        reload_fields = (*_SOURCE_FIELDS, "threads", "safe_mode", "use_adapter")
        if any(getattr(settings, f) != getattr(old, f) for f in reload_fields):
            if any(getattr(settings, f) != getattr(old, f) for f in _SOURCE_FIELDS):
                # The user chose in Settings: that now wins over --model and --server.
                self._model_override = self._server_override = None
            self.request_model_load()
        else:
            self.bridge.configure(self._model_request())

    def send(self, text: str) -> bool:
        """Start a turn. Returns False (and keeps the text) when it cannot start now."""
        if not self.session.model_ready:
            self.banner.show_message(
                "The model is not loaded yet, so your message was not sent. "
                "It is back in the input box."
            )
            return False
        if not self.bridge.send(text):
            return False
        self.voice.stop()
        self._pending_reply = ""
        self.timeline.reset()
        self.timeline.stage_started("react", 0.0)
        self.chat.add_user(text)
        self._listen_timer.stop()
        if self.banner.text() == CONTINUE_OFFER:  # a new message declines the offer
            self.banner.hide()
        self.avatar.animator.set_mode(Mode.IDLE)
        return True

    def stop(self) -> None:
        self.bridge.stop()
        self.voice.stop()

    def _clear_turn_view(self) -> None:
        """The shown turn was abandoned: its events no longer come (the session drops them)."""
        self._flush_timer.stop()
        self._pending_reply = ""
        self.voice.stop()
        self.chat.clear()
        self.reflections.clear()
        self.timeline.reset()
        self.avatar.animator.set_mode(Mode.IDLE)

    def new_conversation(self) -> None:
        self.bridge.new()
        self._clear_turn_view()

    def continue_last(self) -> bool:
        """Reload the latest saved conversation into the view and the engine's memory."""
        try:
            loaded = self.bridge.continue_last()
        except (ConversationError, OSError) as exc:
            self.banner.show_message(f"Could not open the last conversation: {exc}")
            return False
        if loaded is None:
            self.banner.show_message("There is no saved conversation to continue.", "info")
            return False
        self._clear_turn_view()
        for turn in loaded.turns:
            self.chat.add_user(turn.user)
            self.chat.begin_reply(self.session.persona_name, f"{turn.expression} · {turn.posture}")
            self.chat.append_reply(turn.respond)
            self.chat.end_reply()
            if turn.reflect:
                self.reflections.appendPlainText(turn.reflect)
        self.chat.add_notice(f"(continuing the conversation from {loaded.path.name})")
        return True

    def _offer_continue(self) -> None:
        if self.session.store.latest() is not None and self.session.conversation is None:
            self.banner.show_message(
                CONTINUE_OFFER,
                "info",
                ("Continue", self.continue_last),
            )

    # -- long-term memory ------------------------------------------------------------

    def _greet(self) -> None:
        """At a fresh start (nothing shown yet), the avatar greets a returning user with
        something it remembers: a line in the transcript, spoken when the voice is on. It is
        not part of the conversation: neither saved nor in the model's context."""
        if self.session.conversation is not None or self.chat.transcript():
            return
        greeting = self.session.greeting()
        if greeting:
            self.chat.begin_reply(self.session.persona_name)
            self.chat.append_reply(greeting)
            self.chat.end_reply()
            self.voice.speak_delta(greeting)
            self.voice.finish()

    def _memory_off_reason(self) -> str:
        if not self.settings.memory:
            return (
                "Memory is off: nothing is kept or recalled across conversations. Turn on "
                "“Remember me across conversations” in Settings to use it."
            )
        return "Memory is unavailable: its database could not be opened (see the message above)."

    def set_memory_enabled(self, enabled: bool) -> None:
        """Memory on or off in the running session: off stops recall and keeping at once (the
        notes stay in the database); on opens the store, and a problem shows in the banner."""
        memory, notice = open_memory(enabled)
        if notice:
            self.banner.show_message(notice)
        self.bridge.set_memory(memory)
        if self.memory_panel is not None:
            self.memory_panel.set_memory(memory, self._memory_off_reason())

    def show_memory_panel(self) -> MemoryDialog:
        """Open (or raise) the non-modal "What I remember" dialog."""
        if self.memory_panel is None:
            self.memory_panel = MemoryDialog(
                self.session.memory, self._memory_off_reason(), self
            )
        self.memory_panel.show()
        self.memory_panel.raise_()
        self.memory_panel.activateWindow()
        return self.memory_panel

    def _on_turn_recorded(self, _record: TurnRecord) -> None:
        # The session kept the turn's notes before the view heard of it.
        if self.memory_panel is not None and self.memory_panel.isVisible():
            self.memory_panel.refresh()

    def _on_export_triggered(self) -> None:
        conversation = self.session.conversation
        if conversation is None:
            self.banner.show_message("Nothing to export yet: this conversation is empty.", "info")
            return
        out, _ = QFileDialog.getSaveFileName(
            self, "Export conversation", str(Path.home() / "conversation.md"), "Markdown (*.md)"
        )
        if out:
            try:
                export_markdown(self.session.store.load(conversation.path), Path(out))
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

    # -- session events --------------------------------------------------------------

    def _on_session_event(self, event: object) -> None:
        """One event of the shown turn (or of the model): the session has already dropped
        those of abandoned turns and moved its state."""
        match event:
            case ModelLoading(what=what):
                self.model_label.setText(f"loading {what}…")
            case ModelLoaded(info=info):
                self.voice.configure(self.settings, info.persona_voice)
                self.lab.set_backend(self.session.backend)
                self.model_label.setText(info.name)
                if self._model_before is not None:  # the model chosen in Settings loaded
                    self._model_before = None
                    self._save_settings()
                if not self._notice or self.banner.text() != self._notice:
                    self.banner.hide()
                    self._offer_continue()
                self._greet()
                logger.info("model %s ready in %.1f s", info.name, info.load_s)
            case ModelFailed(message=message, kept_model=kept) if kept:
                # A failed reload: the previous model chats on, and stays the saved one.
                self._forget_model_choice()
                self.model_label.setText(kept)
                self.banner.show_message(f"{message} {kept} is still loaded and chatting.")
            case ModelFailed(message=message, crashed=crashed, was_safe=was_safe):
                # The window stays up with the explanation; after a crash, safe settings are
                # one click away.
                self._forget_model_choice()
                self.model_label.setText("no model")
                offer = crashed and not was_safe
                action = ("Try safe settings", self.use_safe_settings) if offer else None
                self.banner.show_message(message, "error", action)
            case PersonaChanged(voice=voice):
                self.voice.configure(self.settings, voice)
            case SaveFailed(message=message):
                self.banner.show_message(message)
            case StageReached(stage=stage):
                self.sig_stage_reached.emit(stage)
            case ReactionReady(reaction=reaction, final=final, t=t):
                self.avatar.animator.react(reaction)
                if final:
                    self.timeline.stage_ended("react", t * 1000.0)
                    self.chat.begin_reply(
                        self.session.persona_name, f"{reaction.expression} · {reaction.posture}"
                    )
            case RespondDelta(text=text):
                self._pending_reply += text
                self.voice.speak_delta(text)
            case RespondDone(t=t):
                self._flush_reply()
                self._flush_timer.stop()
                self.voice.finish()
                self.timeline.stage_ended("respond", t * 1000.0)
                # Only a stopped reply goes without its reflection.
                stopped = self.state is not SessionState.REFLECTING
                self.chat.end_reply("stopped" if stopped else "")
            case ReflectDelta(text=text):
                self.reflections.insertPlainText(text)
            case ReflectDone(cancelled=cancelled, t=t):
                self.timeline.stage_ended("reflect", t * 1000.0)
                if cancelled:
                    self.reflections.insertPlainText(" [interrupted]")
            case TurnFailed(message=message, t=t):
                self._flush_timer.stop()
                self.timeline.stop_running(t * 1000.0)
                self.banner.show_message(message)
                self.chat.end_reply()
            case TurnRecorded(record=record, t=t):
                self.last_record = record
                self.sig_turn_recorded.emit(record)
                if record.generation_s > 0:
                    rate = record.generated_tokens / record.generation_s
                    self.speed_label.setText(f"{rate:.1f} tok/s")
                if record.cancelled:
                    self.timeline.stop_running(t * 1000.0)

    def _on_state_changed(self, state: str) -> None:
        """What entering a state shows: buttons, the avatar's mode, the running stage."""
        self.state_label.setText(state)
        busy = state in (SessionState.REACTING, SessionState.RESPONDING)
        self.stop_button.setEnabled(busy or state == SessionState.REFLECTING)
        self.send_button.setEnabled(not busy and self.session.model_ready)
        timings = self.session.turn_timings()
        if state == SessionState.RESPONDING:
            self.timeline.stage_started("respond", timings.get("first_respond_ms", 0.0))
            self.avatar.animator.set_mode(Mode.SPEAKING)
            self._flush_timer.start()
        elif state == SessionState.REFLECTING:
            self.timeline.stage_started("reflect", timings.get("respond_done_ms", 0.0))
            if not self.voice.active:  # else the end of the audio switches the mode
                self.avatar.animator.set_mode(Mode.THINKING)
            self.reflections.appendPlainText("")
        elif state == SessionState.READY and not self.voice.active:
            self.avatar.animator.set_mode(Mode.IDLE)
        self.sig_state_changed.emit(state)

    def use_safe_settings(self) -> None:
        """Reload with one thread, no memory-mapping and no repacked weights (kept in Settings,
        where it can be switched off again)."""
        self.apply_settings(dataclasses.replace(self.settings, safe_mode=True))

    def turn_timings(self) -> dict[str, float]:
        """The latest turn's stages, ms since send (`ChatSession.turn_timings`)."""
        return self.session.turn_timings()

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
        if not state.speaking and self.state is not SessionState.RESPONDING:
            thinking = self.state is SessionState.REFLECTING
            self.avatar.animator.set_mode(Mode.THINKING if thinking else Mode.IDLE)

    def _on_voice_status_changed(self, message: str) -> None:
        self.voice_label.setText(message)
        if message.startswith("Voice off") and self.voice.active:
            self.voice.close()

    def _on_input_submitted(self, text: str) -> None:
        if not self.send(text):
            self.input.setPlainText(text)

    def _on_input_text_changed(self) -> None:
        if self.state is SessionState.READY and self.input.toPlainText():
            self.avatar.animator.set_mode(Mode.LISTENING)
            self._listen_timer.start()

    def _on_listen_timeout(self) -> None:
        if self.state is SessionState.READY:
            self.avatar.animator.set_mode(Mode.IDLE)

    def _on_timeline_toggled(self, checked: bool) -> None:
        self.timeline.setVisible(checked)
        self.timeline.setGeometry(10, 10, min(460, self.avatar.width() - 20), 86)
        self.timeline.raise_()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the workers: cancel, then quit and join their threads (bounded wait)."""
        self.stop()
        self.lab.shutdown()
        self.bridge.shutdown()
        self.voice.close()
