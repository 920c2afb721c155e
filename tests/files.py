"""Small model files written by tests: readable GGUF headers without a usable model."""

from __future__ import annotations

import struct
from pathlib import Path


def write_named_gguf(path: Path, name: str) -> Path:
    """A readable GGUF header (one F32 tensor) whose general.name is `name`."""

    def gstr(text: str) -> bytes:
        raw = text.encode()
        return struct.pack("<Q", len(raw)) + raw

    kvs = [
        gstr("general.architecture") + struct.pack("<I", 8) + gstr("llama"),
        gstr("general.name") + struct.pack("<I", 8) + gstr(name),
    ]
    body = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs)) + b"".join(kvs)
    body += gstr("w") + struct.pack("<IQIQ", 1, 64, 0, 0)
    path.write_bytes(body + bytes(-len(body) % 32 + 256))
    return path
