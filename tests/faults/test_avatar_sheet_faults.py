"""`empath avatar-sheet` with a bad look or an output it cannot write: one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from empath_desktop.app import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["avatar-sheet", *argv])
    return code, capsys.readouterr().err


def test_unknown_look(qapp, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(capsys, str(tmp_path / "x.png"), "--look", "purple")
    assert code == 2
    assert err.startswith("empath: ") and "purple" in err and "sage" in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("where", ["under_a_file", "is_a_folder"])
def test_unwritable_output(
    qapp, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    blocker = tmp_path / "blocker"
    if where == "under_a_file":
        blocker.write_text("not a folder")
        out = blocker / "sheet.png"
    else:
        (blocker / "sheet.png").mkdir(parents=True)
        out = blocker / "sheet.png"
    code, err = _run(capsys, str(out), "--look", "sage")
    assert code == 2
    assert err.startswith("empath: ") and str(out) in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_a_sheet_is_written(qapp, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sheet.png"
    assert main(["avatar-sheet", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.png"]
