"""`empath models`: the table, refusals with numbers, exit status, JSON and the format probe."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from empath_desktop.app import main
from empath_desktop.llm import gguf_info
from empath_desktop.store.settings import Settings, save_settings
from tests.files import write_named_gguf


def test_table_for_the_embedded_model(default_model: Path, capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    header, row = out.splitlines()[:2]
    assert header.split() == [
        "MODEL", "NAME", "ARCH", "PARAMS", "QUANT", "SIZE", "CONTEXT", "NEEDS@4096", "FITS"
    ]  # fmt: skip
    assert row.startswith("embedded")
    for cell in ("gemma3", "268M", "Q4_K_M", "253 MB", "32768", "yes"):
        assert f" {cell} " in f" {row} ", row
    assert f"embedded: {default_model} (sha256 verified)" in out
    assert "KV cache for 4096 tokens" in out
    assert "Free memory now:" in out


def test_does_not_fit_gives_the_refusal_and_exit_1(default_model, capsys, monkeypatch) -> None:
    monkeypatch.setattr(gguf_info, "available_memory_bytes", lambda: 50 * 10**6)
    assert main(["models", "--n-ctx", "8192"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[-1] == "NO"
    assert "NEEDS@8192" in out
    assert "does not fit in memory" in out
    assert "KV cache for 8192 tokens" in out
    assert "only 50.0 MB is free" in out
    assert "smaller quantisation" in out
    assert "Traceback" not in out


def test_paths_and_the_settings_model(default_model, tmp_path, capsys) -> None:
    chosen = write_named_gguf(tmp_path / "chosen.gguf", "Chosen One")
    extra = write_named_gguf(tmp_path / "extra.gguf", "Extra\x1b[31m Red")
    save_settings(Settings(model_path=str(chosen)))
    # The embedded default named again and the settings model named again are listed once.
    assert main(["models", str(extra), str(default_model), str(chosen)]) == 0
    out = capsys.readouterr().out
    rows = out.split("\n\n")[0].splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["embedded", "settings", "extra.gguf"]
    assert "Chosen One" in rows[1]
    assert "\x1b" not in out  # a model name cannot colour or clear the terminal
    assert "Extra\ufffd[31m Red" in rows[2]


def test_unreadable_path_exit_1_without_traceback(default_model, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00")
    assert main(["models", str(bad), str(tmp_path / "missing.gguf")]) == 1
    captured = capsys.readouterr()
    assert "unreadable" in captured.out
    assert "truncated" in captured.out and "not found" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_json(default_model, capsys) -> None:
    assert main(["models", "--json", "--n-ctx", "2048"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_ctx"] == 2048
    (model,) = report["models"]
    assert model["source"] == "embedded" and model["verified"] is True
    assert model["info"]["architecture"] == "gemma3"
    assert model["info"]["quantisation"] == "Q4_K_M"
    assert model["memory"]["kv_bytes"] == 18 * 2048 * 512 * 2
    assert model["fits"] is True


@pytest.mark.parametrize("value", ["0", "-5", "many"])
def test_bad_context_is_a_usage_error(value: str, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["models", "--n-ctx", value])
    assert caught.value.code == 2
    assert "--n-ctx" in capsys.readouterr().err


def test_format_probe(default_model, tmp_path, capsys, monkeypatch) -> None:
    """The probe itself runs models in a child process (tested with the real model in
    tests/chat); here a stand-in answers so the CLI's handling is checked."""
    crashing = write_named_gguf(tmp_path / "crashing.gguf", "Small Test")
    calls = []

    def fake_probe_format(path, n):
        calls.append((Path(path), n))
        if Path(path) == crashing:
            return SimpleNamespace(
                ok=False,
                message="llama.cpp crashed (SIGSEGV) while loading crashing.gguf.",
                format_well_formed=None,
                format_total=None,
            )
        return SimpleNamespace(ok=True, message="", format_well_formed=7, format_total=10)

    monkeypatch.setattr("empath_desktop.chat.format_probe.probe_format", fake_probe_format)
    assert main(["models", "--format-probe", str(crashing)]) == 1
    out = capsys.readouterr().out
    assert calls == [(default_model, 10), (crashing, 10)]
    lines = out.splitlines()
    assert lines[0].split()[-1] == "FORMAT"
    assert lines[1].split()[-1] == "7/10"
    assert lines[2].split()[-1] == "failed"
    assert "format probe: 7 of 10 turns well formed by the model itself" in out
    assert "crashed (SIGSEGV)" in out
