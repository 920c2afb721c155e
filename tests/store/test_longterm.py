"""Long-term memory in a real SQLite file: restarts, forgetting, corruption, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from empath_desktop.store.longterm import SCHEMA_VERSION, LongTermMemory, MemoryStoreError


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "memory.db"


def test_facts_survive_a_process_restart_and_are_recalled(db_path: Path) -> None:
    write = (
        "import sys; from pathlib import Path\n"
        "from empath_desktop.store.longterm import LongTermMemory\n"
        "m = LongTermMemory(Path(sys.argv[1]))\n"
        "m.remember_turn('My name is Sam. My dog is called Rex.', '', conversation='c1', turn=0)\n"
        "m.remember_turn('I live in Paris.', '', conversation='c1', turn=1)\n"
        "m.close()\n"
    )
    subprocess.run([sys.executable, "-c", write, str(db_path)], check=True, timeout=60)
    memory = LongTermMemory(db_path)
    recalled = [n.text for n in memory.recall("Where do I live?", limit=1)]
    assert recalled == ["The user lives in Paris."]
    dog = memory.recall("What's my dog called?", limit=2)
    assert "The user's dog's name is Rex." in [n.text for n in dog]
    source = next(n for n in memory.notes() if n.key == "home")
    assert (source.conversation, source.turn) == ("c1", 1)


def test_a_newer_fact_of_the_same_slot_replaces_the_older(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    memory.remember_turn("I live in Paris.", "", turn=0)
    memory.remember_turn("I just moved to Berlin!", "", turn=5)
    homes = [n for n in memory.notes() if n.key == "home"]
    assert [n.text for n in homes] == ["The user lives in Berlin (moved there recently)."]
    assert homes[0].turn == 5
    assert "Paris" not in " ".join(n.text for n in memory.recall("where do I live"))


def test_reflections_become_deduplicated_impressions(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    reflection = "They are grieving their grandmother and a little embarrassed to reach out."
    memory.remember_turn("hello", reflection, turn=0)
    memory.remember_turn("hello again", reflection + " ", turn=1)
    impressions = [n for n in memory.notes() if n.kind == "impression"]
    assert [n.text for n in impressions] == [reflection]
    assert memory.remember_turn("ok", "Fine.", turn=2) == []  # too short to keep


def test_forgotten_notes_are_never_shown_or_recalled_again(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    memory.remember_turn("My name is Sam. My dog is called Rex.", "", turn=0)
    rex = next(n for n in memory.notes() if n.key == "pet:dog")
    assert memory.forget(rex.id)
    assert not memory.forget(rex.id)
    assert all("Rex" not in n.text for n in memory.notes())
    assert all("Rex" not in n.text for n in memory.recall("my dog Rex"))
    memory.close()
    reopened = LongTermMemory(db_path)
    assert all("Rex" not in n.text for n in reopened.recall("dog Rex"))
    assert reopened.forget_all() == 1
    assert reopened.notes() == [] and reopened.recall("Sam") == []


def test_an_edit_takes_effect_at_once(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    (note,) = memory.remember_turn("My name is Sam.", "", turn=0)
    edited = memory.edit(note.id, "The user's name is Samantha; she prefers Sam.")
    assert edited is not None and "Samantha" in edited.text
    assert [n.text for n in memory.recall("what is my name", limit=1)] == [edited.text]
    with pytest.raises(ValueError):
        memory.edit(note.id, "  ")


def test_a_corrupt_database_is_set_aside_never_emptied(db_path: Path) -> None:
    garbage = b"not a database at all " * 500
    db_path.write_bytes(garbage)
    memory = LongTermMemory(db_path)
    assert "set aside" in memory.recovered
    kept = [p for p in db_path.parent.iterdir() if ".corrupt-" in p.name and p.suffix != ""]
    assert any(p.read_bytes() == garbage for p in kept)
    memory.remember_turn("My name is Sam.", "", turn=0)
    assert [n.key for n in memory.notes()] == ["name"]


def test_a_database_of_a_newer_version_is_refused_and_left_alone(db_path: Path) -> None:
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = db_path.read_bytes()
    with pytest.raises(MemoryStoreError, match="newer version"):
        LongTermMemory(db_path)
    assert db_path.read_bytes() == before


def test_a_writer_thread_and_a_reader_in_another_connection(db_path: Path) -> None:
    """The reflection worker writes while the window's panel reads (its own connection)."""
    writer = LongTermMemory(db_path)
    reader = LongTermMemory(db_path)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for i in range(200):
                writer.remember("fact", f"test:{i}", f"Fact number {i} about kites.", 0.5, turn=i)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    seen = 0
    while thread.is_alive():
        seen = max(seen, len(reader.notes()))
        reader.recall("kites")
    thread.join()
    assert not errors
    assert reader.count() == 200 and seen <= 200


def test_the_store_refuses_an_unusable_folder_with_a_paragraph(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(MemoryStoreError, match="cannot be created"):
        LongTermMemory(blocker / "sub" / "memory.db")


def test_recall_fits_the_token_budget(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    for i in range(20):
        memory.remember("fact", f"k{i}", f"The user collects item {i} " + "x" * 60, 0.5)
    chosen = memory.recall("collects", budget_tokens=50, limit=10)
    assert chosen and sum(len(n.text) // 4 + 1 for n in chosen) <= 50


@pytest.mark.parametrize(
    ("question", "about_user", "expected"),
    [
        ("What's my dog's name?", True, "The user's dog's name is Rex."),
        ("What's my job?", True, "The user works as a nurse."),
        ("Where do I live?", True, "The user lives in Leeds."),
        ("Who is getting married?", False, "married"),
        ("What is the capital of France?", False, None),
        ("Tell me a joke.", False, None),
    ],
)
def test_the_note_that_answers_a_question(
    db_path: Path, question: str, about_user: bool, expected: str | None
) -> None:
    memory = LongTermMemory(db_path)
    for message in ("My name is Aiko.", "My dog is called Rex.", "I'm a nurse.",
                    "I live in Leeds.", "My sister Ines is getting married soon."):
        memory.remember_turn(message, "")
    note = memory.answer(question, about_user)
    if expected is None:
        assert note is None
    else:
        assert note is not None and expected in note.text


def test_a_name_in_the_question_is_enough_to_answer(db_path: Path) -> None:
    memory = LongTermMemory(db_path)
    memory.remember_turn("Our dog Bruno is ten.", "")
    memory.remember_turn("I like tea.", "")
    note = memory.answer("Is Bruno a good boy?", asks_about_user=False)
    assert note is not None and "Bruno" in note.text
    assert memory.answer("Is Rex a good boy?", asks_about_user=False) is None
