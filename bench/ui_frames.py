"""UI smoothness while turns stream on the real model. Prints one JSON object.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_frames.py [--turns 3]

- window visible: seconds from the start of this script (imports included) to the first
  paint of the window, and to the model being ready (the window must come first);
- avatar frame intervals while a turn is reacting/responding: median, p99 (target ≤ 20 ms);
- UI-thread stalls while a turn streams: gaps of a 4 ms probe timer (target: none > 50 ms);
  the largest gap over the whole run (start-up included) is reported beside it;
- reaction → first avatar frame after it (target: within one frame).
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402 - the clock starts before the imports on purpose
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools  # noqa: E402

from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from empath_desktop.app import prefer_ui_thread  # noqa: E402
from empath_desktop.store.settings import Settings  # noqa: E402
from empath_desktop.ui.main_window import MainWindow  # noqa: E402

MESSAGES = [
    "Hi! I just got back from hiking in the mountains.",
    "I'm worried my best friend is angry with me.",
    "What's the difference between weather and climate?",
    "My little brother just learned to ride a bike!",
]


class PaintClock(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.stamps.append(time.perf_counter())
        return False


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=3)
    args = ap.parse_args()

    prefer_ui_thread()  # as the app does for the window
    app = QApplication([])
    window = MainWindow(Settings(voice_enabled=False))
    window_clock, avatar_clock = PaintClock(), PaintClock()
    window.installEventFilter(window_clock)
    window.avatar.installEventFilter(avatar_clock)
    window.show()

    marks: dict[str, float] = {}
    window.sig_state_changed.connect(
        lambda s: marks.setdefault("ready", time.perf_counter()) if s == "ready" else None
    )
    streaming: list[tuple[float, float]] = []  # (start, end) of reacting/responding spans
    reaction_stamps: list[float] = []
    state_since = {"t": 0.0}

    def on_state(state: str) -> None:
        now = time.perf_counter()
        if state == "reacting":
            state_since["t"] = now
        elif state in ("reflecting", "ready") and state_since["t"]:
            streaming.append((state_since["t"], now))
            state_since["t"] = 0.0

    window.sig_state_changed.connect(on_state)
    window.sig_stage_reached.connect(
        lambda stage: reaction_stamps.append(time.perf_counter()) if stage == "reaction" else None
    )

    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(4)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    probe.start()

    queue = list(MESSAGES[: args.turns])

    def next_turn() -> None:
        if not queue:
            app.quit()
            return
        window.send(queue.pop(0))

    def on_first_ready(state: str) -> None:
        if state == "ready":
            window.sig_state_changed.disconnect(on_first_ready)
            QTimer.singleShot(300, next_turn)

    window.sig_turn_recorded.connect(lambda _r: QTimer.singleShot(300, next_turn))
    window.sig_state_changed.connect(on_first_ready)
    app.exec()
    window.shutdown()

    intervals = []
    for start, end in streaming:
        stamps = [t for t in avatar_clock.stamps if start <= t <= end]
        intervals += [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]
    def in_turn(t: float) -> bool:
        return any(start <= t <= end for start, end in streaming)

    gaps = [(b, (b - a) * 1000) for a, b in itertools.pairwise(ticks)]
    stalls = [gap for t, gap in gaps if in_turn(t)]
    react_to_frame = [
        (next(t for t in avatar_clock.stamps if t > r) - r) * 1000
        for r in reaction_stamps
        if any(t > r for t in avatar_clock.stamps)
    ]
    print(
        json.dumps(
            {
                "window_visible_s": round(window_clock.stamps[0] - T0, 3),
                "model_ready_s": round(marks["ready"] - T0, 3),
                "turns": len(streaming),
                "frame_ms_median": round(statistics.median(intervals), 2),
                "frame_ms_p99": round(pct(intervals, 0.99), 2),
                "frames": len(intervals),
                "max_ui_stall_ms": round(max(stalls), 1),
                "stalls_over_50ms": sum(s > 50 for s in stalls),
                "max_ui_stall_ms_incl_startup": round(max(gap for _, gap in gaps), 1),
                "reaction_to_frame_ms_max": round(max(react_to_frame), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
