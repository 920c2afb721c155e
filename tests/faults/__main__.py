"""`python -m tests.faults --report [PYTEST ARGS]`: run the fault suite and print a summary.

One row per area (a `test_<area>_faults.py` module): cases tried, passed, failed, skipped,
tracebacks seen in user-facing output and completed turns lost. Tracebacks: failed cases whose
failure shows a Python traceback (the suite's checks put a child's stderr or the notice in
their failure message). Turns lost: the `turns_lost` the kill -9 tests record (each also
records `turns_checked`). Exit status: pytest's.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TRACEBACK = "Traceback (most recent call last)"


class _Tally:
    """A pytest plugin that counts each test's outcome by area."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and not report.passed):
            return
        module = Path(report.nodeid.split("::")[0]).stem
        row = self.rows[module.removeprefix("test_").removesuffix("_faults")]
        row["tried"] += 1
        row[report.outcome] += 1
        if report.failed and TRACEBACK in str(report.longrepr):
            row["tracebacks"] += 1
        for name, value in report.user_properties:
            if name in ("turns_checked", "turns_lost"):
                row[name] += int(value)  # type: ignore[call-overload]


def _table(rows: dict[str, dict[str, int]]) -> str:
    columns = ("tried", "passed", "failed", "skipped", "tracebacks", "turns_checked",
               "turns_lost")  # fmt: skip
    heads = ("area", "cases tried", "passed", "failed", "skipped",
             "tracebacks in output", "turns checked", "completed turns lost")  # fmt: skip
    body = [[area, *(str(rows[area][c]) for c in columns)] for area in sorted(rows)]
    total = ["all", *(str(sum(rows[a][c] for a in rows)) for c in columns)]
    widths = [max(len(r[i]) for r in [heads, *body, total]) for i in range(len(heads))]

    def line(cells) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(heads), rule, *map(line, body), rule, line(total)])


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--report":
        print(__doc__, file=sys.stderr)
        return 2
    tally = _Tally()
    code = pytest.main([str(HERE), "-q", "-p", "no:cacheprovider", *argv[1:]], plugins=[tally])
    print()
    print(_table(tally.rows))
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
