"""``python -m training.cartpole collect|train|eval|compare [--help]``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

COMMANDS = {
    "collect": "record a teacher's (observation, action) pairs",
    "train": "train a student by behaviour cloning or DAgger",
    "eval": "return and persona statistics of a policy over seeded episodes",
    "compare": "teachers vs students vs random, BC vs DAgger, persona identification",
}
USAGE = f"usage: python -m training.cartpole {{{'|'.join(COMMANDS)}}} [--help]"


def _command(name: str) -> Callable[[Sequence[str]], Any]:
    # Import lazily: `collect --help` should not pay for torch or scikit-learn.
    if name == "collect":
        from training.cartpole.collect import main
    elif name == "train":
        from training.cartpole.train import main
    elif name == "eval":
        from training.cartpole.evaluate import main
    else:
        from training.cartpole.compare import main
    return main


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["-h"], ["--help"]):
        lines = [f"  {name:<9} {text}" for name, text in COMMANDS.items()]
        print("\n".join([USAGE, "", *lines, "", "`COMMAND --help` lists its options."]))
        return 0
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    _command(argv[0])(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
