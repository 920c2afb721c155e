"""The chat session for Qt: its work runs in two worker threads, its events come back as
signals on the UI thread.

`SessionBridge` owns a `ChatSession` and two workers: the engine worker (model loading,
react and respond, memory resets) and the reflection worker, so that a reflection can yield to
the user's next message. The engine worker hands a delivered reply straight to the reflection
worker; the UI thread is never part of that hand-off. Every `SessionEvent` then passes through
`ChatSession.accept` on the UI thread, which drops an abandoned turn's events by id, and what
the view should show leaves through `sig_event`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot

from empath_desktop.session import (
    ChatSession,
    ModelRequest,
    ReflectionJob,
    SessionEvent,
    SessionState,
    TurnTicket,
)
from empath_desktop.store.conversations import LoadedConversation
from empath_desktop.store.longterm import LongTermMemory
from empath_desktop.ui.workers import start_in_thread, stop_threads

logger = logging.getLogger(__name__)


class _EngineWorker(QObject):
    """The session's work that needs the model, in the engine thread."""

    sig_event = Signal(object)  # SessionEvent
    sig_reflection_ready = Signal(object)  # ReflectionJob, to the reflection worker

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self._session = session

    @Slot(object)
    def load(self, request: ModelRequest) -> None:
        for sev in self._session.load(request):
            self.sig_event.emit(sev)

    @Slot(object)
    def configure(self, request: ModelRequest) -> None:
        for sev in self._session.configure(request):
            self.sig_event.emit(sev)

    @Slot(object)
    def respond(self, ticket: TurnTicket) -> None:
        for sev in self._session.respond(ticket):
            self.sig_event.emit(sev)
            if sev.reflection is not None:
                self.sig_reflection_ready.emit(sev.reflection)

    @Slot()
    def reset_memory(self) -> None:
        self._session.reset_memory()

    @Slot(object)
    def restore(self, loaded: LoadedConversation) -> None:
        self._session.restore(loaded)

    @Slot(object)
    def apply_memory(self, replaced: LongTermMemory | None) -> None:
        self._session.apply_memory(replaced)


class _ReflectionWorker(QObject):
    sig_event = Signal(object)  # SessionEvent

    def __init__(self, session: ChatSession) -> None:
        super().__init__()
        self._session = session

    @Slot(object)
    def reflect(self, job: ReflectionJob) -> None:
        for sev in self._session.reflect(job):
            self.sig_event.emit(sev)


class SessionBridge(QObject):
    """Drive `session` from the UI thread; call `shutdown` before the app quits."""

    sig_event = Signal(object)  # a ViewEvent: what the view shows, in order
    sig_state_changed = Signal(str)  # a SessionState value
    _sig_load_requested = Signal(object)
    _sig_configure_requested = Signal(object)
    _sig_respond_requested = Signal(object)
    _sig_reset_requested = Signal()
    _sig_restore_requested = Signal(object)
    _sig_memory_changed = Signal(object)  # the LongTermMemory replaced, or None

    def __init__(self, session: ChatSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._state = session.state
        self._engine = _EngineWorker(session)
        self._reflector = _ReflectionWorker(session)
        self._sig_load_requested.connect(self._engine.load)
        self._sig_configure_requested.connect(self._engine.configure)
        self._sig_respond_requested.connect(self._engine.respond)
        self._sig_reset_requested.connect(self._engine.reset_memory)
        self._sig_restore_requested.connect(self._engine.restore)
        self._sig_memory_changed.connect(self._engine.apply_memory)
        self._engine.sig_reflection_ready.connect(self._reflector.reflect)
        self._engine.sig_event.connect(self._on_worker_event)
        self._reflector.sig_event.connect(self._on_worker_event)
        self._threads = [
            start_in_thread(self._engine, "engine"),
            start_in_thread(self._reflector, "reflection"),
        ]

    @property
    def state(self) -> SessionState:
        return self.session.state

    @property
    def running(self) -> bool:
        return bool(self._threads)

    def load(self, request: ModelRequest) -> None:
        self._sig_load_requested.emit(request)

    def configure(self, request: ModelRequest) -> None:
        self._sig_configure_requested.emit(request)

    def send(self, text: str) -> bool:
        """Start a turn; False when the session cannot take one now (see `ChatSession.send`)."""
        ticket = self.session.send(text)
        if ticket is None:
            return False
        self._sync_state()
        self._sig_respond_requested.emit(ticket)
        return True

    def stop(self) -> None:
        self.session.stop()

    def new(self) -> None:
        self.session.new()
        self._sync_state()
        self._sig_reset_requested.emit()

    def continue_last(self) -> LoadedConversation | None:
        """See `ChatSession.continue_last` (which raises what it raises)."""
        loaded = self.session.continue_last()
        if loaded is not None:
            self._sync_state()
            self._sig_restore_requested.emit(loaded)
        return loaded

    def set_memory(self, memory: LongTermMemory | None) -> None:
        """Long-term memory on (`memory`) or off (None): nothing more is kept from now on,
        the next turn recalls from it, and the memory it replaces is closed on the engine
        thread (see `ChatSession.set_memory`)."""
        self._sig_memory_changed.emit(self.session.set_memory(memory))

    def shutdown(self) -> None:
        """Cancel the turn, stop both threads (bounded wait) and free the model."""
        if not self._threads:
            return
        self.session.stop()
        stop_threads(self._threads)
        self._threads = []
        self.session.close()

    @Slot(object)
    def _on_worker_event(self, sev: SessionEvent) -> None:
        for event in self.session.accept(sev):
            self.sig_event.emit(event)
        self._sync_state()

    def _sync_state(self) -> None:
        if self.session.state != self._state:
            self._state = self.session.state
            self.sig_state_changed.emit(self._state.value)
