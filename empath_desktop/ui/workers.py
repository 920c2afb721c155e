"""Workers that keep the model off the UI thread.

`EngineWorker` owns the backend and the pipeline and lives in its own QThread: it loads
models and runs the react/respond stages. `ReflectionWorker` lives in a second QThread and
runs the reflect stage on the same pipeline (whose lock serialises the stages), so a new
message can cancel a reflection and start at once. Requests arrive by queued signals; events
leave as frozen dataclasses through `sig_event`. Cancellation is a `threading.Event` set by
the UI thread and checked by the engine between tokens.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from empath_desktop.chat.pipeline import (
    PendingReflection,
    Pipeline,
    PipelineConfig,
    TurnFailed,
)
from empath_desktop.chat.prompts import PersonaError, VoiceStyle, load_persona
from empath_desktop.llm.backend import Backend, BackendConfig, LlamaBackend, Sampling
from empath_desktop.llm.model_files import (
    ModelFileError,
    default_adapter_path,
    default_model_path,
)
from empath_desktop.llm.probe import ModelGuard, NativeCrashError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """What to load: `model_path` None means the embedded default."""

    model_path: str | None
    persona: str
    n_threads: int | None = None
    temperature: float = 0.7
    max_tokens: int = 200
    safe: bool = False  # see BackendConfig.safe
    # Apply the installed EMPATH adapter when the model is the embedded default.
    use_adapter: bool = True


@dataclass(frozen=True, slots=True)
class ModelInfo:
    name: str
    path: str
    load_s: float
    persona_name: str
    persona_voice: VoiceStyle


def _pipeline_config(request: ModelRequest) -> PipelineConfig:
    return PipelineConfig(
        respond_max_tokens=request.max_tokens,
        sampling=Sampling(temperature=request.temperature),
    )


class EngineWorker(QObject):
    """Owns the model. Lives in its own QThread; every slot runs there."""

    sig_model_loading = Signal(str)
    sig_model_loaded = Signal(object)  # ModelInfo
    sig_model_failed = Signal(str)
    # llama.cpp crashed on this model in a probe (or at an earlier start): the app offers safe
    # settings. Carries the explanation and whether the failed load already was safe.
    sig_model_crashed = Signal(str, bool)
    sig_persona_changed = Signal(str, object)  # persona name, VoiceStyle
    sig_event = Signal(object)  # a PipelineEvent

    def __init__(
        self,
        backend_factory: Callable[[BackendConfig], Backend] | None = None,
        *,
        guard: ModelGuard | None = None,
    ) -> None:
        """`backend_factory` alone (scripted test backends) loads without a probe; otherwise
        every model goes through `guard` (by default the user's) and a child-process probe."""
        super().__init__()
        self._factory: Callable[[BackendConfig], Backend] = backend_factory or LlamaBackend
        if guard is None and backend_factory is None:
            guard = ModelGuard()
        self._guard = guard
        self._backend: Backend | None = None
        self.pipeline: Pipeline | None = None

    @property
    def backend(self) -> Backend | None:
        """The loaded model, shared with the CartPole lab (which takes its lock per decision)."""
        return self._backend

    @Slot(object)
    def load(self, request: ModelRequest) -> None:
        t0 = time.perf_counter()
        self.sig_model_loading.emit(request.model_path or "embedded default model")
        try:
            path = request.model_path or str(default_model_path())
            persona = load_persona(request.persona)
            adapter = default_adapter_path(request.model_path) if request.use_adapter else None
            config = BackendConfig(
                model_path=path,
                n_threads=request.n_threads,
                safe=request.safe,
                lora_path=str(adapter) if adapter else None,
            )
            if self._guard is not None:
                backend = self._guard.open(config, self._factory)
            else:
                backend = self._factory(config)
        except NativeCrashError as exc:
            self.sig_model_crashed.emit(str(exc), request.safe)
            return
        except (ModelFileError, PersonaError) as exc:
            self.sig_model_failed.emit(str(exc))
            return
        except Exception as exc:  # a failed load must never take the app down
            logger.exception("model load failed")
            self.sig_model_failed.emit(f"Loading the model failed unexpectedly: {exc}")
            return
        old_backend = self._backend
        memory = self.pipeline.memory if self.pipeline is not None else None
        # Reloading keeps the conversation: the memory moves to the new pipeline.
        self.pipeline = Pipeline(backend, persona, _pipeline_config(request), memory)
        self._backend = backend
        if old_backend is not None:
            old_backend.close()
        self.sig_model_loaded.emit(
            ModelInfo(
                name=backend.name,
                path=path,
                load_s=time.perf_counter() - t0,
                persona_name=persona.name,
                persona_voice=persona.voice,
            )
        )
        # A message sent meanwhile queues behind this; it then starts from a warm cache.
        self.pipeline.warm()

    @Slot(object)
    def configure(self, request: ModelRequest) -> None:
        """Persona and sampling changes that need no reload."""
        if self.pipeline is None:
            return
        try:
            persona = load_persona(request.persona)
        except PersonaError as exc:
            self.sig_model_failed.emit(str(exc))
            return
        self.pipeline.set_persona(persona)
        self.pipeline.config = _pipeline_config(request)
        self.sig_persona_changed.emit(persona.name, persona.voice)

    @Slot(str, object)
    def run_turn(self, text: str, cancel: threading.Event) -> None:
        if self.pipeline is not None:
            try:
                for event in self.pipeline.respond(text, cancel):
                    self.sig_event.emit(event)
            except Exception as exc:  # the engine reports its own errors as events: a bug
                logger.exception("turn failed")
                self.sig_event.emit(TurnFailed(f"The turn failed unexpectedly: {exc}", 0.0))

    @Slot()
    def reset(self) -> None:
        if self.pipeline is not None:
            self.pipeline.reset()

    @Slot(object)
    def restore(self, exchanges: list) -> None:
        """Continue an earlier conversation: its exchanges become the memory."""
        if self.pipeline is not None:
            self.pipeline.reset()
            for exchange in exchanges:
                self.pipeline.memory.add(exchange)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


class ReflectionWorker(QObject):
    """Runs the reflect stage of the engine worker's pipeline, in its own QThread."""

    sig_event = Signal(object)

    def __init__(self, engine: EngineWorker) -> None:
        super().__init__()
        self._engine = engine

    @Slot(object, object)
    def reflect(self, pending: PendingReflection, cancel: threading.Event) -> None:
        pipeline = self._engine.pipeline
        if pipeline is not None:
            try:
                for event in pipeline.reflect(pending, cancel):
                    self.sig_event.emit(event)
            except Exception as exc:  # as above; the UI must still leave "reflecting"
                logger.exception("reflection failed")
                self.sig_event.emit(TurnFailed(f"The reflection failed unexpectedly: {exc}", 0.0))


def start_in_thread(worker: QObject, name: str) -> QThread:
    """Move a parentless worker to a new started QThread."""
    thread = QThread()
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.start()
    return thread
