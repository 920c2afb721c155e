"""The EMPATH training data: authored prompts and exemplary turns, splits, and prompt rendering.

Sources (all local files; nothing is downloaded):

- the authored dataset in `assets/data/empath/` (see its README.md): `prompts.jsonl` (user
  openers and follow-ups), `turns.jsonl` and `conversations.jsonl` (complete exemplary turns,
  the latter in multi-turn conversations), `categories.toml`,
  `split.toml` (the deterministic held-out split);
- extra JSONL files in the published react-respond-reflect format (rows with a `text` list of
  `{role, content}` messages whose assistant turns are tagged) or plain chat JSONL (rows with a
  `messages` list). Assistant messages that are complete tagged turns become exemplary turns;
  every user message whose earlier assistant turns are all complete becomes a prompt.

Prompts are rendered by the app's own `engine.prompts.PromptBuilder`, so the model is trained
on exactly the transcript or chat messages the app will send it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from empath_desktop.chat.prompts import (
    Exchange,
    PersonaCard,
    PromptBuilder,
    load_persona,
    render_exchange_body,
)
from empath_desktop.chat.tags import parse_turn
from empath_desktop.resources import assets_dir

logger = logging.getLogger(__name__)

PromptStyle = Literal["transcript", "chat"]
Split = Literal["train", "eval"]


class DataError(Exception):
    """A data file that cannot be used; the message names the file and line."""


# Files of complete turns in the authored dataset: single turns and short follow-ups, then
# multi-turn conversations (chained by `after`). The second is optional.
TURN_FILES: tuple[str, ...] = ("turns.jsonl", "conversations.jsonl")


def default_data_dir() -> Path:
    return assets_dir() / "data" / "empath"


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    description: str
    reaction_valence: float  # valence of a fitting reaction (see categories.toml)


@dataclass(frozen=True, slots=True)
class Prompt:
    """A user message to answer, with the conversation before it."""

    id: str
    text: str
    category: str | None = None
    history: tuple[Exchange, ...] = ()


@dataclass(frozen=True, slots=True)
class Example:
    """A complete exemplary turn: the prompt and the ideal three-part answer."""

    id: str
    prompt: Prompt
    exchange: Exchange


@dataclass(frozen=True, slots=True)
class SplitRule:
    """Held-out rule of split.toml: hash of salt and id, modulo 1000, below eval_per_mille."""

    salt: str = "empath-heldout-v1"
    eval_per_mille: int = 150

    def split_of(self, row_id: str) -> Split:
        digest = hashlib.sha256(f"{self.salt}:{row_id}".encode()).hexdigest()
        return "eval" if int(digest[:8], 16) % 1000 < self.eval_per_mille else "train"


@dataclass(frozen=True, slots=True)
class EmpathData:
    prompts: tuple[Prompt, ...]
    examples: tuple[Example, ...]
    categories: Mapping[str, Category]
    split_rule: SplitRule

    def prompts_for(self, split: Split) -> tuple[Prompt, ...]:
        """Prompts of a split: the prompt rows plus the user side of the exemplary turns."""
        rows = {p.id: p for p in (*self.prompts, *(e.prompt for e in self.examples))}
        return tuple(p for p in rows.values() if self.split_rule.split_of(p.id) == split)

    def examples_for(self, split: Split) -> tuple[Example, ...]:
        return tuple(e for e in self.examples if self.split_rule.split_of(e.id) == split)

    def reaction_valence(self, prompt: Prompt) -> float | None:
        category = self.categories.get(prompt.category or "")
        return None if category is None else category.reaction_valence


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path} cannot be read: {exc}") from exc


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path} cannot be read: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}:{number} is not valid JSON: {exc}") from exc
        if not isinstance(row, dict):
            raise DataError(f"{path}:{number} is not a JSON object")
        yield number, row


def load_categories(directory: Path) -> dict[str, Category]:
    data = _read_toml(directory / "categories.toml")
    return {
        name: Category(name, str(v["description"]), float(v["reaction_valence"]))
        for name, v in data.items()
    }


def load_split_rule(directory: Path) -> SplitRule:
    data = _read_toml(directory / "split.toml")
    return SplitRule(salt=str(data["salt"]), eval_per_mille=int(data["eval_per_mille"]))


def _exchange(row: Mapping[str, Any]) -> Exchange:
    return Exchange(
        user=str(row["user"]),
        react=str(row["react"]),
        respond=str(row["respond"]),
        reflect=str(row["reflect"]),
    )


def _load_native(
    directory: Path, categories: Mapping[str, Category]
) -> tuple[tuple[Prompt, ...], tuple[Example, ...]]:
    """prompts.jsonl, turns.jsonl and (if present) conversations.jsonl, whose rows are turns
    too; `after` names the turn a row continues, in either turn file."""
    turn_rows: dict[str, tuple[Path, int, dict[str, Any]]] = {}
    for name in TURN_FILES:
        path = directory / name
        if name != TURN_FILES[0] and not path.exists():
            continue
        for number, row in _read_jsonl(path):
            if row.get("id") in turn_rows:
                raise DataError(f"{path}:{number} repeats id {row.get('id')!r}")
            turn_rows[str(row["id"])] = (path, number, row)

    def history_of(after: str | None, seen: tuple[str, ...] = ()) -> tuple[Exchange, ...]:
        if after is None:
            return ()
        if after not in turn_rows or after in seen:
            raise DataError(f"'after' names an unknown or circular turn: {after!r}")
        row = turn_rows[after][2]
        return (*history_of(row.get("after"), (*seen, after)), _exchange(row))

    def checked_category(path: Path, number: int, row: Mapping[str, Any]) -> str:
        category = str(row.get("category", ""))
        if category not in categories:
            raise DataError(f"{path}:{number} has unknown category {category!r}")
        return category

    examples = []
    for tid, (path, number, row) in turn_rows.items():
        try:
            ex = _exchange(row)
        except KeyError as exc:
            raise DataError(f"{path}:{number} lacks field {exc}") from exc
        prompt = Prompt(
            tid, ex.user, checked_category(path, number, row), history_of(row.get("after"))
        )
        examples.append(Example(tid, prompt, ex))

    prompts = []
    path = directory / "prompts.jsonl"
    ids = set(turn_rows)
    for number, row in _read_jsonl(path):
        pid = str(row.get("id", ""))
        if not pid or pid in ids or "text" not in row:
            raise DataError(f"{path}:{number} needs a unique id and a text")
        ids.add(pid)
        prompts.append(
            Prompt(
                pid,
                str(row["text"]),
                checked_category(path, number, row),
                history_of(row.get("after")),
            )
        )
    return tuple(prompts), tuple(examples)


def _complete(text: str) -> Exchange | None:
    turn = parse_turn(text)
    if turn.react and turn.respond and turn.reflect:
        return Exchange(user="", react=turn.react, respond=turn.respond, reflect=turn.reflect)
    return None


def load_conversations(path: Path) -> tuple[tuple[Prompt, ...], tuple[Example, ...]]:
    """Prompts and exemplary turns from conversation JSONL (published `text` or chat `messages`).

    Also accepts rows in the native turn format (`user`, `react`, `respond`, `reflect`) and
    single prompts (`text` as a string). Ids are `<file stem>-<line>-<message index>`.
    """
    prompts: list[Prompt] = []
    examples: list[Example] = []
    for number, row in _read_jsonl(path):
        base = f"{path.stem}-{number}"
        category = row.get("category")
        if {"user", "react", "respond", "reflect"} <= row.keys():
            ex = _exchange(row)
            examples.append(Example(base, Prompt(base, ex.user, category), ex))
            continue
        if isinstance(row.get("text"), str):
            prompts.append(Prompt(base, row["text"], category))
            continue
        messages = row.get("text", row.get("messages"))
        if not isinstance(messages, list):
            raise DataError(f"{path}:{number}: expected a `text` or `messages` list of messages")
        history: list[Exchange] = []
        pending: Prompt | None = None
        for index, message in enumerate(messages):
            role, content = message.get("role"), str(message.get("content", ""))
            if role == "user":
                pending = Prompt(f"{base}-{index}", content, category, tuple(history))
                prompts.append(pending)
            elif role == "assistant" and pending is not None:
                turn = _complete(content)
                if turn is None:
                    break  # the rest of this conversation follows an untagged turn
                ex = replace(turn, user=pending.text)
                examples.append(Example(pending.id, pending, ex))
                history.append(ex)
                pending = None
    return tuple(prompts), tuple(examples)


def load_data(directory: Path | None = None, extra_files: Sequence[Path] = ()) -> EmpathData:
    """The authored dataset plus any extra conversation files, with the split rule."""
    directory = directory or default_data_dir()
    categories = load_categories(directory)
    prompts, examples = _load_native(directory, categories)
    for path in extra_files:
        more_prompts, more_examples = load_conversations(Path(path))
        logger.info(
            "%s: %d prompts, %d exemplary turns", path, len(more_prompts), len(more_examples)
        )
        prompts, examples = (*prompts, *more_prompts), (*examples, *more_examples)
    return EmpathData(prompts, examples, categories, load_split_rule(directory))


# ---------------------------------------------------------------------------------------------
# Rendering prompts and training rows.


def prompt_builder(persona: str = "empath", few_shot: int | None = None) -> PromptBuilder:
    """The app's prompt builder, keeping only the card's first `few_shot` examples if given."""
    card: PersonaCard = load_persona(persona)
    if few_shot is not None:
        card = replace(card, examples=card.examples[:few_shot])
    return PromptBuilder(card)


def render_prompt(
    builder: PromptBuilder, prompt: Prompt, style: PromptStyle
) -> str | list[dict[str, str]]:
    """The model input for a prompt: a raw transcript or chat messages (no reflection notes)."""
    if style == "chat":
        return builder.messages(prompt.history, (), prompt.text)
    return builder.transcript(prompt.history, (), prompt.text)


def render_completion(exchange: Exchange, style: PromptStyle) -> str | list[dict[str, str]]:
    body = render_exchange_body(exchange)
    return [{"role": "assistant", "content": body}] if style == "chat" else body


def sft_rows(
    data: EmpathData, builder: PromptBuilder, style: PromptStyle, split: Split = "train"
) -> list[dict[str, Any]]:
    """Prompt-completion rows for trl's SFTTrainer (loss on the completion only)."""
    return [
        {
            "prompt": render_prompt(builder, e.prompt, style),
            "completion": render_completion(e.exchange, style),
        }
        for e in data.examples_for(split)
    ]


def grpo_rows(
    data: EmpathData, builder: PromptBuilder, style: PromptStyle, split: Split = "train"
) -> list[dict[str, Any]]:
    """Prompt rows for trl's GRPOTrainer; the other columns reach the rewards: `user`,
    `category`, `reaction_valence`, and `previous_react` (the react text of the turn before,
    '' when the prompt opens a conversation)."""
    return [
        {
            "prompt": render_prompt(builder, p, style),
            "user": p.text,
            "category": p.category,
            "reaction_valence": data.reaction_valence(p),
            "previous_react": p.history[-1].react if p.history else "",
        }
        for p in data.prompts_for(split)
    ]
