"""Conversation memory: fitting drops the oldest turns, and a message that cannot fit at all
leaves memory exactly as it was (issue 16: one too-long message emptied it)."""

from __future__ import annotations

import copy

from empath_desktop.chat.memory import ConversationMemory
from empath_desktop.chat.pipeline import Pipeline, PipelineConfig, TurnFailed
from empath_desktop.chat.prompts import Exchange, load_persona


def remembered(n: int) -> ConversationMemory:
    memory = ConversationMemory(max_notes=3)
    memory.notes = ["an older note"]
    for i in range(n):
        memory.add(Exchange(f"user {i}", "*nods*", f"reply {i}", f"note {i}"))
    return memory


def test_fit_drops_oldest_exchanges_and_keeps_their_reflections() -> None:
    memory = remembered(6)
    assert memory.fit(lambda history, notes: len(history) <= 2)
    assert [e.user for e in memory.exchanges] == ["user 4", "user 5"]
    assert memory.notes == ["note 1", "note 2", "note 3"]  # max_notes, newest kept


def test_fit_that_cannot_succeed_changes_nothing() -> None:
    memory = remembered(6)
    before = copy.deepcopy(memory)
    assert not memory.fit(lambda history, notes: False)
    assert memory == before


def test_a_message_too_long_for_the_model_leaves_memory_as_it_was(llama_backend) -> None:
    pipe = Pipeline(llama_backend, load_persona("empath"), PipelineConfig())
    pipe.memory = remembered(5)
    before = copy.deepcopy(pipe.memory)

    events = list(pipe.respond("tell me " + "very " * 20_000 + "much"))

    assert len(events) == 1 and isinstance(events[0], TurnFailed)
    assert "too long" in events[0].message
    assert pipe.memory == before

