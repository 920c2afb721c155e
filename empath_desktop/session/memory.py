"""Long-term memory in a conversation: what is recalled before a turn, what is kept after it."""

from __future__ import annotations

from pathlib import Path

from empath_desktop.chat.facts import as_reply, asks_about_user, is_question
from empath_desktop.chat.pipeline import Recall, Recollection, TurnRecord
from empath_desktop.store.longterm import LongTermMemory, MemoryStoreError


def recall_from(memory: LongTermMemory) -> Recall:
    """The pipeline's `recall`: the most relevant notes for the prompt and, for a question a
    note clearly answers, that note as the first words of the reply."""

    def recall(message: str) -> Recollection:
        notes = tuple(note.text for note in memory.recall(message))
        lead = ""
        if is_question(message):
            answer = memory.answer(message, asks_about_user(message))
            if answer is not None:
                lead = as_reply(answer.text, message)
        return Recollection(notes, lead)

    return recall


def remember(memory: LongTermMemory, record: TurnRecord, conversation: str, turn: int) -> None:
    """Keep what the user told in a turn, and the reflection's impression."""
    memory.remember_turn(
        record.user, record.turn.reflect, conversation=conversation, turn=turn
    )


def open_memory(enabled: bool, path: Path | None = None) -> tuple[LongTermMemory | None, str]:
    """The user's long-term memory when `enabled` (Settings.memory), and a paragraph for the
    user when something is wrong with it ('' when nothing is): a corrupt file set aside, or a
    database that cannot be used at all, in which case the chat goes on without memory."""
    if not enabled:
        return None, ""
    try:
        memory = LongTermMemory(path)
    except MemoryStoreError as exc:
        return None, str(exc)
    return memory, memory.recovered
