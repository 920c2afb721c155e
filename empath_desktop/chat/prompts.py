"""Persona cards and the turn prompt.

Prompts are data: persona cards live in `assets/personas/*.toml`, the turn format in
`assets/prompts/turn.toml`. This module only assembles them. The prompt is laid out so that
everything before the newest user message is a stable prefix (KV reuse across turns).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from empath_desktop.chat.tags import neutralise_tags
from empath_desktop.resources import assets_dir

if TYPE_CHECKING:  # prompts are read where no model runs (conversations, the CLI)
    from empath_desktop.llm.backend import Backend

logger = logging.getLogger(__name__)

DEFAULT_PERSONA = "empath"


class PersonaError(Exception):
    """A persona card that cannot be used; the message is meant for people."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """One complete three-stage exchange: a few-shot example or a past turn."""

    user: str
    react: str
    respond: str
    reflect: str


@dataclass(frozen=True, slots=True)
class VoiceStyle:
    """A persona's voice (the card's `[voice]` table), and what the speaker synthesises with:
    an eSpeak NG voice or language, `rate` in words per minute (80–450), `pitch` 0–100 and
    `volume` 1.0 = the engine's normal loudness (up to 2.0). The user's overrides
    (`voice.speaker.VoiceConfig`) apply on top."""

    voice: str = "en-us"
    rate: int = 175
    pitch: int = 50
    volume: float = 1.0


@dataclass(frozen=True, slots=True)
class PersonaCard:
    id: str
    name: str
    description: str
    style: str
    voice: VoiceStyle = VoiceStyle()
    temperament: str = ""
    examples: tuple[Exchange, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnTemplate:
    system: str
    user_label: str
    notes_header: str
    remembered_header: str


def personas_dir() -> Path:
    return assets_dir() / "personas"


def available_personas() -> list[str]:
    return sorted(p.stem for p in personas_dir().glob("*.toml"))


def _read_toml(path: Path, what: str) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise PersonaError(f"{what} not found: {path}.") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PersonaError(f"{what} {path} cannot be read: {exc}.") from exc


def load_persona(id_or_path: str | Path) -> PersonaCard:
    """Load a persona card by id (a file in assets/personas) or by path."""
    path = Path(id_or_path)
    if path.suffix != ".toml":
        path = personas_dir() / f"{id_or_path}.toml"
    data = _read_toml(path, "Persona card")
    try:
        voice, default_voice = data.get("voice", {}), VoiceStyle()
        return PersonaCard(
            id=str(data.get("id", path.stem)),
            name=str(data["name"]),
            description=str(data["description"]).strip(),
            style=str(data.get("style", "")).strip(),
            voice=VoiceStyle(
                voice=str(voice.get("voice", default_voice.voice)),
                rate=int(voice.get("rate", default_voice.rate)),
                pitch=int(voice.get("pitch", default_voice.pitch)),
                volume=float(voice.get("volume", default_voice.volume)),
            ),
            temperament=str(data.get("cartpole", {}).get("temperament", "")).strip(),
            examples=tuple(
                Exchange(
                    user=str(ex["user"]),
                    react=str(ex["react"]),
                    respond=str(ex["respond"]),
                    reflect=str(ex["reflect"]),
                )
                for ex in data.get("examples", [])
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PersonaError(
            f"Persona card {path} is missing or has a malformed field ({exc}). A card needs "
            "name, description and [[examples]] with user/react/respond/reflect."
        ) from exc


def load_turn_template() -> TurnTemplate:
    data = _read_toml(assets_dir() / "prompts" / "turn.toml", "Prompt template")
    return TurnTemplate(
        system=data["system"],
        user_label=data["user_label"],
        notes_header=data["notes_header"],
        remembered_header=data["remembered_header"],
    )


def render_exchange_body(ex: Exchange) -> str:
    """The tagged model turn, exactly as the model is asked to write it."""
    return (
        f"<react>{ex.react}</react>\n<respond>{ex.respond}</respond>\n"
        f"<reflect>{ex.reflect}</reflect>"
    )


class PromptBuilder:
    """Builds the prompt for the next turn, for raw-transcript or chat-template models.

    User text is neutralised (`tags.neutralise_tags`) before it enters a prompt, so it cannot
    open or close a section or forge a chat-template control token.
    """

    def __init__(self, persona: PersonaCard, template: TurnTemplate | None = None) -> None:
        self.persona = persona
        self.template = template or load_turn_template()
        fields = {
            "name": persona.name,
            "description": persona.description,
            "style": persona.style,
        }
        self._system = self.template.system.format(**fields)
        self._notes_header = self.template.notes_header.format(**fields)
        self._remembered_header = self.template.remembered_header.format(**fields)

    @property
    def assistant_label(self) -> str:
        return self.persona.name

    def transcript(
        self,
        history: Sequence[Exchange],
        notes: Sequence[str],
        user_text: str,
        remembered: Sequence[str] = (),
    ) -> str:
        """Raw few-shot transcript for base models, ending where the model writes its react.

        `remembered` (long-term memory) goes right before the message, after the notes: it
        changes with every message, and anything that changes earlier in the prompt would
        make the model re-read the whole conversation."""
        label, name = self.template.user_label, self.persona.name
        parts = [self._system, ""]
        for ex in (*self.persona.examples, *history):
            parts.append(f"{label}: {neutralise_tags(ex.user)}")
            parts.append(f"{name}: {render_exchange_body(ex)}")
            parts.append("")
        for header, items in ((self._notes_header, notes), (self._remembered_header, remembered)):
            if items:
                parts.append(header)
                parts.extend(f"- {neutralise_tags(n)}" for n in items)
                parts.append("")
        parts.append(f"{label}: {neutralise_tags(user_text)}")
        parts.append(f"{name}: ")
        return "\n".join(parts)

    def messages(
        self,
        history: Sequence[Exchange],
        notes: Sequence[str],
        user_text: str,
        remembered: Sequence[str] = (),
    ) -> list[dict[str, str]]:
        """Chat messages for instruct models; the caller renders them with the chat template."""
        system = self._system
        if notes:
            system += "\n\n" + self._notes_header + "\n" + "\n".join(f"- {n}" for n in notes)
        out = [{"role": "system", "content": system}]
        for ex in (*self.persona.examples, *history):
            out.append({"role": "user", "content": neutralise_tags(ex.user)})
            out.append({"role": "assistant", "content": render_exchange_body(ex)})
        content = neutralise_tags(user_text)
        if remembered:  # with the message, for the reason given in `transcript`
            listed = "\n".join(f"- {neutralise_tags(n)}" for n in remembered)
            content = f"{self._remembered_header}\n{listed}\n\n{content}"
        out.append({"role": "user", "content": content})
        return out

    def render(
        self,
        backend: Backend,
        history: Sequence[Exchange],
        notes: Sequence[str],
        user_text: str,
        remembered: Sequence[str] = (),
    ) -> str:
        """The prompt as `backend` takes it: its chat template over `messages` for a chat
        model, the raw `transcript` otherwise. The app, the format probe and the training
        evaluation all render through here, so they send the same text."""
        if backend.is_chat:
            return backend.render_chat(self.messages(history, notes, user_text, remembered))
        return self.transcript(history, notes, user_text, remembered)

    @property
    def turn_stops(self) -> tuple[str, ...]:
        """Strings that mean the model has left its own turn (base-model transcripts)."""
        return (f"\n{self.template.user_label}:",)
