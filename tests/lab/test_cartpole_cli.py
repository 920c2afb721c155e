"""`python -m training.cartpole`: commands, help and dataclass flags through tyro (no torch)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from empath_desktop.lab.dataset import load_dataset
from training.cartpole.cli import parse
from training.cartpole.collect import CollectArgs
from training.cartpole.evaluate import EvalArgs

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "training.cartpole", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_the_commands_and_each_command_its_documented_flags() -> None:
    top = run("--help")
    assert top.returncode == 0 and all(c in top.stdout for c in ("collect", "compare"))
    assert run().returncode == 2 and "usage:" in run("nonsense").stderr
    collect = run("collect", "--help")
    assert collect.returncode == 0
    # The docstring under a field is its help; booleans come as --flag/--no-flag.
    assert "--think-aloud" in collect.stdout and "--no-think-aloud" in collect.stdout
    assert "one-line rationale" in collect.stdout and "--verbose" in collect.stdout


def test_flags_of_every_kind_parse_into_the_args_dataclass() -> None:
    args = parse(
        CollectArgs,
        ["--teacher", "random", "--labels", "10", "--verbaliser", "fine", "--think-aloud",
         "--no-adapter", "--verbose"],
    )  # fmt: skip
    assert args == CollectArgs(
        teacher="random", labels=10, verbaliser="fine", think_aloud=True, no_adapter=True
    )
    assert parse(EvalArgs, []) == EvalArgs()
    with pytest.raises(SystemExit) as exc:
        parse(CollectArgs, ["--verbaliser", "poetic"])
    assert exc.value.code == 2


def test_tuple_flags_take_several_values() -> None:
    from training.cartpole.compare import CompareArgs

    args = parse(CompareArgs, ["--teachers", "random", "scripted:cautious", "--curve", "5", "9"])
    assert args.teachers == ("random", "scripted:cautious") and args.curve == (5, 9)


def test_collect_writes_a_dataset(tmp_path: Path) -> None:
    from training.cartpole.__main__ import main

    out = tmp_path / "reckless"
    assert (
        main(["collect", "--teacher", "scripted:reckless", "--labels", "50", "--out", str(out)])
        == 0
    )
    dataset = load_dataset(out)
    assert len(dataset) == 50 and dataset.meta.persona == "reckless"
