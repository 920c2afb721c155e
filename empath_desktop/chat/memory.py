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

    def fit(self, fits: Callable[[list[Exchange], list[str]], bool]) -> bool:
        """Drop the oldest exchanges (then the oldest notes) until `fits(history, notes)`.

        Returns whether it fits. When nothing fits, not even an empty memory (the message alone
        is too long), memory is left exactly as it was: rejecting one message must not forget
        the conversation.
        """
        exchanges, notes = list(self.exchanges), list(self.notes)
        while not fits(exchanges, notes):
            if exchanges:
                dropped = exchanges.pop(0)
                if dropped.reflect.strip():
                    notes.append(dropped.reflect.strip())
                del notes[: -self.max_notes]
            elif notes:
                notes.pop(0)
            else:
                return False
        self.exchanges[:], self.notes[:] = exchanges, notes
        return True
