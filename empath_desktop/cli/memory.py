"""`empath memory`: what the avatar remembers about the user, listed, exported or forgotten."""

from __future__ import annotations

import json
import sys
from typing import TextIO

from empath_desktop.store.longterm import LongTermMemory, MemoryStoreError


def run_memory(
    action: str, note_id: int | None = None, *, as_json: bool = False, out: TextIO | None = None
) -> int:
    """`action` is list, forget (`note_id`), forget-all or export (JSON on stdout)."""
    out = out or sys.stdout
    try:
        memory = LongTermMemory()
    except MemoryStoreError as exc:
        print(f"empath: {exc}", file=sys.stderr)
        return 2
    try:
        if memory.recovered:
            print(f"empath: {memory.recovered}", file=sys.stderr)
        if action == "list":
            notes = memory.notes()
            if as_json:
                json.dump([n.as_dict() for n in notes], out, indent=1, ensure_ascii=False)
                out.write("\n")
            elif not notes:
                print("Nothing is remembered.", file=out)
            for note in [] if as_json else notes:
                origin = f"{note.conversation} turn {note.turn + 1}" if note.conversation else "—"
                print(f"{note.id:>5}  {note.text}  [{note.kind}; from {origin}]", file=out)
        elif action == "export":
            json.dump(memory.export(), out, indent=1, ensure_ascii=False)
            out.write("\n")
        elif action == "forget":
            if note_id is None or not memory.forget(note_id):
                print(f"empath: there is no note {note_id} (see `empath memory list`)",
                      file=sys.stderr)
                return 1
            print(f"Forgot note {note_id}.", file=out)
        elif action == "forget-all":
            print(f"Forgot {memory.forget_all()} notes.", file=out)
        return 0
    finally:
        memory.close()
