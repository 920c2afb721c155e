"""The one translation of user settings (and command-line overrides) into engine configuration.

`model_request` folds `Settings` and the overrides of a front end into a `ModelRequest`;
`backend_config` and `pipeline_config` turn that into what `llm` and `chat` take. The window,
the terminal chat and the benchmarks all go through here, so a setting means the same
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from empath_desktop.chat.pipeline import PipelineConfig
from empath_desktop.llm.backend import BackendConfig, Sampling
from empath_desktop.llm.model_files import default_adapter_path, default_model_path, resolve_model
from empath_desktop.llm.server import ServerConfig
from empath_desktop.store.settings import Settings


@dataclass(frozen=True, slots=True)
class ModelRequest:
    """What to load and how to sample: `model_path` None means the embedded default;
    `server_url` set means an OpenAI-compatible server instead of any model file."""

    model_path: str | None
    persona: str
    n_threads: int | None = None
    temperature: float = 0.7
    max_tokens: int = 200
    safe: bool = False  # see BackendConfig.safe
    # Apply the installed EMPATH adapter when the model is the embedded default.
    use_adapter: bool = True
    seed: int | None = None  # sampling seed; None: random
    appraise: bool = True  # see PipelineConfig.appraise
    server_url: str | None = None
    server_model: str | None = None  # None: the first model the server lists

    @property
    def source(self) -> str:
        """What is loaded, for people: the server's URL, the file, or the embedded default."""
        return self.server_url or self.model_path or "embedded default model"


def model_request(
    settings: Settings,
    *,
    model: str | None = None,
    persona: str | None = None,
    use_adapter: bool = True,
    seed: int | None = None,
    appraise: bool = True,
    server: str | None = None,
    server_model: str | None = None,
) -> ModelRequest:
    """`settings` with a front end's overrides: `model`, `server` (with `server_model`) and
    `persona` (command line) win over Settings; `use_adapter` False turns the adapter off
    whatever Settings say. The model source, first found wins: `model` (a GGUF file),
    `server`, the server in Settings, then `resolve_model` ($EMPATH_MODEL, the file in
    Settings, the embedded default) -- a server chosen in Settings is the user's latest explicit
    choice, so it wins over the environment's model file. Cheap: nothing is opened here, and
    the embedded default model is only assembled by `backend_config`, in a worker.
    """
    if model:
        url = None
    elif server:
        url, server_model = server, server_model
    else:
        url, server_model = settings.server_url or None, settings.server_model
    choice = resolve_model(model, settings.model_path)
    return ModelRequest(
        model_path=None if url else str(choice.path) if choice.path else None,
        server_url=url,
        server_model=(server_model or None) if url else None,
        persona=persona or settings.persona,
        n_threads=settings.threads or None,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        safe=settings.safe_mode,
        use_adapter=settings.use_adapter and use_adapter,
        seed=seed,
        appraise=appraise,
    )


def backend_config(request: ModelRequest) -> BackendConfig:
    """The backend to open; the adapter only over the embedded model, when installed.

    Raises `ModelFileError` when the embedded default model cannot be assembled.
    """
    adapter = default_adapter_path(request.model_path) if request.use_adapter else None
    return BackendConfig(
        model_path=request.model_path or str(default_model_path()),
        n_threads=request.n_threads,
        safe=request.safe,
        lora_path=str(adapter) if adapter else None,
    )


def server_config(request: ModelRequest) -> ServerConfig | None:
    """The server to connect to (API key from the environment or the keyring), None for a
    model file."""
    if request.server_url is None:
        return None
    return ServerConfig.from_url(request.server_url, request.server_model)


def pipeline_config(request: ModelRequest) -> PipelineConfig:
    """Over a server the reaction is never scored by the server: the appraisal's long scoring
    prompt and the chat prompt would evict each other in the server's one context (10x slower
    than in-process, bench/server.py). `ChatSession` scores it on the embedded model locally
    instead, and without that the server's model writes its react."""
    return PipelineConfig(
        respond_max_tokens=request.max_tokens,
        sampling=Sampling(temperature=request.temperature, seed=request.seed),
        appraise=request.appraise and request.server_url is None,
    )
