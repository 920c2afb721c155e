"""Several environments at once (`lab.fleet`): a sibling per environment on a backend that
serves concurrent requests, one shared backend (taking turns) otherwise; the episodes equal
those played one by one. Marked `model`: LLM teachers on a real loopback server."""

from __future__ import annotations

import threading

import pytest

from empath_desktop.chat.prompts import load_persona
from empath_desktop.lab.fleet import environments_for, fleet_backends, play_fleet
from empath_desktop.lab.policies import scripted_teacher
from empath_desktop.lab.rollout import make_env, play
from empath_desktop.lab.teachers import LLMTeacher
from empath_desktop.llm.server import ServerBackend, ServerConfig
from tests.fakes import FakeBackend
from tests.servers import LocalServer


def test_an_in_process_backend_keeps_one_environment() -> None:
    backend = FakeBackend()
    assert environments_for(backend, 8) == 1
    assert fleet_backends(backend, 3) == [backend] * 3
    assert environments_for(None, 4) == 4  # scripted teachers need no model


def test_fleet_episodes_equal_the_same_episodes_one_by_one() -> None:
    seeds = [3, 4, 5, 6]
    seen: dict[int, int] = {}
    lock = threading.Lock()

    def on_step(i: int, _step: object) -> None:
        with lock:
            seen[i] = seen.get(i, 0) + 1

    runs = play_fleet(
        [scripted_teacher("cautious") for _ in seeds], seeds, max_steps=60, on_step=on_step
    )
    for seed, steps in zip(seeds, runs, strict=True):
        env = make_env()
        alone = list(play(env, scripted_teacher("cautious"), seed, 60))
        env.close()
        assert [(s.t, s.action) for s in steps] == [(s.t, s.action) for s in alone]
    assert seen == {i: len(r) for i, r in enumerate(runs)}


def test_cancel_ends_every_environment() -> None:
    cancel = threading.Event()
    cancel.set()
    runs = play_fleet([scripted_teacher("cautious")] * 3, [0, 1, 2], cancel=cancel)
    assert [len(r) for r in runs] == [1, 1, 1]  # the step in progress, then the end


def test_mismatched_seeds_are_refused() -> None:
    with pytest.raises(ValueError, match="2 teachers for 1 seeds"):
        play_fleet([scripted_teacher("cautious")] * 2, [0])


@pytest.mark.model
@pytest.mark.timeout(300)
def test_llm_teachers_on_a_server_play_concurrently(llama_server: LocalServer) -> None:
    backend = ServerBackend(ServerConfig.from_url(llama_server.url))
    try:
        assert environments_for(backend, 4) == 4
        backends = fleet_backends(backend, 3)
        assert len({id(b) for b in backends}) == 3 and backend not in backends
        assert len({id(b.lock) for b in backends}) == 3  # no environment waits on another's lock
        persona = load_persona("newton")
        teachers = [LLMTeacher(b, persona, cache=False) for b in backends]
        runs = play_fleet(teachers, [0, 1, 2], max_steps=3)
        assert [len(r) for r in runs] == [3, 3, 3]
        assert all(s.action in (0, 1) for r in runs for s in r)
        assert sum(t.queries for t in teachers) == 9
    finally:
        backend.close()
