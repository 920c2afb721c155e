"""Dataclass arguments on the command line, CleanRL style: `tyro` as `training.empath` uses it.

Each field of a frozen args dataclass becomes ``--field-name`` with its default, and the
docstring written under the field becomes its help text. Booleans get ``--flag/--no-flag``,
tuples take several values, ``Literal`` types become choices.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TypeVar

import tyro

T = TypeVar("T")

VERBOSE = "--verbose"


def parse(cls: type[T], argv: Sequence[str] | None = None, prog: str | None = None) -> T:
    """Parse ``argv`` into an instance of the args dataclass ``cls``.

    ``--verbose`` (not a field) turns on INFO logging; this is the only place handlers are set.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    parsed = tyro.cli(
        cls,
        args=[a for a in args if a != VERBOSE],
        prog=prog,
        description=f"{cls.__doc__ or ''}\n\n{VERBOSE}: log progress details.",
    )
    logging.basicConfig(
        level=logging.INFO if VERBOSE in args else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return parsed
