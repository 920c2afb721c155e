"""The main window, offscreen: real model turns, ordering, stop, interruption, plain-text safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from empath_desktop.llm.backend import BackendConfig
from empath_desktop.llm.model_files import ModelFileError
from empath_desktop.llm.probe import CRASH_ENV_VAR
from empath_desktop.session import ChatSession, ModelLoading
from empath_desktop.store.conversations import SUFFIX, ConversationStore
from empath_desktop.store.settings import Settings, load_settings
from empath_desktop.ui.main_window import MainWindow
from empath_desktop.voice.sinks import NullSink
from tests.fakes import DEFAULT_SCRIPT, FakeBackend
from tests.waiting import wait_for

READY_MS = 120_000


@pytest.fixture
def make_window(qtbot):
    """Windows made by a test are shut down at its end (threads joined), then closed."""
    windows: list[MainWindow] = []

    def make(session=None, model=None, voice_sink=None, **settings):
        window = MainWindow(
            Settings(**settings),
            session=session,
            model_override=model,
            voice_sink=voice_sink,
        )
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def fake_session(
    script: dict[str, list[str]] | None = None,
    delay_s: float = 0.0,
    store: ConversationStore | None = None,
) -> ChatSession:
    def factory(_config: BackendConfig) -> FakeBackend:
        return FakeBackend(script, delay_s=delay_s)

    return ChatSession(store, backend_factory=factory)


def wait_ready(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.state == "ready", timeout=READY_MS)


@pytest.mark.model
def test_window_loads_the_real_model_runs_a_turn_and_closes(
    qtbot, make_window, default_model
) -> None:
    window = make_window(show_reflections=True)
    assert window.state == "loading"
    wait_ready(qtbot, window)
    assert "Gemma" in window.model_label.text()
    states: list[str] = []
    window.sig_state_changed.connect(states.append)
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=READY_MS) as blocker:
        window.input.setPlainText("I just won a baking competition!")
        window.input.submit()
    record = blocker.args[0]
    assert record.report.well_formed
    assert states[:3] == ["reacting", "responding", "reflecting"]
    qtbot.waitUntil(lambda: window.state == "ready")
    assert window.avatar.animator.reaction == record.reaction
    assert record.turn.respond in window.chat.transcript()
    assert record.turn.reflect in window.reflections.toPlainText()
    timings = window.turn_timings()
    assert timings["reaction_applied_ms"] <= timings["first_respond_ms"]
    assert timings["respond_done_ms"] <= timings["reflect_done_ms"]
    window.close()
    assert not window.bridge.running


def test_stop_mid_respond(qtbot, make_window) -> None:
    script = {**DEFAULT_SCRIPT, "respond": [" word"] * 200}
    window = make_window(session=fake_session(script, delay_s=0.01))
    wait_ready(qtbot, window)
    window.send("Tell me everything.")
    qtbot.waitUntil(lambda: window.state == "responding")
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000) as blocker:
        window.stop()
    assert blocker.args[0].cancelled
    qtbot.waitUntil(lambda: window.state == "ready")
    assert "[stopped]" in window.chat.transcript()
    assert window.chat.transcript().count(" word") < 200


def test_new_message_mid_reflection_cancels_it_and_starts_at_once(qtbot, make_window) -> None:
    script = {**DEFAULT_SCRIPT, "reflect": [" thinking"] * 500}
    window = make_window(session=fake_session(script, delay_s=0.005))
    wait_ready(qtbot, window)
    records = []
    window.sig_turn_recorded.connect(records.append)
    window.send("First message")
    qtbot.waitUntil(
        lambda: window.state == "reflecting" and bool(window.reflections.toPlainText().strip())
    )
    assert window.send("Second message")
    # The second turn runs straight away: it reaches its own reflection long before the
    # first reflection's 500 tokens could have finished.
    qtbot.waitUntil(lambda: bool(records) and window.state == "reflecting", timeout=10_000)
    assert window.chat.transcript().count("Hello there! How are you?") == 2
    assert records[0].report.well_formed and 0 < records[0].turn.reflect.count("thinking") < 500
    assert "[interrupted]" in window.reflections.toPlainText()


def test_reply_with_markup_is_shown_literally(qtbot, make_window) -> None:
    nasty = ['<b>bold</b> <a href="http://x">link</a>', " [md](http://y) <img src=x>"]
    window = make_window(session=fake_session({**DEFAULT_SCRIPT, "respond": nasty}))
    wait_ready(qtbot, window)
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000):
        window.send("<i>user markup</i>")
    text = window.chat.transcript()
    assert '<b>bold</b> <a href="http://x">link</a> [md](http://y) <img src=x>' in text
    assert "<i>user markup</i>" in text
    html = window.chat.toHtml()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<img" not in html


def test_missing_model_shows_a_banner_and_keeps_the_app_usable(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window(model=str(tmp_path / "missing.gguf"))
    qtbot.waitUntil(lambda: window.state == "error", timeout=10_000)
    assert "not found" in window.banner.text()
    assert not window.send("hello")
    window.input.setPlainText("keep me")
    window.input.submit()
    assert window.input.toPlainText() == "keep me"


@pytest.mark.model
def test_a_model_that_crashes_llama_cpp_leaves_the_window_up_with_safe_settings(
    qtbot, make_window, default_model, monkeypatch
) -> None:
    # The probe child aborts after loading, as llama.cpp did on AMX Xeons.
    monkeypatch.setenv(CRASH_ENV_VAR, "abort")
    window = make_window()
    qtbot.waitUntil(lambda: window.state == "error", timeout=READY_MS)
    assert "crashed (SIGABRT)" in window.banner.text()
    assert window.banner._action.isVisible()
    assert window.isVisible() and window.model_label.text() == "no model"
    assert not window.send("hello")

    # The next start remembers the crash: it explains at once and probes nothing.
    monkeypatch.delenv(CRASH_ENV_VAR)
    second = make_window(model=str(default_model))  # as `empath --model FILE` would
    qtbot.waitUntil(lambda: second.state == "error", timeout=READY_MS)
    assert "crashed (SIGABRT)" in second.banner.text()

    # One click: safe settings are probed on their own, load, and are kept in Settings.
    second.banner.trigger_action()
    qtbot.waitUntil(lambda: second.state == "ready", timeout=READY_MS)
    assert second.settings.safe_mode
    assert load_settings().safe_mode
    assert second._model_request().model_path == str(default_model)  # --model still wins


@pytest.mark.model
def test_script_record_exit_when_done(tmp_path: Path, default_model) -> None:
    script = tmp_path / "demo.txt"
    script.write_text("# comment\nHello there!\nWhat's your favourite colour?\n")
    out = tmp_path / "rec"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(tmp_path / "d"),
           "XDG_CONFIG_HOME": str(tmp_path / "c")}
    result = subprocess.run(
        [sys.executable, "-m", "empath_desktop", "--script", str(script), "--record", str(out),
         "--exit-when-done"],
        capture_output=True, text=True, timeout=600, env=env, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((out / "timings.json").read_text())
    assert [t["user"] for t in data["turns"]] == ["Hello there!", "What's your favourite colour?"]
    for turn in data["turns"]:
        assert turn["well_formed"]
        assert 0 < turn["reaction_applied_ms"] <= turn["first_respond_ms"]
        assert turn["first_respond_ms"] <= turn["respond_done_ms"]
        assert turn["respond_done_ms"] <= turn["reflect_done_ms"]
        for name in turn["screenshots"]:
            assert (out / name).stat().st_size > 1000
        assert len(turn["screenshots"]) == 3


def test_conversation_is_saved_and_can_be_continued(qtbot, make_window, tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "conversations")
    first = make_window(session=fake_session(store=store))
    wait_ready(qtbot, first)
    with qtbot.waitSignal(first.sig_turn_recorded, timeout=5000):
        first.send("Remember the word pineapple.")
    qtbot.waitUntil(lambda: first.state == "ready")
    saved = store.load(store.latest())
    assert [t.user for t in saved.turns] == ["Remember the word pineapple."]
    assert saved.turns[0].reflect == "They seem friendly."
    first.shutdown()

    session = fake_session(store=store)
    second = make_window(session=session)
    wait_ready(qtbot, second)
    assert "last conversation" in second.banner.text()
    second.banner.trigger_action()
    assert "Remember the word pineapple." in second.chat.transcript()
    qtbot.waitUntil(lambda: len(session.pipeline.memory.exchanges) == 1)
    with qtbot.waitSignal(second.sig_turn_recorded, timeout=5000):
        second.send("What was the word?")
    assert "pineapple" in session.pipeline.backend.prompts[-3]
    assert len(store.load(store.latest()).turns) == 2


def test_settings_change_without_reload_reconfigures_the_pipeline(qtbot, make_window) -> None:
    session = fake_session()
    window = make_window(session=session)
    wait_ready(qtbot, window)
    loads = []
    window.bridge.sig_event.connect(
        lambda event: loads.append(event) if isinstance(event, ModelLoading) else None
    )
    window.apply_settings(
        replace(window.settings, temperature=0.2, avatar_look="nova", persona="newton")
    )
    qtbot.waitUntil(lambda: session.pipeline.config.sampling.temperature == 0.2)
    assert not loads
    assert window.avatar.look.name == "nova"
    qtbot.waitUntil(lambda: window.session.persona_name == "Sir Isaac Newton")
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000):
        window.send("Who are you?")
    assert "Sir Isaac Newton: " in window.chat.transcript()


def test_voice_speaks_the_reply_and_drives_the_mouth(qtbot, make_window) -> None:
    window = make_window(
        session=fake_session(), voice_sink=lambda: NullSink(realtime=True), voice_enabled=True
    )
    wait_ready(qtbot, window)
    assert window.voice.active, window.voice_label.text()
    levels: list[float] = []
    window.voice.sig_mouth_changed.connect(lambda state: levels.append(state.level))
    window.send("Say something")
    qtbot.waitUntil(lambda: max(levels, default=0.0) > 0.2, timeout=10_000)
    qtbot.waitUntil(lambda: window.avatar.animator.pose.mouth_open > 0.05, timeout=5000)


def test_without_an_audio_device_voice_is_off_and_chat_works(qtbot, make_window) -> None:
    window = make_window(session=fake_session(), voice_enabled=True)
    wait_ready(qtbot, window)
    if window.voice.active:
        pytest.skip("this machine has a real audio output device")
    assert window.voice_label.text().startswith("Voice off")
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000):
        window.send("hello")


def test_presentation_mode_hides_chrome_and_enlarges_text(qtbot, make_window) -> None:
    window = make_window(session=fake_session())
    wait_ready(qtbot, window)
    size = window.chat.font().pointSizeF()
    window.toggle_presentation()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert window.chat.font().pointSizeF() > size
    window.toggle_presentation()
    assert window.menuBar().isVisible()
    assert window.chat.font().pointSizeF() == pytest.approx(size)


def test_new_conversation_mid_reply_starts_clean(qtbot, make_window) -> None:
    script = {**DEFAULT_SCRIPT, "respond": [" word"] * 300}
    session = fake_session(script, delay_s=0.01)
    window = make_window(session=session)
    wait_ready(qtbot, window)
    window.send("Talk for a while.")
    qtbot.waitUntil(lambda: window.state == "responding")
    window.new_conversation()
    assert window.state == "ready" and window.chat.transcript() == ""
    qtbot.waitUntil(lambda: not session.pipeline.memory.exchanges, timeout=5000)
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=10_000):
        window.send("Fresh start")
    transcript = window.chat.transcript()
    assert transcript.startswith("You: Fresh start") and transcript.count("EMPATH:") == 1
    assert "Talk for a while" not in transcript and "[stopped]" not in transcript


@pytest.mark.parametrize("press", ["stop", "new"])
def test_stop_or_new_after_the_reply_but_before_the_view_saw_it(
    qtbot, make_window, tmp_path: Path, press: str
) -> None:
    """The race of issue 13: the engine has delivered the whole reply, the UI has not handled
    its events yet, the user presses Stop or New. The next turn must run normally and the
    first one must still be saved."""
    store = ConversationStore(tmp_path / "conversations")
    session = fake_session(store=store)
    window = make_window(session=session)
    wait_ready(qtbot, window)
    records = []
    window.sig_turn_recorded.connect(records.append)
    window.send("First message")
    # No Qt event processing here: the view cannot handle the engine's events until this
    # test returns to the event loop; the engine meanwhile finishes the reply.
    assert wait_for(lambda: len(session.pipeline.memory.exchanges) == 1)
    if press == "stop":
        window.stop()
    else:
        window.new_conversation()
    qtbot.waitUntil(lambda: window.state == "ready")
    assert window.send("Second message")
    qtbot.waitUntil(lambda: any(r.user == "Second message" for r in records), timeout=10_000)
    qtbot.waitUntil(lambda: window.state == "ready")
    saved = [t.user for p in store.paths() for t in store.load(p).turns]
    assert sorted(saved) == ["First message", "Second message"]


def _session_rejecting(name: str) -> ChatSession:
    """A session whose "llama.cpp" refuses the model file called `name` (as it does a file
    that passes the header check but cannot be loaded)."""

    def factory(config: BackendConfig) -> FakeBackend:
        if Path(config.model_path or "").name == name:
            raise ModelFileError(f"llama.cpp could not load the model {config.model_path}.")
        return FakeBackend()

    return ChatSession(backend_factory=factory)


def test_a_model_llama_cpp_rejects_keeps_the_old_model_loaded_shown_and_saved(
    qtbot, make_window, tmp_path: Path
) -> None:
    window = make_window(session=_session_rejecting("bad.gguf"))
    wait_ready(qtbot, window)
    shown = window.model_label.text()
    bad = str(tmp_path / "bad.gguf")
    window.apply_settings(replace(window.settings, model_path=bad, temperature=0.3))
    qtbot.waitUntil(lambda: "could not load" in window.banner.text(), timeout=10_000)
    assert "still loaded" in window.banner.text()
    assert window.state == "ready" and window.model_label.text() == shown
    assert window.settings.model_path == "" and window.settings.temperature == 0.3
    assert load_settings() == replace(window.settings)  # the old model, the new temperature
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000):
        assert window.send("Still there?")


def test_a_changed_model_is_saved_once_it_has_loaded(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window(session=_session_rejecting("bad.gguf"))
    wait_ready(qtbot, window)
    good = str(tmp_path / "good.gguf")
    window.apply_settings(replace(window.settings, model_path=good))
    assert load_settings().model_path == ""  # not yet: it may still fail
    qtbot.waitUntil(lambda: load_settings().model_path == good, timeout=10_000)
    assert window.state == "ready" and window.settings.model_path == good


def test_settings_that_cannot_be_saved_apply_for_this_run_and_say_so(
    qtbot, make_window, tmp_path: Path, monkeypatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    session = fake_session()
    window = make_window(session=session)
    wait_ready(qtbot, window)
    window.apply_settings(replace(window.settings, temperature=0.25))
    text = window.banner.text()
    assert "could not be saved" in text and "this run" in text and "\n" not in text
    assert window.settings.temperature == 0.25
    qtbot.waitUntil(lambda: session.pipeline.config.sampling.temperature == 0.25)


def test_continue_with_an_unreadable_last_conversation_says_why(
    qtbot, make_window, tmp_path: Path
) -> None:
    store = ConversationStore(tmp_path / "conversations")
    store.root.mkdir(parents=True)
    (store.root / f"broken{SUFFIX}").write_bytes(b"\xff\xfe\x00not json at all\n")
    window = make_window(session=fake_session(store=store))
    wait_ready(qtbot, window)
    assert window.continue_last() is False
    text = window.banner.text()
    assert "broken" in text and "Traceback" not in text and text.count("Could not") <= 1
    with qtbot.waitSignal(window.sig_turn_recorded, timeout=5000):
        assert window.send("A new start, then.")


def test_a_startup_notice_stays_in_the_banner_when_the_model_loads(qtbot, make_window) -> None:
    window = make_window(session=fake_session(delay_s=0.0))
    window.show_notice("Your settings file could not be used.")
    wait_ready(qtbot, window)
    assert window.banner.text() == "Your settings file could not be used."
