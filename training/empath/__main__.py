"""Command line: `python -m training.empath COMMAND --config FILE [overrides]`.

`train` runs the supervised warm-up and GRPO (re-run, it resumes from the last checkpoint and
skips finished stages), `export` merges the adapter and writes a Q4_K_M GGUF, `export-lora`
writes the adapter as a GGUF LoRA over the base GGUF (and installs it for the app when
`export.install_adapter`), `all` trains, writes the exports the config's `export.merged` and
`export.lora` ask for, and evaluates them against the base model, `eval` evaluates GGUF files
(`--model X.gguf`, repeatable; 'embedded' is the app's default model; `X+L.gguf` applies the
GGUF LoRA L over X). Any config field can be overridden, e.g. `--grpo.max-steps 10`; `--help`
after the command lists them.

`eval-mind` (no config) measures the app's reactions and replies on the labelled dev set through
`empath chat --jsonl` (`training.empath.mind_eval`); `eval-mind --help` lists its options.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

import tyro

from training.empath.config import Config, load_config

logger = logging.getLogger(__name__)

COMMANDS = ("train", "export", "export-lora", "eval", "all", "eval-mind")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["eval-mind"]:
        return _eval_mind(argv[1:])
    # No argparse help here: `--help` after a command is tyro's list of config fields.
    parser = argparse.ArgumentParser(
        prog="python -m training.empath",
        add_help=False,
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--config", default=None, help="TOML file (training/empath/configs/)")
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        help="eval: a GGUF file to evaluate (repeatable); 'embedded' for the app's default",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    if not any(arg in COMMANDS for arg in argv) and (not argv or {"-h", "--help"} & set(argv)):
        # Help is asked for, or nothing at all: the commands, not "a command is required".
        parser.print_help()
        return 0 if argv else 2
    known, rest = parser.parse_known_args(argv)
    if known.command == "eval-mind":  # options before the command, e.g. `--verbose eval-mind`
        return _eval_mind([*rest, *(["--verbose"] if known.verbose else [])])
    logging.basicConfig(
        level=logging.DEBUG if known.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    cfg = tyro.cli(
        Config,
        default=load_config(known.config),
        args=rest,
        prog=f"python -m training.empath {known.command}",
    )
    if known.model:
        cfg = dataclasses.replace(
            cfg, eval=dataclasses.replace(cfg.eval, models=tuple(known.model))
        )

    # Imported late: `--help` and config errors should not wait for torch.
    from training.empath.evaluate import evaluate
    from training.empath.export import export, export_lora
    from training.empath.train import device_summary, train

    if known.command in ("train", "all"):
        logger.info("training on %s", device_summary())
        train(cfg)
    models: list[str] = ["embedded"] if cfg.model.source == "embedded" else []
    if known.command == "export" or (known.command == "all" and cfg.export.merged):
        gguf = export(cfg)
        logger.info("run the app on it: python -m empath_desktop --model %s", gguf)
        models.append(str(gguf))
    if known.command == "export-lora" or (known.command == "all" and cfg.export.lora):
        lora = export_lora(cfg)
        base = "embedded" if cfg.model.source == "embedded" else str(lora.base)
        if base != "embedded":
            models.append(str(lora.base))
        models.append(f"{base}+{lora.lora}")
        if lora.installed is not None:
            logger.info("the app now loads it over the embedded model: python -m empath_desktop")
    if known.command == "all":
        cfg = dataclasses.replace(cfg, eval=dataclasses.replace(cfg.eval, models=tuple(models)))
    if known.command in ("eval", "all"):
        report = evaluate(cfg)
        logger.info("report: %s", report / "report.md")
    return 0


def _eval_mind(argv: list[str]) -> int:
    # Its own options and no training config: it only runs the app and scores what it says.
    from training.empath.mind_eval import main as eval_mind

    return eval_mind(argv)


if __name__ == "__main__":
    sys.exit(main())
