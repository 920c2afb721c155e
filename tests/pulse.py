"""A private PulseAudio sound server with a null sink, and recordings of what it played, for the
voice tests and `bench/voice.py --device pulse`.

`PulseServer` starts the real `pulseaudio` daemon (no configuration file, a null sink named
`empath_test`, a unix socket in its own directory, anonymous clients, no autospawn) and kills it
(also mid-sentence, to test what the app does then). `use_server` points this process at it:
PortAudio reaches PulseAudio through ALSA's `pulse` plugin (Debian's PortAudio 19.6 has no
PulseAudio host API), whose "default" device is PulseAudio while a server answers; PortAudio
lists devices only when it initialises, so `use_server` re-initialises it on the way in and out.

`Recorder` runs `parec` on the sink's monitor and stamps each piece it reads with
`time.perf_counter()`, the clock of the app's `SoundDeviceSink`. A sample cannot be read
before it is played, so sample i was played at or before `stamp - (n_read - i) / rate` for
every piece read (n_read samples so far): the recording's time base is the least of these
bounds over all pieces (see `Recorder.snapshot`). Pieces that arrive without delay make it
tight (measured here: half the pieces within 0.3 ms of the bound). "Played" is when the null
sink mixes a sample, which it does up to its latency ahead of real time (a few ms, as the
monitor's 5 ms request holds it low), while the monitor's fragment may make recorded times late
by as much: figures derived from a recording are good to about ±5 ms. The null sink plays on
the system's monotonic clock, which perf_counter reads on Linux, so the two do not drift apart.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SINK = "empath_test"
# Above this |amplitude| a recorded sample is sound: 4 steps of 16-bit audio. The null sink
# mixes digital silence, so the floor it guards against is the resamplers' rounding.
SILENCE = 4 / 32768


class PulseMissingError(RuntimeError):
    """PulseAudio cannot run here; the message says why."""


class PulseServer:
    """`pulseaudio` with a null sink `SINK`, private to `root` (socket, cookie, logs)."""

    def __init__(self, root: Path, *, sink_rate: int = 48000) -> None:
        self.root = root
        self.sink_rate = sink_rate
        self.socket = root / "native"
        self.log = root / "pulseaudio.log"
        self._proc: subprocess.Popen[bytes] | None = None
        client_conf = root / "client.conf"
        root.mkdir(parents=True, exist_ok=True)
        # A client that loses the server must not start another one (the tests kill it).
        client_conf.write_text("autospawn = no\n")
        self.env = {
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(client_conf),
            "PULSE_COOKIE": str(root / "cookie"),
        }

    def start(self, timeout: float = 20.0) -> PulseServer:
        """Start the daemon and return once `pactl info` answers; `PulseMissingError` if it is
        not installed, RuntimeError (with its log) if it exits or never answers."""
        for tool in ("pulseaudio", "pactl", "parec"):
            if shutil.which(tool) is None:
                raise PulseMissingError(
                    f"{tool} is not installed (tools/system-deps.sh installs pulseaudio and "
                    "pulseaudio-utils)"
                )
        args = [
            "pulseaudio", "-n", "--daemonize=no", "--system=false", "--exit-idle-time=-1",
            "--disallow-exit", "--use-pid-file=false", "--realtime=false",
            "--high-priority=false", "--log-target=stderr",
            "-L", f"module-null-sink sink_name={SINK} rate={self.sink_rate}",
            "-L", f"module-native-protocol-unix socket={self.socket} auth-anonymous=1",
        ]  # fmt: skip
        run = self.root / "run"
        run.mkdir(exist_ok=True)
        # Its own home and runtime directory: as root it would otherwise use root's.
        env = os.environ | self.env | {
            "HOME": str(self.root), "XDG_RUNTIME_DIR": str(run), "PULSE_RUNTIME_PATH": str(run),
            "XDG_CONFIG_HOME": str(self.root / "config"),
        }  # fmt: skip
        with self.log.open("ab") as out:  # the child keeps its own descriptor
            self._proc = subprocess.Popen(
                args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"PulseAudio did not start:\n{self._tail()}")
            time.sleep(0.05)  # polling a child's socket: nothing to wait on
        return self

    def answers(self) -> bool:
        """Whether the server answers `pactl info`."""
        done = subprocess.run(
            ["pactl", "info"], env=os.environ | self.env, capture_output=True, timeout=10
        )
        return done.returncode == 0

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def kill(self) -> None:
        """SIGKILL (the sound server crashing, not shutting down) and reap it."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
            self._proc.wait(timeout=30)
        self._proc = None

    def record(self, rate: int) -> Recorder:
        """A recording of the sink's monitor, started (see `Recorder`)."""
        return Recorder(self, rate)

    def _tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""


def reinitialise_portaudio() -> None:
    """Make PortAudio list devices anew (it does so only when it initialises). Only while no
    stream is open."""
    import sounddevice

    # sounddevice's documented way to rescan devices; no public function does it.
    sounddevice._terminate()
    sounddevice._initialize()


@contextlib.contextmanager
def use_server(server: PulseServer) -> Iterator[PulseServer]:
    """This process's audio goes to `server` inside the block; afterwards the environment is
    as it was and PortAudio sees the machine's own outputs again."""
    saved = {key: os.environ.get(key) for key in server.env}
    os.environ.update(server.env)
    reinitialise_portaudio()
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reinitialise_portaudio()


@dataclass(frozen=True)
class Recording:
    """Mono float samples in [-1, 1]; sample i was played at `t0 + i / rate` (perf_counter)."""

    samples: np.ndarray
    rate: int
    t0: float

    def index_at(self, t: float) -> int:
        """The sample played at `t` (clipped to the recording)."""
        return round(float(np.clip((t - self.t0) * self.rate, 0, self.samples.size)))

    def between(self, start: float, end: float) -> np.ndarray:
        return self.samples[self.index_at(start) : self.index_at(end)]

    def first_sound(self, after: float = -np.inf) -> float | None:
        """When the first sample louder than `SILENCE` at or after `after` was played."""
        i0 = self.index_at(after)
        loud = np.flatnonzero(np.abs(self.samples[i0:]) > SILENCE)
        return None if not loud.size else self.t0 + (i0 + loud[0]) / self.rate

    def last_sound(self) -> float | None:
        """When the last sample louder than `SILENCE` had been played (its end)."""
        loud = np.flatnonzero(np.abs(self.samples) > SILENCE)
        return None if not loud.size else self.t0 + (loud[-1] + 1) / self.rate

    def envelope(self, hop: int) -> tuple[np.ndarray, np.ndarray]:
        """(start time, RMS) of each whole hop of `hop` samples."""
        n = self.samples.size // hop
        hops = self.samples[: n * hop].reshape(n, hop)
        return self.t0 + np.arange(n) * hop / self.rate, np.sqrt(np.mean(hops**2, axis=1))


class Recorder:
    """`parec` on the null sink's monitor at `rate` Hz, mono, read as it arrives; `stop`
    returns the `Recording`. The constructor returns once audio flows, so whatever is played
    afterwards is recorded."""

    def __init__(self, server: PulseServer, rate: int, *, timeout: float = 10.0) -> None:
        self.rate = rate
        args = [
            "parec", f"--device={SINK}.monitor", "--raw", "--format=s16le", f"--rate={rate}",
            "--channels=1", "--latency-msec=5",
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            args, env=os.environ | server.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._pieces: list[bytes] = []
        self._read_so_far = 0
        self._t0 = np.inf  # the least bound on when sample 0 was played, see the module doc
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._reader = threading.Thread(target=self._read, name="parec-reader", daemon=True)
        self._reader.start()
        if not self._flowing.wait(timeout):
            self.stop()
            raise RuntimeError("parec recorded nothing")

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd, total, odd = self._proc.stdout.fileno(), 0, b""
        while piece := os.read(fd, 4096):
            now = time.perf_counter()
            piece, odd = odd + piece, b""
            if len(piece) % 2:
                piece, odd = piece[:-1], piece[-1:]
            total += len(piece) // 2
            with self._lock:
                self._pieces.append(piece)
                self._read_so_far = total
                self._t0 = min(self._t0, now - total / self.rate)
            self._flowing.set()

    def recorded_until(self) -> float:
        """perf_counter time up to which the recording is in (a conservative estimate)."""
        with self._lock:
            return self._t0 + self._read_so_far / self.rate if self._pieces else -np.inf

    def snapshot(self) -> Recording:
        """What has been recorded so far."""
        with self._lock:
            data, t0 = b"".join(self._pieces), self._t0
        samples = np.frombuffer(data, "<i2").astype(np.float32) / 32768.0
        return Recording(samples, self.rate, t0)

    def stop(self) -> Recording:
        """End parec (if the server has not ended it) and return everything recorded."""
        if self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
        self._reader.join(timeout=10)
        assert self._proc.stdout is not None
        self._proc.stdout.close()
        return self.snapshot()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def step_on_grid(
    times: np.ndarray, values: np.ndarray, grid: np.ndarray, hold: float
) -> np.ndarray:
    """Value of the last sample at or before each grid time (0 past `hold` seconds)."""
    ix = np.searchsorted(times, grid, side="right") - 1
    out = np.where(ix >= 0, values[np.clip(ix, 0, None)], 0.0)
    return np.where((ix >= 0) & (grid < times[np.clip(ix, 0, None)] + hold), out, 0.0)


def best_lag(truth: np.ndarray, mouth: np.ndarray, max_lag: int = 150) -> tuple[int, float]:
    """Lag L (grid steps) maximising corr(mouth(t), truth(t - L)); positive = mouth late."""
    best = (0, -1.0)
    n = truth.size
    for lag in range(-max_lag, max_lag + 1):
        a = mouth[max(0, lag) : n + min(0, lag)]
        b = truth[max(0, -lag) : n - max(0, lag)]
        corr = float(np.corrcoef(a, b)[0, 1])
        if corr > best[1]:
            best = (lag, corr)
    return best
