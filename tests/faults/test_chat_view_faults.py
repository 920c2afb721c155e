"""A huge message in the chat: the input caps a paste with a notice, the transcript elides.

Behaviour only (the stall itself is measured by bench/chat_view.py): nothing is cut silently and
nothing sent is changed by what the display does.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from empath_desktop.ui.chat_view import DISPLAY_CHARS, MAX_INPUT_CHARS, ChatInput, ChatView

HUGE = "y" * 1_000_000


def test_a_huge_paste_is_cut_with_a_notice(qtbot) -> None:
    box = ChatInput()
    qtbot.addWidget(box)
    box.show()
    QApplication.clipboard().setText(HUGE)
    box.paste()
    assert box.toPlainText() == HUGE[:MAX_INPUT_CHARS]
    assert "980,000" in box.notice() and "1,000,000" in box.notice()
    with qtbot.waitSignal(box.sig_submitted) as sent:
        box.submit()
    assert sent.args == [HUGE[:MAX_INPUT_CHARS]]  # no zero-width spaces, nothing else cut
    assert box.notice() == ""


def test_a_paste_that_fits_is_whole_and_quiet(qtbot) -> None:
    box = ChatInput()
    qtbot.addWidget(box)
    QApplication.clipboard().setText("z" * 5000)
    box.paste()
    assert box.toPlainText() == "z" * 5000 and box.notice() == ""


def test_the_transcript_elides_a_huge_message_and_says_so(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.add_user(HUGE)
    view.begin_reply("Avatar")
    for i in range(0, len(HUGE), 4096):
        view.append_reply(HUGE[i : i + 4096])
    view.end_reply()
    shown = view.transcript()
    assert shown.count("y") == 2 * DISPLAY_CHARS
    assert shown.count(f"{len(HUGE) - DISPLAY_CHARS:,} more characters not shown") == 2


def test_short_text_is_shown_whole(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.add_user("hello <b>there</b>")
    assert view.transcript() == "You: hello <b>there</b>"
