"""Conversation files under faults: a full disk mid-write, hostile lines, files that are not text.

The disk-full case injects `OSError(ENOSPC)` at the write call after part of the record went to
disk, as a real full disk does (a short write, then the error); the file is real.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from empath_desktop.store.conversations import ConversationError, ConversationStore
from tests.store.test_conversations import make_record


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations")


class _DiskFills:
    """`os.write` that, once armed, writes half of what it is given and then fails ENOSPC."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.armed = False
        self._real = os.write
        monkeypatch.setattr(os, "write", self)

    def __call__(self, fd: int, data: bytes) -> int:
        if not self.armed:
            return self._real(fd, data)
        self.armed = False
        self._real(fd, bytes(data)[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_loses_only_its_own_turn(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _DiskFills(monkeypatch)
    conv = store.start(model="m", persona="empath")
    sent = []
    for i in range(7):
        record = make_record(f"turn {i}")
        if i in (2, 4):
            disk.armed = True
            with pytest.raises(OSError) as failure:
                conv.append(record)
            assert failure.value.errno == errno.ENOSPC
        else:
            conv.append(record)
            sent.append(record.user)

    loaded = store.load(conv.path)
    assert [t.user for t in loaded.turns] == sent
    assert loaded.skipped == 0
    assert conv.path.read_bytes().endswith(b"\n")


def test_a_failed_first_write_leaves_a_readable_conversation(
    store: ConversationStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _DiskFills(monkeypatch)
    conv = store.start(model="m", persona="empath")
    disk.armed = True
    with pytest.raises(OSError):
        conv.append(make_record("lost"))
    conv.append(make_record("kept"))

    loaded = store.load(conv.path)
    assert loaded.header["persona"] == "empath"
    assert [t.user for t in loaded.turns] == ["kept"]


def test_a_torn_line_left_by_a_crash_does_not_swallow_the_next_turn(
    store: ConversationStore,
) -> None:
    conv = store.start(model="m", persona="empath")
    conv.append(make_record("one"))
    # A crash (no chance to clean up) leaves half a record without its newline.
    with conv.path.open("ab") as f:
        f.write(b'{"type":"turn","user":"tor')
    conv.append(make_record("two"))

    loaded = store.load(conv.path)
    assert [t.user for t in loaded.turns] == ["one", "two"]
    assert loaded.skipped == 1


def _write_lines(path: Path, *turn_lines: bytes) -> None:
    header = json.dumps({"type": "header", "version": 1, "model": "m", "persona": "p"}).encode()
    good = json.dumps({"type": "turn", "user": "good"}).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join([header, good, *turn_lines, good]) + b"\n")


@pytest.mark.parametrize(
    "line",
    [
        '{"type":"turn","user":"x","generated_tokens":1e999}',
        '{"type":"turn","user":"x","reaction":{"confidence":1e999}}',
        '{"type":"turn","user":"x","reaction":{"intensity":NaN}}',
        '{"type":"turn","user":"x","timings":{"a":-Infinity}}',
        '{"type":"turn","user":"x","generated_tokens":1.5}',
        '{"type":"turn","user":"x","generated_tokens":-3}',
        '{"type":"turn","user":"x","cancelled":"false"}',
        '{"type":"turn","user":"x","cancelled":0}',
        '{"type":"turn","user":"x","reaction":{"expression":["joy"]}}',
        '{"type":"turn","user":"x","timings":[1,2]}',
        '{"type":"turn","user":"x","reaction":' + "[" * 100_000 + "]" * 100_000 + "}",
        "[" * 100_000,
        "{" + '"a":{' * 50_000,
        '"just a string"',
    ],
    ids=lambda line: line[:48],
)
def test_a_bad_line_is_skipped_and_the_rest_loads(store: ConversationStore, line: str) -> None:
    path = store.root / "hostile.jsonl"
    _write_lines(path, line.encode())

    loaded = store.load(path)

    assert [t.user for t in loaded.turns] == ["good", "good"]
    assert loaded.skipped == 1


def test_a_line_that_is_not_utf8_is_skipped(store: ConversationStore) -> None:
    path = store.root / "bitrot.jsonl"
    _write_lines(path, b'{"type":"turn","user":"\xff\xfe"}')
    loaded = store.load(path)
    assert [t.user for t in loaded.turns] == ["good", "good"]
    assert loaded.skipped == 1


def test_cancelled_must_be_a_boolean(store: ConversationStore) -> None:
    path = store.root / "c.jsonl"
    _write_lines(path, b'{"type":"turn","user":"x","cancelled":true}')
    assert [t.cancelled for t in store.load(path).turns] == [False, True, False]


@pytest.mark.parametrize(
    "content",
    [
        "\ufeff".encode("utf-16-le") + '{"type":"header","version":1}\n'.encode("utf-16-le"),
        b"\xff\xfe\xfd not text at all \x80\x81\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["utf-16", "bytes", "png"],
)
def test_a_file_that_is_not_text_is_one_clear_error(
    store: ConversationStore, content: bytes
) -> None:
    path = store.root / "binary.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ConversationError) as failure:
        store.load(path)
    message = str(failure.value)
    assert str(path) in message
    assert "\n" not in message
    assert "Traceback" not in message
