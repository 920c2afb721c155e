"""Dataclass arguments → argparse, CleanRL style without the dependency.

Each field of a frozen args dataclass becomes ``--field-name`` with its default, and the
docstring written under the field becomes its help text (as ``tyro`` reads CleanRL's ``Args``).
Booleans get ``--flag/--no-flag``, tuples take several values, ``Literal`` types become choices.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import logging
import textwrap
import typing
from collections.abc import Sequence
from itertools import pairwise
from typing import Any, TypeVar

T = TypeVar("T")


def field_docs(cls: type) -> dict[str, str]:
    """The string literal written right under each field of ``cls``, by field name."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body  # type: ignore[attr-defined]
    docs = {}
    for node, after in pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def parse(cls: type[T], argv: Sequence[str] | None = None, prog: str | None = None) -> T:
    """Parse ``argv`` into an instance of the args dataclass ``cls``.

    ``--verbose`` (not a field) turns on INFO logging; this is the only place handlers are set.
    """
    parser = argparse.ArgumentParser(prog=prog, description=cls.__doc__)
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    for f in fields:
        hint = hints[f.name]
        kwargs: dict[str, Any] = {
            "default": f.default,
            "help": f"{docs.get(f.name, '')} (default: {f.default!r})",
        }
        origin = typing.get_origin(hint)
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif origin is tuple:
            kwargs.update(nargs="+", type=typing.get_args(hint)[0])
        elif origin is typing.Literal:
            kwargs["choices"] = typing.get_args(hint)
        else:
            kwargs["type"] = hint
        parser.add_argument("--" + f.name.replace("_", "-"), **kwargs)
    parser.add_argument("--verbose", action="store_true", help="log progress details")
    namespace = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if namespace.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    values = {f.name: getattr(namespace, f.name) for f in fields}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
