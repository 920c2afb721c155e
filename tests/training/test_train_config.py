"""Config files and the command line (no torch needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from training.empath.config import Config, ConfigError, load_config

CONFIGS = Path(__file__).resolve().parents[2] / "training" / "empath" / "configs"


@pytest.mark.parametrize("name", ["smoke", "gemma270m", "qwen3b_gpu"])
def test_shipped_configs_load(name: str) -> None:
    cfg = load_config(CONFIGS / f"{name}.toml")
    assert isinstance(cfg, Config)
    assert cfg.grpo.batch_size % cfg.grpo.num_generations == 0


def test_gpu_config_mirrors_the_original_hyperparameters() -> None:
    cfg = load_config(CONFIGS / "qwen3b_gpu.toml")
    assert cfg.model.source == "Qwen/Qwen2.5-3B-Instruct" and cfg.model.prompt_style == "chat"
    assert (cfg.lora.r, cfg.lora.alpha) == (64, 64)
    assert set(cfg.lora.target_modules) == {
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    }
    g = cfg.grpo
    assert (g.learning_rate, g.num_generations, g.lr_scheduler, g.max_grad_norm) == (
        5e-6,
        8,
        "cosine",
        0.1,
    )
    assert set(cfg.rewards.as_tuple()) == {1.0}


def test_unknown_keys_and_bad_types_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("[grpo]\nmax_stepz = 3\n")
    with pytest.raises(ConfigError, match="max_stepz"):
        load_config(path)
    path.write_text("[grpo]\nmax_steps = 'many'\n")
    with pytest.raises(ConfigError, match=r"grpo\.max_steps"):
        load_config(path)
    path.write_text("[model]\nprompt_style = 'poem'\n")
    with pytest.raises(ConfigError):
        load_config(path)


def test_cli_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    import tyro

    cfg = tyro.cli(
        Config,
        default=load_config(CONFIGS / "smoke.toml"),
        args=["--grpo.max-steps", "7", "--rewards.format", "2.0"],
    )
    assert cfg.grpo.max_steps == 7 and cfg.rewards.format == 2.0
    assert cfg.model.source == "tiny"


@pytest.mark.parametrize(
    ("args", "code"), [(["--help"], 0), (["-h"], 0), (["--verbose", "--help"], 0), ([], 2)]
)
def test_the_training_command_prints_its_help_without_a_command(args: list[str], code: int) -> None:
    # A real process: `python -m training.empath --help` is what people type.
    done = subprocess.run(
        [sys.executable, "-m", "training.empath", *args],
        cwd=CONFIGS.parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == code
    assert "export-lora" in done.stdout and "eval-mind" in done.stdout
    assert "required" not in done.stderr
