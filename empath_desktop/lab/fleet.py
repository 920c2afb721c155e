"""Several CartPole environments played at once, each by its own teacher, in its own thread.

An LLM teacher decides under its backend's lock, so environments that share one backend take
turns. A backend that serves concurrent requests (an HTTP server: `concurrent_requests` True)
hands each environment a `sibling` (same connection, a lock of its own), and the server
overlaps or batches their requests; an in-process llama.cpp model has one context, and keeps
one environment (`environments_for`). The CartPole panel and `bench/server.py` run teachers
through here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from empath_desktop.lab.policies import Policy
from empath_desktop.lab.rollout import Step, make_env, play
from empath_desktop.llm.backend import Backend


def serves_concurrently(backend: Backend | None) -> bool:
    """Whether `backend` gains from concurrent requests and offers siblings to make them
    from (asked by name, as the chat's appraiser does: a server backend)."""
    return bool(getattr(backend, "concurrent_requests", False)) and hasattr(backend, "sibling")


def environments_for(backend: Backend | None, wanted: int) -> int:
    """How many environments to run at once on `backend`: `wanted` where it serves
    concurrent requests or no model is involved (None), else one."""
    if backend is not None and not serves_concurrently(backend):
        return 1
    return max(1, wanted)


def fleet_backends(backend: Backend, n: int) -> list[Backend]:
    """One backend per environment: siblings on a concurrent backend, else `backend` itself
    (shared, decisions take turns under its lock)."""
    if not serves_concurrently(backend):
        return [backend] * n
    return [backend.sibling(backend.n_ctx) for _ in range(n)]  # type: ignore[attr-defined]


def play_fleet(
    teachers: Sequence[Policy],
    seeds: Sequence[int],
    *,
    max_steps: int | None = None,
    cancel: threading.Event | None = None,
    on_step: Callable[[int, Step], None] | None = None,
) -> list[list[Step]]:
    """Teacher i plays one episode from `seeds[i]` (at most `max_steps` steps), all at once.

    Returns each environment's steps. `on_step(i, step)` is called from environment i's
    thread. A set `cancel` ends every episode after its current step. An exception in one
    environment is raised here once all have ended.
    """
    if len(teachers) != len(seeds):
        raise ValueError(f"{len(teachers)} teachers for {len(seeds)} seeds")

    def run(i: int) -> list[Step]:
        env = make_env()
        steps: list[Step] = []
        try:
            for step in play(env, teachers[i], seeds[i], max_steps):
                steps.append(step)
                if on_step is not None:
                    on_step(i, step)
                if cancel is not None and cancel.is_set():
                    break
        finally:
            env.close()
        return steps

    with ThreadPoolExecutor(len(teachers), thread_name_prefix="cartpole-env") as pool:
        futures = [pool.submit(run, i) for i in range(len(teachers))]
        return [f.result() for f in futures]
