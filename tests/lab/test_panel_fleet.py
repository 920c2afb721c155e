"""The lab panel plays several environments at once on a backend that serves concurrent
requests: the "Environments" control follows the backend, a fleet run shows every
environment's returns with environment 1 on the boards, and Stop/close ends every environment.
Marked `model`: the in-process llama.cpp model keeps one environment, and a real loopback
server plays two."""

from __future__ import annotations

import re

import pytest

from empath_desktop.llm.server import ServerBackend, ServerConfig
from empath_desktop.ui.lab.cartpole_panel import (
    ONE_AT_A_TIME,
    SERVER_ENVIRONMENTS,
    SPEEDS,
    CartPolePanelWidget,
    FleetTick,
)
from tests.fakes import FakeBackend
from tests.servers import LocalServer


class ConcurrentFakeBackend(FakeBackend):
    """A fake that says it serves concurrent requests, handing out siblings it remembers."""

    concurrent_requests = True

    def __init__(self) -> None:
        super().__init__()
        self.siblings: list[ConcurrentFakeBackend] = []
        self.closed = False

    def sibling(self, n_ctx: int) -> ConcurrentFakeBackend:
        backend = ConcurrentFakeBackend()
        self.siblings.append(backend)
        return backend

    def close(self) -> None:
        self.closed = True


def _panel(qtbot, backend: object) -> CartPolePanelWidget:
    panel = CartPolePanelWidget(backend=backend)  # type: ignore[arg-type]
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    return panel


def _all_ended(tick: FleetTick | None) -> bool:
    return tick is not None and None not in tick.last


def _asked(tick: FleetTick | None) -> int:
    return 0 if tick is None else tick.queries


def test_environments_follow_the_backend(qtbot) -> None:
    panel = _panel(qtbot, FakeBackend())
    try:
        spin = panel._environments_spin
        assert not spin.isEnabled() and spin.value() == 1
        assert spin.toolTip() == ONE_AT_A_TIME
        panel.set_backend(ConcurrentFakeBackend())
        assert spin.isEnabled() and spin.value() == SERVER_ENVIRONMENTS
        assert spin.minimum() == 1 and spin.maximum() == 8
        spin.setValue(6)
        panel.set_backend(ConcurrentFakeBackend())  # another server keeps the user's choice
        assert spin.value() == 6
        panel.set_backend(None)
        assert not spin.isEnabled() and spin.value() == 1
    finally:
        panel.shutdown()


def test_three_environments_show_three_results_and_stop(qtbot) -> None:
    backend = ConcurrentFakeBackend()
    panel = _panel(qtbot, backend)
    try:
        panel._environments_spin.setValue(3)
        panel._speed_slider.setValue(SPEEDS.index(0))  # flat out
        panel.start("llm:newton", seed=5)
        assert not panel._pause_button.isEnabled()
        # Every environment has finished an episode, and environment 1 reached the plots.
        qtbot.waitUntil(
            lambda: _all_ended(panel.fleet) and panel.episodes_finished >= 1,
            timeout=20_000,
        )
        assert len(backend.siblings) == 3
        tick = panel.fleet
        assert tick is not None
        assert len(tick.returns) == 3 and all(r > 0 for r in tick.last if r is not None)
        assert tick.decisions >= sum(r for r in tick.last if r is not None)
        qtbot.waitUntil(lambda: panel._fleet_label.text().startswith("3 environments"))
        text = panel._fleet_label.text()
        assert "decisions/s" in text and all(f"{i}: " in text for i in (1, 2, 3))
        state = panel._teacher_board._state
        assert state is not None
        # Environment 1 of round r plays seed 5 + 3r (the others play 6 + 3r and 7 + 3r).
        episode, seed = re.match(r"episode (\d+) · seed (\d+) · ", state.caption).groups()
        assert int(seed) == 5 + 3 * (int(episode) - 1)
        assert panel._returns[1], "the student follows environment 1"
        panel.stop()
        qtbot.waitUntil(lambda: all(s.closed for s in backend.siblings), timeout=10_000)
        assert not backend.closed  # the session's own backend stays open
        assert panel._pause_button.isEnabled()
    finally:
        panel.shutdown()
    assert not panel._thread.isRunning()


def test_closing_mid_run_ends_every_environment(qtbot) -> None:
    backend = ConcurrentFakeBackend()
    panel = _panel(qtbot, backend)
    panel._environments_spin.setValue(4)
    panel._speed_slider.setValue(SPEEDS.index(1))  # one step a second: they are waiting
    panel.start("llm:newton", seed=0)
    qtbot.waitUntil(lambda: panel.fleet is not None, timeout=10_000)
    panel.close()
    assert not panel._thread.isRunning()
    assert len(backend.siblings) == 4 and all(s.closed for s in backend.siblings)


def test_a_scripted_teacher_plays_one_environment_on_a_server(qtbot) -> None:
    panel = _panel(qtbot, ConcurrentFakeBackend())
    try:
        panel._speed_slider.setValue(SPEEDS.index(0))
        panel.start("scripted:cautious", seed=1)
        qtbot.waitUntil(lambda: panel.episodes_finished >= 1, timeout=20_000)
        assert panel._pause_button.isEnabled() and panel._fleet_label.text() == ""
    finally:
        panel.shutdown()


@pytest.mark.model
def test_the_in_process_model_keeps_one_environment(qtbot, llama_backend: object) -> None:
    panel = _panel(qtbot, llama_backend)
    try:
        assert not panel._environments_spin.isEnabled()
        assert panel._environments_spin.toolTip() == ONE_AT_A_TIME
    finally:
        panel.shutdown()


@pytest.mark.model
@pytest.mark.timeout(300)
def test_two_environments_on_a_real_server(qtbot, llama_server: LocalServer) -> None:
    backend = ServerBackend(ServerConfig.from_url(llama_server.url))
    panel = _panel(qtbot, backend)
    try:
        assert panel._environments_spin.isEnabled()
        panel._environments_spin.setValue(2)
        panel._speed_slider.setValue(SPEEDS.index(0))
        panel.start("llm:newton", seed=0)
        qtbot.waitUntil(lambda: _asked(panel.fleet) >= 4, timeout=120_000)
        assert panel.fleet is not None and all(r > 0 for r in panel.fleet.returns)
        qtbot.waitUntil(lambda: panel._fleet_label.text().startswith("2 environments"))
        panel.stop()
    finally:
        panel.shutdown()
        backend.close()
    assert not panel._thread.isRunning()
