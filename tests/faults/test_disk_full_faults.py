"""A real full disk under the conversation store: a child process writes turns into a 1 MB
tmpfs until the file system refuses; every turn it completed reads back, the failed one alone
is missing, and the file ends on a whole line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.faults.sandbox import run_in_small_tmpfs

CHILD = """
import errno, json
from empath_desktop.store.conversations import ConversationStore
from tests.store.test_conversations import make_record

store = ConversationStore(MOUNT / "conversations")
conv = store.start(model="m", persona="empath")
done, failures = [], 0
for i in range(10_000):
    record = make_record(f"turn {i} " + "x" * 3000, respond="r" * 2000)
    try:
        conv.append(record)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
        failures += 1
        if failures == 3:  # the disk stays full: the next turns fail the same way
            break
        continue
    done.append(record.user)
loaded = store.load(conv.path)
print(json.dumps({
    "done": done,
    "read_back": [t.user for t in loaded.turns],
    "skipped": loaded.skipped,
    "ends_whole": conv.path.read_bytes().endswith(b"\\n"),
}))
"""


def test_turns_written_until_a_real_disk_is_full_all_read_back(tmp_path: Path) -> None:
    result = run_in_small_tmpfs(CHILD, tmp_path, options="size=1m")
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert len(report["done"]) > 10  # the disk filled up after real work, not at once
    assert report["read_back"] == report["done"]
    assert report["skipped"] == 0 and report["ends_whole"]
