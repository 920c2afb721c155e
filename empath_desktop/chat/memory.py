"""Conversation memory: past exchanges, and notes kept from turns that no longer fit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from empath_desktop.chat.prompts import Exchange


@dataclass
class ConversationMemory:
    """The exchanges of one conversation, oldest first.

    When the prompt outgrows the context window the oldest exchanges are dropped; their
    reflections (the model's own summary of the user's state) are kept as notes, so what was
    learnt survives what was said.
    """

    max_notes: int = 8
    exchanges: list[Exchange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def replace_last(self, exchange: Exchange) -> None:
        """Update the newest exchange (its reflection arrives after the reply)."""
        if self.exchanges:
            self.exchanges[-1] = exchange

    def reset(self) -> None:
        self.exchanges.clear()
        self.notes.clear()

    def fit(self, fits: Callable[[list[Exchange], list[str]], bool]) -> None:
        """Drop the oldest exchanges (then the oldest notes) until `fits(history, notes)`."""
        while not fits(self.exchanges, self.notes):
            if self.exchanges:
                dropped = self.exchanges.pop(0)
                if dropped.reflect.strip():
                    self.notes.append(dropped.reflect.strip())
                del self.notes[: -self.max_notes]
            elif self.notes:
                self.notes.pop(0)
            else:
                return
