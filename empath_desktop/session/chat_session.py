"""`ChatSession`: one conversation with one model, as every front end drives it, without Qt.

Two kinds of methods, for two kinds of threads:

- control methods (`send`, `stop`, `new`, `continue_last`, `accept` and the properties) run on
  one thread, the front end's own (the UI thread; the terminal's main thread);
- work methods (`load`, `configure`, `respond`, `reset_memory`, `restore`) run on one worker
  thread, and `reflect` on that one or a second one, so that a reflection can yield to the
  user's next message. They touch only the pipeline (which serialises its stages with its own
  lock) and yield `SessionEvent`s.

The front end hands every `SessionEvent` to `accept` on its control thread. `accept` drops the
events of abandoned turns by their id (never by waiting for some end event), moves the state,
saves each recorded turn, keeps the turn's timings and returns what the view should show.
`run_turn` does all of it in the calling thread, for the terminal chat and tests.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from empath_desktop.chat.appraisal import APPRAISAL_CTX, Appraiser
from empath_desktop.chat.facts import as_reply
from empath_desktop.chat.pipeline import (
    PendingReflection,
    Pipeline,
    PipelineEvent,
    ReactDelta,
    ReactionReady,
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnFailed,
    TurnRecorded,
)
from empath_desktop.chat.prompts import PersonaError, VoiceStyle, load_persona
from empath_desktop.llm.backend import Backend, BackendConfig, LlamaBackend
from empath_desktop.llm.model_files import ModelFileError, default_model_path
from empath_desktop.llm.probe import ModelGuard, NativeCrashError
from empath_desktop.llm.server import ServerBackend
from empath_desktop.session.config import (
    ModelRequest,
    backend_config,
    pipeline_config,
    server_config,
)
from empath_desktop.session.memory import recall_from, remember
from empath_desktop.store.conversations import (
    Conversation,
    ConversationStore,
    LoadedConversation,
    to_exchanges,
)
from empath_desktop.store.longterm import LongTermMemory, MemoryStoreError

logger = logging.getLogger(__name__)


class SessionState(StrEnum):
    """What the session is doing; equal to its value, so `state == "ready"` reads naturally."""

    LOADING = "loading"
    READY = "ready"
    REACTING = "reacting"
    RESPONDING = "responding"
    REFLECTING = "reflecting"
    ERROR = "error"


_TURN_PHASES = (SessionState.REACTING, SessionState.RESPONDING, SessionState.REFLECTING)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    path: str
    load_s: float
    persona_id: str
    persona_name: str
    persona_voice: VoiceStyle


@dataclass(frozen=True, slots=True)
class ModelLoading:
    what: str


@dataclass(frozen=True, slots=True)
class ModelLoaded:
    info: ModelInfo


@dataclass(frozen=True, slots=True)
class ModelFailed:
    """`crashed`: llama.cpp crashed on the model (in a probe or an earlier start), so safe
    settings are worth offering unless `was_safe` already. `kept_model`: the name of the model
    still loaded and chatting (a failed reload keeps the previous one); empty: none is."""

    message: str
    crashed: bool = False
    was_safe: bool = False
    kept_model: str = ""


@dataclass(frozen=True, slots=True)
class PersonaChanged:
    persona_id: str
    name: str
    voice: VoiceStyle


@dataclass(frozen=True, slots=True)
class SaveFailed:
    """A recorded turn could not be written; `message` is one paragraph for the user."""

    message: str


@dataclass(frozen=True, slots=True)
class StageReached:
    """The shown turn reached a stage as the user sees it, after that stage's event:
    "reaction" (the first reaction applied), "respond_done", "reflect_done" or "failed"."""

    stage: str


ModelEvent = ModelLoading | ModelLoaded | ModelFailed | PersonaChanged


@dataclass(frozen=True, slots=True, eq=False)
class TurnTicket:
    """One turn as sent: its id and its cancellation (respond and reflection alike)."""

    id: int
    text: str
    cancel: threading.Event


@dataclass(frozen=True, slots=True, eq=False)
class ReflectionJob:
    """The hand-off from respond to reflect: the turn, the pipeline that answered it and the
    pipeline's handle. Run it with `ChatSession.reflect`, on any worker thread."""

    ticket: TurnTicket
    pipeline: Pipeline
    pending: PendingReflection


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """An event of turn `turn_id` (0: of the model, not of a turn). `reflection` is set on the
    RespondDone that hands the turn over to its reflection."""

    turn_id: int
    event: PipelineEvent | ModelEvent
    reflection: ReflectionJob | None = None


# What `accept` gives the view: the events of shown turns, the stages the shown turn reached,
# model events and save failures.
ViewEvent = PipelineEvent | ModelEvent | StageReached | SaveFailed


class _ConversationSlot:
    """The saved conversation a turn belongs to; its file starts with the first saved turn."""

    def __init__(self, conversation: Conversation | None = None, turns: int = 0) -> None:
        self.conversation = conversation
        self.turns = turns  # turns in the file: the next one's index


@dataclass
class _LiveTurn:
    ticket: TurnTicket
    slot: _ConversationSlot
    shown: bool = True  # False once abandoned (New, Continue): its events are dropped
    reflecting: bool = False  # its reflection reaches the view


class ChatSession:
    def __init__(
        self,
        store: ConversationStore | None = None,
        *,
        backend_factory: Callable[[BackendConfig], Backend] | None = None,
        guard: ModelGuard | None = None,
        memory: LongTermMemory | None = None,
    ) -> None:
        """`backend_factory` alone (scripted test backends) loads without a probe; otherwise
        every model goes through `guard` (by default the user's) and a child-process probe.
        `memory`: long-term memory across conversations, recalled before every turn and
        added to after it; None: none."""
        self.store = store if store is not None else ConversationStore()
        self.memory = memory
        self._factory: Callable[[BackendConfig], Backend] = backend_factory or LlamaBackend
        if guard is None and backend_factory is None:
            guard = ModelGuard()
        self._guard = guard
        # Worker side: replaced by `load` only, on the worker thread.
        self._pipeline: Pipeline | None = None
        # Control side.
        self._model_state = SessionState.LOADING
        self._phase: SessionState | None = None  # one of _TURN_PHASES while a turn is shown
        self._model_name = ""
        self._persona_id = ""
        self.persona_name = "EMPATH"
        self._slot = _ConversationSlot()
        self._live: dict[int, _LiveTurn] = {}
        self._current: TurnTicket | None = None
        self._last_id = 0
        self._timings: dict[str, float] = {}

    # -- control side --------------------------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self._phase or self._model_state

    @property
    def model_ready(self) -> bool:
        return self._model_state is SessionState.READY

    @property
    def model_name(self) -> str:
        return self._model_name

    @property
    def conversation(self) -> Conversation | None:
        """The conversation being saved, None until its first turn is saved."""
        return self._slot.conversation

    def turn_timings(self) -> dict[str, float]:
        """The shown turn's stages, ms since send, from the pipeline's own clock (events' `t`):
        first_react_ms, reaction_applied_ms, first_respond_ms, respond_done_ms,
        reflect_done_ms (those reached so far)."""
        return dict(self._timings)

    def send(self, text: str) -> TurnTicket | None:
        """Start a turn; run the ticket with `respond` on the worker. None (nothing started)
        while no model is ready or a reply is being written. A running reflection yields to
        the new message, keeping what it has."""
        if not self.model_ready or self._phase in (SessionState.REACTING, SessionState.RESPONDING):
            return None
        if self._current is not None:
            self._current.cancel.set()
        self._last_id += 1
        ticket = TurnTicket(self._last_id, text, threading.Event())
        self._live[ticket.id] = _LiveTurn(ticket, self._slot)
        self._current = ticket
        self._timings = {}
        self._phase = SessionState.REACTING
        return ticket

    def stop(self) -> None:
        """Stop the shown turn (reply or reflection); it ends, is recorded and saved as usual."""
        if self._current is not None:
            self._current.cancel.set()

    def new(self) -> None:
        """Start a new conversation; run `reset_memory` on the worker. A turn in flight is
        stopped and still saved, into the conversation it belongs to."""
        self._abandon()
        self._slot = _ConversationSlot()

    def continue_last(self) -> LoadedConversation | None:
        """Continue the latest saved conversation (None: there is none); run `restore` with
        the result on the worker. Raises `ConversationError` or `OSError` when it cannot be
        read, leaving the session as it was."""
        path = self.store.latest()
        if path is None:
            return None
        loaded = self.store.load(path)
        conversation = self.store.continue_(path)
        self._abandon()
        self._slot = _ConversationSlot(conversation, len(loaded.turns))
        return loaded

    def accept(self, sev: SessionEvent) -> list[ViewEvent]:
        """Take one event from a worker: update the state, save a recorded turn, and return
        what the view shows (nothing for an abandoned turn's events)."""
        if sev.turn_id == 0:
            self._accept_model_event(sev.event)
            return [sev.event]
        live = self._live.get(sev.turn_id)
        if live is None:
            logger.warning("event of an unknown turn %d dropped: %r", sev.turn_id, sev.event)
            return []
        event = sev.event
        shown: list[ViewEvent] = []
        if isinstance(event, (TurnRecorded, TurnFailed)):
            del self._live[sev.turn_id]  # the turn's last event
        if isinstance(event, TurnRecorded):
            shown.extend(self._save(live.slot, event))
            shown.extend(self._remember(live.slot, event))
        if not live.shown:
            return shown
        if isinstance(event, (ReflectDelta, ReflectDone)) and not live.reflecting:
            return shown  # a stopped turn's reflection is only recorded, never shown
        if live.ticket is self._current:
            shown = self._advance(live, event, sev.reflection) + shown
        return [event, *shown]

    def _abandon(self) -> None:
        for live in self._live.values():
            live.shown = False
            live.ticket.cancel.set()
        self._current = None
        self._phase = None
        self._timings = {}

    def _accept_model_event(self, event: object) -> None:
        match event:
            case ModelLoading():
                self._model_state = SessionState.LOADING
            case ModelLoaded(info=info):
                self._model_state = SessionState.READY
                self._model_name = info.name
                self._persona_id = info.persona_id
                self.persona_name = info.persona_name
            case ModelFailed(kept_model=kept):
                self._model_state = SessionState.READY if kept else SessionState.ERROR
            case PersonaChanged(persona_id=persona_id, name=name):
                self._persona_id = persona_id
                self.persona_name = name

    def _advance(
        self, live: _LiveTurn, event: object, job: ReflectionJob | None
    ) -> list[ViewEvent]:
        """The shown turn's state and timings (ms since send, from the events' own `t`);
        returns the stage it reached, if any."""
        ms = round(getattr(event, "t", 0.0) * 1000.0, 2)
        reached = ""
        match event:
            case ReactDelta():
                self._timings.setdefault("first_react_ms", ms)
            case ReactionReady() if "reaction_applied_ms" not in self._timings:
                self._timings["reaction_applied_ms"] = ms
                reached = "reaction"
            case RespondDelta():
                self._timings.setdefault("first_respond_ms", ms)
                self._phase = SessionState.RESPONDING
            case RespondDone():
                self._timings["respond_done_ms"] = ms
                reached = "respond_done"
                if job is None or live.ticket.cancel.is_set():
                    self._phase = None
                else:
                    live.reflecting = True
                    self._phase = SessionState.REFLECTING
            case ReflectDone():
                self._timings["reflect_done_ms"] = ms
                reached = "reflect_done"
                self._phase = None
            case TurnFailed():
                reached = "failed"
                self._phase = None
            case TurnRecorded():
                self._phase = None
        return [StageReached(reached)] if reached else []

    def _save(self, slot: _ConversationSlot, event: TurnRecorded) -> list[SaveFailed]:
        try:
            if slot.conversation is None:
                slot.conversation = self.store.start(self._model_name, self._persona_id)
            slot.conversation.append(event.record)
            slot.turns += 1
        except OSError as exc:
            logger.warning("turn not saved: %s", exc)
            return [
                SaveFailed(
                    f"This turn could not be saved ({exc}). The conversation goes on; the turn "
                    "is only missing from the saved file."
                )
            ]
        return []

    def _remember(self, slot: _ConversationSlot, event: TurnRecorded) -> list[SaveFailed]:
        if self.memory is None:
            return []
        conversation = slot.conversation
        source = conversation.path.name if conversation is not None else ""
        turn = slot.turns - 1 if conversation is not None else -1
        try:
            remember(self.memory, event.record, source, turn)
        except (MemoryStoreError, sqlite3.Error, OSError) as exc:
            logger.warning("turn not remembered: %s", exc)
            return [
                SaveFailed(
                    f"What you said in this turn could not be added to long-term memory "
                    f"({exc}). The conversation itself is unaffected."
                )
            ]
        return []

    def set_memory(self, memory: LongTermMemory | None) -> LongTermMemory | None:
        """Turn long-term memory on (`memory`) or off (None) while running: from now on the
        recorded turns are kept in `memory` (or nowhere). Run `apply_memory` with the result,
        the memory it replaces, on the worker so the next turn recalls from it too."""
        old, self.memory = self.memory, memory
        return old

    def greeting(self) -> str:
        """A line to greet a returning user with something remembered; '' when nothing is."""
        if self.memory is None:
            return ""
        try:
            facts = [n for n in self.memory.notes() if n.kind == "fact"]
        except (MemoryStoreError, sqlite3.Error) as exc:
            logger.warning("memory not readable for a greeting: %s", exc)
            return ""
        name = next((n for n in facts if n.key == "name"), None)
        other = next(
            (n for n in facts if n.key != "name" and not n.key.startswith("said:")), None
        )
        parts = []
        if name is not None and (reply := as_reply(name.text)).startswith("Your name is "):
            parts.append(f"Welcome back, {reply.removeprefix('Your name is ')}!")
        if other is not None and (reply := as_reply(other.text)):
            parts.append(f"Last time you told me: {reply[0].lower()}{reply[1:]}.")
        return " ".join(parts)

    # -- work side -----------------------------------------------------------------------

    @property
    def pipeline(self) -> Pipeline | None:
        return self._pipeline

    @property
    def backend(self) -> Backend | None:
        """The loaded model, shared with the CartPole lab (which takes its lock per decision)."""
        return self._pipeline.backend if self._pipeline is not None else None

    def load(self, request: ModelRequest) -> Iterator[SessionEvent]:
        """Load (or reload) the model: ModelLoading, then ModelLoaded or ModelFailed. A reload
        keeps the conversation's memory. Iterating to the end also warms the prompt cache."""
        t0 = time.perf_counter()
        yield SessionEvent(0, ModelLoading(request.source))
        try:
            persona = load_persona(request.persona)
            backend, where = self._open(request)
            appraiser = self._local_appraiser(request)
        except NativeCrashError as exc:
            failed = ModelFailed(
                str(exc), crashed=True, was_safe=request.safe, kept_model=self._kept()
            )
            yield SessionEvent(0, failed)
            return
        except (ModelFileError, PersonaError) as exc:
            yield SessionEvent(0, ModelFailed(str(exc), kept_model=self._kept()))
            return
        except Exception as exc:  # a failed load must never take the app down
            logger.exception("model load failed")
            message = f"Loading the model failed unexpectedly: {exc}"
            yield SessionEvent(0, ModelFailed(message, kept_model=self._kept()))
            return
        old = self._pipeline
        memory = old.memory if old is not None else None
        recall = recall_from(self.memory) if self.memory is not None else None
        self._pipeline = Pipeline(
            backend, persona, pipeline_config(request), memory, appraiser, recall=recall
        )
        if old is not None:
            old.backend.close()  # a reflection still on it ends with GenerationError
            if old.appraiser is not None:
                old.appraiser.close()
        info = ModelInfo(
            name=backend.name,
            path=where,
            load_s=time.perf_counter() - t0,
            persona_id=request.persona,
            persona_name=persona.name,
            persona_voice=persona.voice,
        )
        yield SessionEvent(0, ModelLoaded(info))
        # A message sent meanwhile queues behind this; it then starts from a warm cache.
        self._pipeline.warm()

    def _open(self, request: ModelRequest) -> tuple[Backend, str]:
        """The backend `request` names and where it is (file or URL). A server is connected
        to here, on the worker: reading its model list is the connect check (a `ServerError`,
        which is a `ModelFileError`, when it is down, refuses the key or speaks another API),
        and it needs no crash probe, since no model runs in this process. A model file goes
        through the guard and its probe."""
        server = server_config(request)
        if server is not None:
            return ServerBackend(server), server.base_url
        config = backend_config(request)
        if self._guard is not None:
            return self._guard.open(config, self._factory), config.model_path
        return self._factory(config), config.model_path

    def _local_appraiser(self, request: ModelRequest) -> Appraiser | None:
        """For a server: the reaction is scored on the embedded model, in this process. The
        appraisal is a small closed-set question that the 270M model answers in ~60 ms on a
        warm context of its own; asked of the server, its long prompt and the chat's evict each
        other in the server's one context (10x slower). A local model that cannot load leaves
        the reaction to the server's model (written, not scored), which works too."""
        if server_config(request) is None or not request.appraise:
            return None
        config = BackendConfig(
            model_path=str(default_model_path()),
            n_ctx=APPRAISAL_CTX,
            n_threads=request.n_threads,
            safe=request.safe,
        )
        try:
            local = self._guard.open(config) if self._guard is not None else LlamaBackend(config)
        except ModelFileError as exc:
            logger.warning("reactions over the server are written by its model: %s", exc)
            return None
        return Appraiser(local)

    def _kept(self) -> str:
        """The model a failed load leaves chatting: the one loaded before, if any."""
        return self._pipeline.backend.name if self._pipeline is not None else ""

    def configure(self, request: ModelRequest) -> Iterator[SessionEvent]:
        """Persona and sampling changes that need no reload."""
        if self._pipeline is None:
            return
        try:
            persona = load_persona(request.persona)
        except PersonaError as exc:
            yield SessionEvent(0, ModelFailed(str(exc), kept_model=self._kept()))
            return
        self._pipeline.set_persona(persona)
        self._pipeline.set_config(pipeline_config(request))
        yield SessionEvent(0, PersonaChanged(request.persona, persona.name, persona.voice))

    def respond(self, ticket: TurnTicket) -> Iterator[SessionEvent]:
        """React and reply. Ends with the RespondDone that carries the `ReflectionJob` (run it
        with `reflect`), with a TurnRecorded (stopped before a reply), or with TurnFailed."""
        pipeline = self._pipeline
        if pipeline is None:
            yield SessionEvent(ticket.id, TurnFailed("No model is loaded.", 0.0))
            return
        try:
            for event in pipeline.respond(ticket.text, ticket.cancel):
                job = None
                if isinstance(event, RespondDone) and event.reflection is not None:
                    job = ReflectionJob(ticket, pipeline, event.reflection)
                yield SessionEvent(ticket.id, event, job)
        except Exception as exc:  # the pipeline reports its own errors as events: a bug
            logger.exception("turn failed")
            message = f"The turn failed unexpectedly: {exc}"
            yield SessionEvent(ticket.id, TurnFailed(message, 0.0))

    def reflect(self, job: ReflectionJob) -> Iterator[SessionEvent]:
        """The turn's reflection; ends with TurnRecorded (or TurnFailed). A stopped or
        superseded turn is recorded without generating."""
        try:
            for event in job.pipeline.reflect(job.pending, job.ticket.cancel):
                yield SessionEvent(job.ticket.id, event)
        except Exception as exc:  # as above; the turn must still end
            logger.exception("reflection failed")
            message = f"The reflection failed unexpectedly: {exc}"
            yield SessionEvent(job.ticket.id, TurnFailed(message, 0.0))

    def reset_memory(self) -> None:
        """After `new`: the model forgets the conversation."""
        if self._pipeline is not None:
            self._pipeline.reset()

    def apply_memory(self, replaced: LongTermMemory | None) -> None:
        """After `set_memory`: the pipeline recalls from the session's memory (or from nothing)
        from the next turn on, and the `replaced` memory is closed. On the worker, because
        recall runs there: no recall can be using `replaced` while it closes."""
        if self._pipeline is not None:
            memory = self.memory
            self._pipeline.recall = recall_from(memory) if memory is not None else None
        if replaced is not None and replaced is not self.memory:
            replaced.close()

    def restore(self, loaded: LoadedConversation) -> None:
        """After `continue_last`: the conversation's exchanges become the model's memory."""
        if self._pipeline is not None:
            self._pipeline.reset()
            for exchange in to_exchanges(loaded):
                self._pipeline.memory.add(exchange)

    def close(self) -> None:
        if self._pipeline is not None:
            self._pipeline.backend.close()

    # -- both sides in the calling thread --------------------------------------------------

    def load_here(self, request: ModelRequest) -> list[ViewEvent]:
        """`load` and `accept` in the calling thread (warming included)."""
        return [shown for sev in self.load(request) for shown in self.accept(sev)]

    def run_turn(self, text: str) -> Iterator[ViewEvent]:
        """One whole turn in the calling thread: what the view would show, in order. Nothing
        when the turn cannot start (see `send`)."""
        ticket = self.send(text)
        if ticket is None:
            return
        jobs: list[ReflectionJob] = []
        for sev in self.respond(ticket):
            if sev.reflection is not None:
                jobs.append(sev.reflection)
            yield from self.accept(sev)
        for job in jobs:
            for sev in self.reflect(job):
                yield from self.accept(sev)
