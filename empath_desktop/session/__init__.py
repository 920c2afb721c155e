"""The conversation as every front end drives it: turns with ids, stages, persistence and the
one translation of Settings into engine configuration, without Qt."""

from empath_desktop.session.chat_session import (
    ChatSession,
    ModelFailed,
    ModelInfo,
    ModelLoaded,
    ModelLoading,
    PersonaChanged,
    ReflectionJob,
    SaveFailed,
    SessionEvent,
    SessionState,
    StageReached,
    TurnTicket,
    ViewEvent,
)
from empath_desktop.session.config import (
    ModelRequest,
    backend_config,
    model_request,
    pipeline_config,
)

__all__ = [
    "ChatSession",
    "ModelFailed",
    "ModelInfo",
    "ModelLoaded",
    "ModelLoading",
    "ModelRequest",
    "PersonaChanged",
    "ReflectionJob",
    "SaveFailed",
    "SessionEvent",
    "SessionState",
    "StageReached",
    "TurnTicket",
    "ViewEvent",
    "backend_config",
    "model_request",
    "pipeline_config",
]
