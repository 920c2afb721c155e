"""Event-loop stalls of the chat input and transcript with one huge message (issue 16).

Pastes a message without spaces into the input and shows one in the transcript, each while a
1 ms timer runs; prints JSON with the longest gap between timer ticks (the longest the UI was
frozen) per case. Run: QT_QPA_PLATFORM=offscreen python bench/chat_view.py [--chars N]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from itertools import pairwise

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from empath_desktop.ui.chat_view import ChatInput, ChatView


def max_stall_ms(app: QApplication, action: Callable[[], None], settle_s: float = 0.5) -> float:
    """Run `action` from the event loop and return the longest gap between 1 ms ticks."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    QTimer.singleShot(20, action)
    end = time.perf_counter() + settle_s
    while time.perf_counter() < end or len(ticks) < 2:
        app.processEvents()
        # Keep running until things settle after the action, however long it blocked.
        if ticks and time.perf_counter() - ticks[-1] > 0.05:
            end = max(end, time.perf_counter() + settle_s)
    timer.stop()
    return max(b - a for a, b in pairwise(ticks)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=1_000_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    text = "x" * args.chars
    app.clipboard().setText(text)
    box = ChatInput()
    box.resize(600, 120)
    box.show()
    view = ChatView()
    view.resize(600, 500)
    view.show()
    result = {
        "chars": args.chars,
        "paste_max_stall_ms": round(max_stall_ms(app, box.paste), 1),
        "show_max_stall_ms": round(max_stall_ms(app, lambda: view.add_user(text)), 1),
        "reply_stream_max_stall_ms": round(
            max_stall_ms(
                app,
                lambda: (
                    view.begin_reply("Avatar"),
                    *(view.append_reply(text[i : i + 4096]) for i in range(0, len(text), 4096)),
                    view.end_reply(),
                ),
            ),
            1,
        ),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
