"""The three-stage turn: react → respond → reflect, with a guaranteed format.

Format guarantee without grammar sampling: the turn's `Scaffold` (chat.scaffold) writes the first
tag of a stage into the context itself and reads the model's text once, chunk by chunk. While
the model writes the expected closing and opening tags on its own, generation simply runs on; at
the first deviation (a tag out of order, text between sections, a section over budget) the
scaffold cuts it, writes the missing tags itself and the pipeline continues from there. So every
turn is a well-formed react/respond/reflect triple from any model, at unconstrained sampling
speed, and the KV cache carries over between sections (each prompt extends the previous one).

`respond()` and `reflect()` are separate stages so a UI can run reflection in its own worker:
a delivered reply's `RespondDone` carries a `PendingReflection`, the handle `reflect()` takes.
`run_turn()` chains them. Events are frozen dataclasses with `t`, seconds since send.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from empath_desktop.chat.appraisal import APPRAISAL_CTX, Appraiser
from empath_desktop.chat.memory import ConversationMemory
from empath_desktop.chat.prompts import Exchange, PersonaCard, PromptBuilder
from empath_desktop.chat.reaction import Reaction, parse_reaction
from empath_desktop.chat.scaffold import Piece, Scaffold
from empath_desktop.chat.tags import FormatReport, Turn, format_report, neutralise_tags
from empath_desktop.llm.backend import Backend, GenerationError, Sampling

logger = logging.getLogger(__name__)

# A react is usable as soon as its first cue is complete: `*…*`, `[…]`, or text before `+`/`,`.
_FIRST_CUE = re.compile(r"\*[^*]+\*|\[[^\]]+\]|[^+,\s][^+,]*[+,]")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    react_max_tokens: int = 32
    respond_max_tokens: int = 200
    reflect_max_tokens: int = 120
    sampling: Sampling = field(default_factory=Sampling)
    # Written after <react> before the model continues: primes the `*expression* + *posture*`
    # form, which small models otherwise drift from (copying numbers or prose into react).
    react_lead: str = "*"
    # Tokens kept free for the scaffold literals and the chat template's own markers.
    scaffold_reserve: int = 48
    # Decide the reaction by scoring (`engine.appraisal`) where the backend allows a second
    # context, instead of letting the model write the react text.
    appraise: bool = True


@dataclass(frozen=True, slots=True)
class ReactDelta:
    text: str
    t: float


@dataclass(frozen=True, slots=True)
class ReactionReady:
    """`final` is False for the early reaction (first cue parsed), True at `</react>`."""

    reaction: Reaction
    final: bool
    t: float


@dataclass(frozen=True, slots=True)
class RespondDelta:
    text: str
    t: float


@dataclass(frozen=True, slots=True)
class RespondDone:
    """The reply is complete. `reflection` is the handle for `Pipeline.reflect`, None when the
    turn was stopped (it is then recorded without a reflection)."""

    text: str
    t: float
    reflection: PendingReflection | None = None


@dataclass(frozen=True, slots=True)
class ReflectDelta:
    text: str
    t: float


@dataclass(frozen=True, slots=True)
class ReflectDone:
    text: str
    cancelled: bool
    t: float


@dataclass(frozen=True, slots=True)
class TurnFailed:
    message: str
    t: float


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """Everything about one finished turn, for persistence, benchmarks and evaluation."""

    user: str
    raw: str
    turn: Turn
    reaction: Reaction
    report: FormatReport
    timings: dict[str, float]
    generated_tokens: int
    generation_s: float
    cancelled: bool


@dataclass(frozen=True, slots=True)
class TurnRecorded:
    record: TurnRecord
    t: float


PipelineEvent = (
    ReactDelta
    | ReactionReady
    | RespondDelta
    | RespondDone
    | ReflectDelta
    | ReflectDone
    | TurnFailed
    | TurnRecorded
)


@dataclass(frozen=True, slots=True)
class Recollection:
    """What long-term memory brings to one turn: `notes` for the prompt and, when a note
    answers the message, `lead`, the first words of the reply (see `chat.facts.as_reply`)."""

    notes: tuple[str, ...] = ()
    lead: str = ""


# Called with the user's message before each turn (on the engine's thread).
Recall = Callable[[str], Recollection]


@dataclass(frozen=True, slots=True, eq=False)
class PendingReflection:
    """A delivered reply waiting for its reflection: pass it to `Pipeline.reflect`. Opaque; its
    state belongs to the pipeline, which reflects only the latest turn and records a stale one
    (a newer message or a reset came first) without generating."""

    serial: int
    _state: _TurnState


@dataclass
class _TurnState:
    user: str
    prompt: str  # up to the turn's own text, which the scaffold writes after it
    t0: float
    scaffold: Scaffold
    reaction: Reaction = field(default_factory=Reaction)
    timings: dict[str, float] = field(default_factory=dict)
    tokens: int = 0
    gen_s: float = 0.0
    cancelled: bool = False

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def mark(self, name: str) -> None:
        self.timings.setdefault(name, round(self.now() * 1000.0, 2))


class Pipeline:
    """Runs turns for one conversation on one backend (whose lock it takes per section)."""

    def __init__(
        self,
        backend: Backend,
        persona: PersonaCard,
        config: PipelineConfig = PipelineConfig(),
        memory: ConversationMemory | None = None,
        appraiser: Appraiser | None = None,
        recall: Recall | None = None,
    ) -> None:
        """`appraiser` None: one on `backend.sibling(...)` (llama.cpp, server) when
        `config.appraise`; other backends let the model write its react. `recall` brings
        long-term memory into each turn; None: none."""
        self.backend = backend
        self.recall = recall
        self.config = config
        self.memory = memory or ConversationMemory()
        self.prompts = PromptBuilder(persona)
        # A backend that can open a sibling (a second llama.cpp context, or another lock on
        # the same server connection) appraises there; asked by name, so the chat layer does
        # not import every backend.
        sibling = getattr(backend, "sibling", None)
        if appraiser is None and config.appraise and sibling is not None:
            appraiser = Appraiser(sibling(APPRAISAL_CTX))
        self.appraiser = appraiser
        # Counts turns and resets: a PendingReflection of an older serial is stale.
        self._serial = 0
        # Held for a whole stage: a reflection being cancelled finishes (and files its text
        # into memory) before the next turn reads the memory.
        self._lock = threading.RLock()

    @property
    def persona(self) -> PersonaCard:
        return self.prompts.persona

    def set_persona(self, persona: PersonaCard) -> None:
        with self._lock:
            self.prompts = PromptBuilder(persona)

    def set_config(self, config: PipelineConfig) -> None:
        """New sampling and budgets, from the next stage on (never in the middle of one)."""
        with self._lock:
            self.config = config

    def reset(self) -> None:
        """Start a fresh conversation."""
        with self._lock:
            self.memory.reset()
            self._serial += 1

    def warm(self) -> None:
        """Evaluate the prompt up to where the next user message will go, so the first turn
        after a model load starts from a warm KV cache like every later one."""
        marker = "\u2063"  # an invisible separator no prompt template contains
        with self._lock:
            prompt = self._fit_prompt(marker)
            prefix = prompt[: prompt.rindex(marker)]
            try:
                for _ in self.backend.stream(prefix, max_tokens=1):
                    pass
                if self.appraiser is not None:
                    self.appraiser.warm()
            except GenerationError as exc:
                logger.warning("could not warm the prompt prefix: %s", exc)

    def run_turn(self, text: str, cancel: threading.Event | None = None) -> Iterator[PipelineEvent]:
        """Both stages in one iterator (terminal chat, benchmarks, tests)."""
        pending = None
        for event in self.respond(text, cancel):
            if isinstance(event, RespondDone):
                pending = event.reflection
            yield event
        if pending is not None:
            yield from self.reflect(pending, cancel)

    def respond(self, text: str, cancel: threading.Event | None = None) -> Iterator[PipelineEvent]:
        """Stage 1 and 2: react, then the reply. Ends with RespondDone or TurnFailed."""
        with self._lock:
            yield from self._respond(text, cancel)

    def reflect(
        self, pending: PendingReflection, cancel: threading.Event | None = None
    ) -> Iterator[PipelineEvent]:
        """Stage 3, after the reply: cancellable, keeps what was produced. Ends with
        ReflectDone and TurnRecorded, also for a stale or already cancelled handle."""
        with self._lock:
            yield from self._reflect(pending, cancel)

    def _respond(self, text: str, cancel: threading.Event | None) -> Iterator[PipelineEvent]:
        t0 = time.perf_counter()
        self._serial += 1
        recollection = self._recollect(text)
        try:
            prompt = self._fit_prompt(text, recollection.notes)
        except GenerationError as exc:
            yield TurnFailed(str(exc), time.perf_counter() - t0)
            return
        cfg = self.config
        state = _TurnState(user=text, prompt=prompt, t0=t0, scaffold=Scaffold(cfg.react_lead))
        state.scaffold.lead("respond", neutralise_tags(recollection.lead))
        first = True
        try:
            stage: tuple[tuple[str, int], ...] = (("respond", cfg.respond_max_tokens),)
            if self.appraiser is not None:
                yield from self._appraise(state)
            else:
                stage = (("react", cfg.react_max_tokens), *stage)
            for section, piece in self._sections(state, stage, cancel):
                if section == "react" and piece is not None:
                    yield from self._react_events(state, piece)
                elif section == "react":  # </react>: the final reaction
                    final = parse_reaction(state.scaffold.turn().react)
                    state.reaction = final
                    state.mark("reaction_ms")
                    state.mark("reaction_final_ms")
                    yield ReactionReady(final, True, state.now())
                elif piece is None:  # </respond>
                    continue
                elif first:
                    piece = piece.lstrip()
                    if piece:
                        first = False
                        state.mark("first_respond_ms")
                        yield RespondDelta(piece, state.now())
                else:
                    yield RespondDelta(piece, state.now())
            if "respond" not in state.scaffold.sections:
                yield from self._finish_cancelled(state)
                return
        except GenerationError as exc:
            yield TurnFailed(str(exc), state.now())
            return
        state.mark("respond_done_ms")
        turn = state.scaffold.turn()
        self.memory.add(Exchange(text, turn.react, turn.respond, ""))
        if state.cancelled:
            yield RespondDone(turn.respond, state.now())
            yield from self._finish_cancelled(state)
            return
        yield RespondDone(turn.respond, state.now(), PendingReflection(self._serial, state))

    def _reflect(
        self, pending: PendingReflection, cancel: threading.Event | None
    ) -> Iterator[PipelineEvent]:
        state = pending._state
        if pending.serial != self._serial or (cancel is not None and cancel.is_set()):
            # A newer turn or a reset came first: the turn is kept, without a reflection.
            state.cancelled = True
            yield ReflectDone("", True, state.now())
            yield TurnRecorded(self._record(state), state.now())
            return
        self._serial += 1  # a handle reflects once
        try:
            stage = (("reflect", self.config.reflect_max_tokens),)
            for _section, piece in self._sections(state, stage, cancel):
                if piece:
                    yield ReflectDelta(piece, state.now())
        except GenerationError as exc:
            logger.warning("reflection failed: %s", exc)
            state.cancelled = True
        state.mark("reflect_done_ms")
        turn = state.scaffold.turn()
        if self.memory.exchanges:
            self.memory.replace_last(replace(self.memory.exchanges[-1], reflect=turn.reflect))
        yield ReflectDone(turn.reflect, state.cancelled, state.now())
        yield TurnRecorded(self._record(state), state.now())

    # -- internals ---------------------------------------------------------------------

    def _recollect(self, text: str) -> Recollection:
        if self.recall is None:
            return Recollection()
        try:
            return self.recall(text)
        except Exception:  # memory is a help: a failing store must not fail the turn
            logger.exception("long-term memory recall failed")
            return Recollection()

    def _fit_prompt(self, text: str, remembered: Sequence[str] = ()) -> str:
        cfg = self.config
        reserve = (
            cfg.react_max_tokens
            + cfg.respond_max_tokens
            + cfg.reflect_max_tokens
            + cfg.scaffold_reserve
        )
        budget = self.backend.n_ctx - reserve

        def build(history: list[Exchange], notes: list[str]) -> str:
            return self.prompts.render(self.backend, history, notes, text, remembered)

        # A rejected message leaves memory as it was (fit changes nothing when nothing fits).
        if not self.memory.fit(lambda h, n: self.backend.count_tokens(build(h, n)) <= budget):
            used = self.backend.count_tokens(build([], []))
            raise GenerationError(
                f"This message is too long for the model: the prompt needs {used} tokens but "
                f"only {budget} fit in its {self.backend.n_ctx}-token context. Shorten the "
                "message or choose a model with a larger context."
            )
        return build(self.memory.exchanges, self.memory.notes)

    def _sections(
        self,
        state: _TurnState,
        stage: tuple[tuple[str, int], ...],
        cancel: threading.Event | None,
    ) -> Iterator[Piece]:
        """Generate the sections of one stage through the turn's scaffold, in order; yield
        (section, text) for the model's text and (section, None) once each section is closed.
        One generation runs on while the model keeps the format; the scaffold cuts it at the
        first deviation and the next generation continues after the tags it wrote."""
        scaffold = state.scaffold
        scaffold.begin(stage)
        while not scaffold.done and not state.cancelled:
            yield from scaffold.open()
            started = time.perf_counter()
            stream = self.backend.stream(
                state.prompt + scaffold.raw,
                max_tokens=scaffold.max_tokens,
                stop=(*self.prompts.turn_stops, scaffold.last_close),
                sampling=self.config.sampling,
                cancel=cancel,
            )
            with contextlib.closing(stream):
                for chunk in stream:
                    state.tokens += 1
                    yield from scaffold.feed(chunk)
                    if scaffold.cut:
                        break
            state.gen_s += time.perf_counter() - started
            if cancel is not None and cancel.is_set():
                state.cancelled = True
            yield from scaffold.end()

    def _appraise(self, state: _TurnState) -> Iterator[PipelineEvent]:
        """Decide the reaction and write the react section (the model answers after it)."""
        assert self.appraiser is not None
        exchanges = self.memory.exchanges
        previous = None
        if exchanges:
            last = parse_reaction(exchanges[-1].react)
            previous = (last.expression, last.posture)
        appraisal = self.appraiser.appraise(state.user, previous)
        state.scaffold.write("react", appraisal.react)
        state.mark("first_react_ms")
        yield ReactDelta(appraisal.react, state.now())
        state.reaction = replace(parse_reaction(appraisal.react), intensity=appraisal.intensity)
        state.mark("reaction_ms")
        state.mark("reaction_final_ms")
        yield ReactionReady(state.reaction, True, state.now())

    def _react_events(self, state: _TurnState, piece: str) -> Iterator[PipelineEvent]:
        state.mark("first_react_ms")
        yield ReactDelta(piece, state.now())
        if "reaction_ms" in state.timings:
            return
        react = state.scaffold.turn().react
        if _FIRST_CUE.search(react):
            early = parse_reaction(react)
            if early.confidence > 0:
                state.reaction = early
                state.mark("reaction_ms")
                yield ReactionReady(early, False, state.now())

    def _finish_cancelled(self, state: _TurnState) -> Iterator[PipelineEvent]:
        yield TurnRecorded(self._record(state), state.now())

    def _record(self, state: _TurnState) -> TurnRecord:
        raw = state.scaffold.raw
        return TurnRecord(
            user=state.user,
            raw=raw,
            turn=state.scaffold.turn(),
            reaction=state.reaction,
            # The parser's verdict on the finished text, not the scaffold's word about itself.
            report=format_report(raw),
            timings=dict(state.timings),
            generated_tokens=state.tokens,
            generation_s=state.gen_s,
            cancelled=state.cancelled,
        )
