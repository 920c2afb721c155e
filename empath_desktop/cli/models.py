"""`empath models`: which model files the app can use here, and whether each fits in memory.

Lists the embedded default (verified by its sha256), the model chosen in Settings and any files
named on the command line: what each is (from its GGUF header, never loading it), the memory
it needs at the app's context size against the memory free now, and, with `--format-probe`,
how often the model writes the tagged format by itself (run in a child process, where a
llama.cpp crash cannot end this one). Text from model files is printed as plain text: control
characters are replaced, so a crafted model name cannot drive the terminal.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from empath_desktop.llm import gguf_info
from empath_desktop.llm.gguf_info import (
    GGUFInfo,
    MemoryEstimate,
    format_bytes,
    format_count,
    printable,
)
from empath_desktop.llm.model_files import ModelFileError, default_model_path

logger = logging.getLogger(__name__)

FORMAT_PROMPTS = 10


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One model of the report. `problem` is a paragraph for people, '' when all is well."""

    source: str  # "embedded", "settings" or "file"
    path: Path | None
    info: GGUFInfo | None = None
    estimate: MemoryEstimate | None = None
    fits: bool | None = None  # None: unknown (free memory unknown, or unreadable)
    verified: bool = False  # the embedded default passed its sha256 check
    problem: str = ""
    format_well_formed: int | None = None
    format_total: int | None = None
    format_problem: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.problem or self.format_problem)


def inspect_model(
    source: str, path: Path | None, n_ctx: int, available: int | None, *, verified: bool = False
) -> ModelRow:
    """Read `path`'s header and check it against `available` bytes; never raises."""
    if path is None:
        return ModelRow(source, None)
    try:
        info = gguf_info.read_gguf_info(path)
    except ModelFileError as exc:
        return ModelRow(source, path, verified=verified, problem=str(exc))
    estimate = gguf_info.estimate_memory(info, n_ctx)
    try:
        gguf_info.check_fits(info, n_ctx, available)
    except ModelFileError as exc:
        return ModelRow(
            source, path, info, estimate, fits=False, verified=verified, problem=str(exc)
        )
    return ModelRow(
        source, path, info, estimate, fits=None if available is None else True, verified=verified
    )


def _same_file_key(path: Path) -> str:
    """What identifies a file for de-duplication (links resolved) without ever raising."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return str(path)


def collect_models(
    paths: Sequence[str], settings_model: str, n_ctx: int, available: int | None
) -> list[ModelRow]:
    """The embedded default, the model from Settings (if set) and `paths`, each once."""
    rows: list[ModelRow] = []
    try:
        embedded: Path | None = default_model_path()
    except ModelFileError as exc:
        rows.append(ModelRow("embedded", None, problem=str(exc)))
        embedded = None
    else:
        rows.append(inspect_model("embedded", embedded, n_ctx, available, verified=True))
    seen = {_same_file_key(embedded)} if embedded else set()
    wanted = [("settings", settings_model)] if settings_model else []
    wanted += [("file", p) for p in paths]
    for source, text in wanted:
        path = Path(text).expanduser()
        key = _same_file_key(path)
        if key in seen:
            continue
        seen.add(key)
        rows.append(inspect_model(source, path, n_ctx, available))
    return rows


def with_format_probe(row: ModelRow) -> ModelRow:
    """`row` with the scaffold-free format probe run on its model in a child process."""
    if row.path is None or row.problem:
        return row  # unreadable or too big: loading it would only fail or swap
    from empath_desktop.chat.format_probe import probe_format

    logger.info("running the format probe on %s (a minute or more)", row.path)
    report = probe_format(row.path, FORMAT_PROMPTS)
    if not report.ok:
        return replace(row, format_problem=report.message or "The format probe failed.")
    return replace(
        row, format_well_formed=report.format_well_formed, format_total=report.format_total
    )


def _label(row: ModelRow) -> str:
    if row.source == "file" and row.path is not None:
        return printable(row.path.name, 28)
    return row.source


def _fits_label(row: ModelRow) -> str:
    if row.info is None:
        return "unreadable"
    return {True: "yes", False: "NO", None: "unknown"}[row.fits]


def _format_label(row: ModelRow) -> str:
    if row.format_problem:
        return "failed"
    if row.format_total is None:
        return "-"
    return f"{row.format_well_formed}/{row.format_total}"


def render_table(
    rows: Sequence[ModelRow], n_ctx: int, available: int | None, *, probe: bool
) -> str:
    """The report as aligned plain-text columns, then one note per model."""
    header = ["MODEL", "NAME", "ARCH", "PARAMS", "QUANT", "SIZE", "CONTEXT", f"NEEDS@{n_ctx}"]
    header += ["FITS", *(["FORMAT"] if probe else [])]
    table = [header]
    for row in rows:
        info, est = row.info, row.estimate
        cells = [
            _label(row),
            printable(info.name, 32) if info else "-",
            printable(info.architecture, 16) if info else "-",
            format_count(info.parameters) if info else "-",
            info.quantisation if info else "-",
            format_bytes(info.file_size) if info else "-",
            str(info.context_length) if info and info.context_length else "-",
            format_bytes(est.total_bytes) if est else "-",
            _fits_label(row),
        ]
        table.append(cells + ([_format_label(row)] if probe else []))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines.append("")
    for row in rows:
        where = printable(str(row.path), 400) if row.path else "(not available)"
        check = " (sha256 verified)" if row.verified else ""
        lines.append(f"{_label(row)}: {where}{check}")
        if row.estimate:
            lines.append(f"  needs about {row.estimate.describe()}")
        if row.format_total is not None:
            lines.append(
                f"  format probe: {row.format_well_formed} of {row.format_total} turns well "
                "formed by the model itself"
            )
        for paragraph in (row.problem, row.format_problem):
            if paragraph:
                lines.append(f"  {printable(paragraph, 2000)}")
    free = format_bytes(available) if available is not None else "unknown"
    lines.append(f"Free memory now: {free}.")
    return "\n".join(lines) + "\n"


def _json_row(row: ModelRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "path": str(row.path) if row.path else None,
        "verified": row.verified,
        "info": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(row.info).items()}
        if row.info
        else None,
        "memory": asdict(row.estimate) if row.estimate else None,
        "fits": row.fits,
        "problem": row.problem or None,
        "format_well_formed": row.format_well_formed,
        "format_total": row.format_total,
        "format_problem": row.format_problem or None,
    }


def run_models(
    paths: Sequence[str],
    *,
    settings_model: str,
    n_ctx: int,
    as_json: bool = False,
    format_probe: bool = False,
    out: TextIO | None = None,
) -> int:
    """Print the report (to `out`, default stdout); 1 when any listed model cannot be read,
    does not fit or fails the probe, else 0."""
    out = out or sys.stdout
    available = gguf_info.available_memory_bytes()
    rows = collect_models(paths, settings_model, n_ctx, available)
    if format_probe:
        rows = [with_format_probe(row) for row in rows]
    if as_json:
        report = {
            "n_ctx": n_ctx,
            "available_bytes": available,
            "models": [_json_row(r) for r in rows],
        }
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        out.write(render_table(rows, n_ctx, available, probe=format_probe))
    return 1 if any(row.failed for row in rows) else 0
