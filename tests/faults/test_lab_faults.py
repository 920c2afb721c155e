"""Lab archives from untrusted hands: decompression bombs, metadata that lies, crash-safe writes.

The hostile files are consistent with their own sidecar (the checksum matches), as a file handed
over by someone else would be: the checksum proves integrity, not good intent.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from empath_desktop.lab import archive
from empath_desktop.lab.dataset import DatasetError, DatasetMeta, load_dataset, save_dataset
from empath_desktop.lab.policies import RandomPolicy
from empath_desktop.lab.student import CheckpointError, load_student, save_student
from tests.lab.test_dataset import _record
from tests.lab.test_student import _random_student


def _reseal(stem: Path, edit_header=None) -> None:
    """Rewrite the sidecar's checksum for the npz as it is now (and apply `edit_header`)."""
    sidecar = stem.with_suffix(".json")
    header = json.loads(sidecar.read_text())
    header["npz_sha256"] = hashlib.sha256(stem.with_suffix(".npz").read_bytes()).hexdigest()
    if edit_header is not None:
        edit_header(header)
    sidecar.write_text(json.dumps(header))


def _bomb(npz: Path, member: str, gib: float = 1.0) -> None:
    """Replace one array of `npz` by a member that inflates to `gib` GiB of zeros."""
    with zipfile.ZipFile(npz) as z:
        others = {n: z.read(n) for n in z.namelist() if n != member}
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in others.items():
            z.writestr(name, data)
        chunk = bytes(1 << 24)
        with z.open(member, "w", force_zip64=True) as f:
            for _ in range(int(gib * 64)):
                f.write(chunk)


@pytest.fixture
def never_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if an array is read at all: the refusal must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("np.load was reached")

    monkeypatch.setattr(archive.np, "load", refuse)


def test_a_checkpoint_that_inflates_to_a_gigabyte_is_refused_unread(
    tmp_path: Path, never_decompressed: None
) -> None:
    stem = save_student(_random_student(), tmp_path / "bomb")
    _bomb(stem.with_suffix(".npz"), "layer0.weight.npy")
    _reseal(stem)
    assert stem.with_suffix(".npz").stat().st_size < 8 << 20

    with pytest.raises(CheckpointError) as failure:
        load_student(stem)
    message = str(failure.value)
    assert "uncompressed" in message and str(stem.with_suffix(".npz")) in message
    assert "\n" not in message


def test_a_sidecar_declaring_huge_arrays_is_refused_unread(
    tmp_path: Path, never_decompressed: None
) -> None:
    stem = save_student(_random_student(), tmp_path / "huge")

    def declare_huge(header: dict) -> None:
        header["arrays"]["layer0.weight"]["shape"] = [1 << 20, 1 << 20]

    _reseal(stem, declare_huge)
    with pytest.raises(CheckpointError, match="uncompressed"):
        load_student(stem)


@pytest.mark.parametrize(
    ("field", "value", "complaint"),
    [
        ("activation", "swish", "activation"),
        ("activation", 3, "activation"),
        ("hidden", [16, "16"], "hidden"),
        ("hidden", [16, -1], "hidden"),
        ("hidden", [True, 16], "hidden"),
        ("hidden", "16,16", "hidden"),
        ("labels", "many", "labels"),
        ("seed", 1.5, "seed"),
        ("teacher", ["a"], "teacher"),
        ("algo", None, "algo"),
        ("surprise", 1, "surprise"),
    ],
)
def test_checkpoint_metadata_is_checked(
    tmp_path: Path, field: str, value: object, complaint: str
) -> None:
    stem = save_student(_random_student(), tmp_path / "meta")
    _reseal(stem, lambda header: header["meta"].__setitem__(field, value))
    with pytest.raises(CheckpointError, match=complaint):
        load_student(stem)


def test_checkpoint_shapes_must_match_the_architecture(tmp_path: Path) -> None:
    stem = save_student(_random_student(hidden=(16, 16)), tmp_path / "shape")
    _reseal(stem, lambda header: header["meta"].__setitem__("hidden", [16, 8]))
    with pytest.raises(CheckpointError, match="layer 1"):
        load_student(stem)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"format": 1e999}', "null", '"x"'])
def test_a_hostile_sidecar_is_one_clear_error(tmp_path: Path, text: str) -> None:
    stem = save_student(_random_student(), tmp_path / "side")
    stem.with_suffix(".json").write_text(text)
    with pytest.raises(CheckpointError) as failure:
        load_student(stem)
    assert "\n" not in str(failure.value)


def test_dataset_metadata_types_are_checked(tmp_path: Path) -> None:
    recorded = _record(RandomPolicy(1), [5]).dataset(DatasetMeta("random", "none"))
    stem = save_dataset(recorded, tmp_path / "data")
    _reseal(stem, lambda header: header["meta"].__setitem__("think_aloud", "false"))
    with pytest.raises(DatasetError, match="think_aloud"):
        load_dataset(stem)


def test_a_failed_save_keeps_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _random_student(seed=1)
    stem = save_student(first, tmp_path / "ckpt")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive.np, "savez_compressed", disk_full)
    with pytest.raises(OSError):
        save_student(_random_student(seed=2), stem)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    monkeypatch.undo()
    assert np.array_equal(load_student(stem).layers[0][0], first.layers[0][0])
