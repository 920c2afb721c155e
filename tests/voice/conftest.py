"""A real sound server for the voice tests: PulseAudio with a null sink (see tests/pulse.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pulse import PulseMissingError, PulseServer, use_server


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseServer]:
    """One private PulseAudio daemon for the session; skips where PulseAudio is not installed
    (tools/system-deps.sh installs it), fails where it is but does not start."""
    server = PulseServer(tmp_path_factory.mktemp("pulse"))
    try:
        server.start()
    except PulseMissingError as exc:
        pytest.skip(f"no PulseAudio: {exc}")
    yield server
    server.kill()


@pytest.fixture
def pulse(pulse_server: PulseServer) -> Iterator[PulseServer]:
    """The session's sound server, running (a test may have killed it), as this process's
    audio output for the test: `sounddevice`'s default device plays into its null sink."""
    if not pulse_server.running:
        pulse_server.start()
    with use_server(pulse_server):
        yield pulse_server
