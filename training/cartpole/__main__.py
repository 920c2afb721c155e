"""``python -m training.cartpole collect|train|eval|compare [--help]``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

COMMANDS = ("collect", "train", "eval", "compare")


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
    if not argv or argv[0] not in COMMANDS:
        print(
            f"usage: python -m training.cartpole {{{'|'.join(COMMANDS)}}} [--help]", file=sys.stderr
        )
        return 2
    _command(argv[0])(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
