"""How many threads llama.cpp should use, now.

llama.cpp splits every operation of a token across its threads and waits for all of them at a
barrier. When another process takes one of the cores those threads run on, every barrier waits
for a scheduler time slice, and decoding on a 2-core machine slowed 36x with one busy core. One
thread fewer than the cores that are actually free avoids the barrier stalls at the cost of a
little parallel speed, so the thread count follows the load: `ThreadGovernor` measures how much
CPU *other* processes used since its last look (Linux `/proc/stat` minus this process's own
time) and answers with the number of cores left for us. Where that cannot be measured it
answers with the physical core count.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

_PROC_STAT = Path("/proc/stat")
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Shorter windows are too coarse at the kernel's 10 ms tick to tell one busy core from noise.
MIN_WINDOW_S = 0.25
# A core counts as ours when at most this much of it is taken by others (the UI of the desktop,
# a browser tab) — below it the extra thread still pays for itself.
SHARE_TOLERANCE = 0.35


def usable_cpus() -> list[int]:
    """The logical CPUs this process may run on."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return list(range(os.cpu_count() or 1))


def physical_cores() -> int:
    """Physical cores among the usable CPUs (hyper-threads of one core count once).

    llama.cpp gains nothing from a core's second hardware thread: both share its vector units.
    """
    cpus = usable_cpus()
    cores: set[str] = set()
    for cpu in cpus:
        topology = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            siblings = (topology / "thread_siblings_list").read_text().strip()
            package = (topology / "physical_package_id").read_text().strip()
        except OSError:
            return max(1, len(cpus))
        cores.add(f"{package}:{siblings}")
    return max(1, len(cores))


@dataclass(frozen=True, slots=True)
class _Sample:
    wall: float
    busy_ticks: int  # all CPUs, every process
    own_s: float  # this process, user + system


def _read_sample() -> _Sample | None:
    try:
        fields = _PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu" or len(fields) < 5:
        return None
    values = [int(v) for v in fields[1:]]
    # user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    busy = sum(values[:8]) - idle
    times = os.times()
    return _Sample(time.monotonic(), busy, times.user + times.system)


class ThreadGovernor:
    """Chooses llama.cpp's thread count from the cores other processes leave free.

    Not thread-safe: one owner (the backend, under its lock) asks it between tokens.
    """

    def __init__(self, cores: int | None = None) -> None:
        self.cores = cores or physical_cores()
        self._last = _read_sample()
        self._threads = self.cores
        self.others = 0.0  # cores used by other processes in the last window

    @property
    def measurable(self) -> bool:
        return self._last is not None

    def threads(self) -> int:
        """The thread count to use from now on (re-measured at most every MIN_WINDOW_S)."""
        if self._last is None:
            return self.cores
        now = _read_sample()
        if now is None:
            return self._threads
        window = now.wall - self._last.wall
        if window < MIN_WINDOW_S:
            return self._threads
        total_busy_s = (now.busy_ticks - self._last.busy_ticks) / _CLK_TCK
        own_s = now.own_s - self._last.own_s
        self.others = max(0.0, (total_busy_s - own_s) / window)
        self._last = now
        free = self.cores - self.others
        threads = max(1, min(self.cores, int(free + SHARE_TOLERANCE)))
        if threads != self._threads:
            logger.info(
                "llama.cpp threads %d -> %d (other processes use %.2f of %d cores)",
                self._threads,
                threads,
                self.others,
                self.cores,
            )
        self._threads = threads
        return threads
