"""Conversation files: round trip, crash tolerance, latest(), Markdown export."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from empath_desktop.chat.pipeline import TurnRecord
from empath_desktop.chat.prompts import Exchange
from empath_desktop.chat.reaction import Reaction
from empath_desktop.chat.tags import FormatReport, Turn
from empath_desktop.store.conversations import (
    ConversationError,
    ConversationStore,
    escape_markdown,
    export_markdown,
    to_exchanges,
)


def make_record(
    user: str = "hello",
    respond: str = "Hi there.",
    reflect: str = "They seem upbeat.",
    *,
    cancelled: bool = False,
) -> TurnRecord:
    turn = Turn(react="*smiles*", respond=respond, reflect=reflect)
    return TurnRecord(
        user=user,
        raw=f"<react>*smiles*</react>\n<respond>{respond}</respond>\n<reflect>{reflect}</reflect>",
        turn=turn,
        reaction=Reaction("joyful", "lean_forward", 0.8, 0.9, "*smiles*"),
        report=FormatReport(("react", "respond", "reflect"), (), 0, 0),
        timings={"reaction_ms": 120.5, "respond_done_ms": 900.0},
        generated_tokens=42,
        generation_s=0.85,
        cancelled=cancelled,
    )


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations")


def test_round_trip(store: ConversationStore) -> None:
    conv = store.start(model="/models/tiny.gguf", persona="empath")
    conv.append(make_record("first\nline two"))
    conv.append(make_record("second", reflect=""))

    loaded = store.load(conv.path)

    assert loaded.header["type"] == "header"
    assert loaded.header["version"] == 1
    assert loaded.header["model"] == "/models/tiny.gguf"
    assert loaded.header["persona"] == "empath"
    assert loaded.skipped == 0
    assert [t.user for t in loaded.turns] == ["first\nline two", "second"]
    first = loaded.turns[0]
    assert (first.react, first.respond, first.reflect) == (
        "*smiles*",
        "Hi there.",
        "They seem upbeat.",
    )
    assert (first.expression, first.posture) == ("joyful", "lean_forward")
    assert (first.intensity, first.confidence) == (0.8, 0.9)
    assert first.timings == {"reaction_ms": 120.5, "respond_done_ms": 900.0}
    assert first.generated_tokens == 42
    assert not first.cancelled
    assert first.raw.startswith("<react>")


def test_every_line_is_one_json_record(store: ConversationStore) -> None:
    conv = store.start(model="m", persona="empath")
    for i in range(3):
        conv.append(make_record(f"msg {i}\n<b>x</b>"))

    raw = conv.path.read_bytes()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.decode("ascii").splitlines()]
    assert [r["type"] for r in records] == ["header", "turn", "turn", "turn"]
    assert records[1]["format"]["well_formed"] is True
    assert records[1]["reaction"]["expression"] == "joyful"


def test_no_file_until_the_first_turn(store: ConversationStore) -> None:
    conv = store.start(model="m", persona="empath")
    assert not conv.path.exists()
    assert store.latest() is None
    conv.append(make_record())
    assert conv.path.name.endswith(".jsonl")
    assert store.latest() == conv.path


def test_torn_last_line_is_skipped_with_warning(
    store: ConversationStore, caplog: pytest.LogCaptureFixture
) -> None:
    conv = store.start(model="m", persona="empath")
    conv.append(make_record("kept"))
    with conv.path.open("ab") as f:  # a crash halfway through the second turn's write
        f.write(b'{"type":"turn","user":"lo')

    with caplog.at_level(logging.WARNING, logger="empath_desktop.store.conversations"):
        loaded = store.load(conv.path)

    assert [t.user for t in loaded.turns] == ["kept"]
    assert loaded.skipped == 1
    assert "skipped" in caplog.text


def test_continue_after_torn_line_keeps_new_turns(store: ConversationStore) -> None:
    conv = store.start(model="m", persona="empath")
    conv.append(make_record("one"))
    with conv.path.open("ab") as f:
        f.write(b'{"type":"tu')

    again = store.continue_(conv.path)
    again.append(make_record("two"))

    loaded = store.load(conv.path)
    assert [t.user for t in loaded.turns] == ["one", "two"]
    assert loaded.skipped == 1
    assert conv.path.read_bytes().count(b'"type":"header"') == 1


def test_not_a_conversation_raises(store: ConversationStore, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text("hello\n")
    with pytest.raises(ConversationError, match="not an EMPATH conversation"):
        store.load(bogus)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(ConversationError, match="empty"):
        store.load(empty)


def test_latest_is_the_most_recently_written(store: ConversationStore) -> None:
    assert store.latest() is None
    older = store.start(model="m", persona="empath")
    older.append(make_record())
    newer = store.start(model="m", persona="empath")
    newer.append(make_record())
    assert newer.path.name > older.path.name
    os.utime(older.path, ns=(1, 1_000_000_000))
    os.utime(newer.path, ns=(1, 2_000_000_000))
    assert store.latest() == newer.path

    # Continuing the older conversation makes it the latest one.
    store.continue_(older.path).append(make_record())
    os.utime(older.path, ns=(1, 3_000_000_000))
    assert store.latest() == older.path
    assert store.paths() == [older.path, newer.path]


def test_to_exchanges_restores_memory(store: ConversationStore) -> None:
    conv = store.start(model="m", persona="empath")
    conv.append(make_record("a", "reply a", "note a"))
    conv.append(make_record("stopped early", "", "", cancelled=True))  # no reply: not in memory
    conv.append(make_record("b", "partial reply", "", cancelled=True))

    exchanges = to_exchanges(store.load(conv.path))

    assert exchanges == [
        Exchange("a", "*smiles*", "reply a", "note a"),
        Exchange("b", "*smiles*", "partial reply", ""),
    ]


def test_markdown_export_escapes_markup(store: ConversationStore, tmp_path: Path) -> None:
    conv = store.start(model="/home/someone/models/tiny.gguf", persona="empath")
    conv.append(make_record("<b>x</b> [link](http://x)", "# Heading\n*bold* & `code`", "<i>r</i>"))

    out = export_markdown(store.load(conv.path), tmp_path / "out" / "t.md")

    text = out.read_text(encoding="utf-8")
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text
    assert "\\[link\\](http://x)" in text
    assert "\\# Heading" in text
    assert "\\*bold\\* &amp; \\`code\\`" in text
    assert "*(joyful · lean\\_forward)*" in text
    assert "<details><summary>Reflection</summary>" in text
    assert "/home/someone" not in text  # only the model's file name is shown
    assert "tiny.gguf" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words.", "plain words."),
        ("1. item", "1\\. item"),
        ("- item", "\\- item"),
        ("> quote", "&gt; quote"),
        ("a\nb", "a\\\nb"),
        ("a\n\nb", "a\n\nb"),
        ("back\\slash", "back\\\\slash"),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected
