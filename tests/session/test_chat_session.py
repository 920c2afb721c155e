"""The chat session as plain Python: turn ids, states, the respond→reflect hand-off, dropping an
abandoned turn's events by id, persistence, and the settings→config translation."""

from __future__ import annotations

from pathlib import Path

import pytest

from empath_desktop.chat.pipeline import (
    ReflectDelta,
    ReflectDone,
    RespondDelta,
    RespondDone,
    TurnRecorded,
)
from empath_desktop.llm.backend import BackendConfig
from empath_desktop.session import (
    ChatSession,
    ModelFailed,
    ModelLoaded,
    ModelRequest,
    SaveFailed,
    SessionState,
    model_request,
    pipeline_config,
)
from empath_desktop.store.conversations import ConversationStore
from empath_desktop.store.settings import Settings
from tests.fakes import DEFAULT_SCRIPT, FakeBackend

REQUEST = ModelRequest(model_path=None, persona="empath")


def fake_session(tmp_path: Path, script: dict[str, list[str]] | None = None) -> ChatSession:
    session = ChatSession(
        ConversationStore(tmp_path / "conversations"),
        backend_factory=lambda _config: FakeBackend(script),
    )
    shown = session.load_here(REQUEST)
    assert isinstance(shown[-1], ModelLoaded), shown
    assert session.state == SessionState.READY
    return session


def saved_users(store: ConversationStore) -> list[list[str]]:
    return [[t.user for t in store.load(p).turns] for p in store.paths()]


def test_a_turn_runs_through_every_state_and_is_saved(tmp_path: Path) -> None:
    session = fake_session(tmp_path)
    states = []
    shown = []
    for event in session.run_turn("Hello!"):
        states.append(session.state)
        shown.append(event)
    assert states[0] == SessionState.REACTING
    assert SessionState.RESPONDING in states and SessionState.REFLECTING in states
    assert session.state == SessionState.READY
    assert "".join(e.text for e in shown if isinstance(e, RespondDelta)) == (
        "Hello there! How are you?"
    )
    record = next(e.record for e in shown if isinstance(e, TurnRecorded))
    assert record.turn.reflect == "They seem friendly." and not record.cancelled
    assert saved_users(session.store) == [["Hello!"]]
    # One clock: the session's timings are the pipeline's own, in order.
    timings = session.turn_timings()
    assert 0 < timings["reaction_applied_ms"] <= timings["first_respond_ms"]
    assert timings["first_respond_ms"] <= timings["respond_done_ms"]
    assert timings["respond_done_ms"] <= timings["reflect_done_ms"]


def test_every_event_carries_its_turn_id_and_the_reply_hands_over_to_reflection(
    tmp_path: Path,
) -> None:
    session = fake_session(tmp_path)
    first = session.send("one")
    assert first is not None
    events = list(session.respond(first))
    assert {sev.turn_id for sev in events} == {first.id}
    done = events[-1]
    assert isinstance(done.event, RespondDone) and done.reflection is not None
    assert done.reflection.ticket is first
    for sev in events:
        session.accept(sev)
    assert session.state == SessionState.REFLECTING
    reflected = list(session.reflect(done.reflection))
    assert {sev.turn_id for sev in reflected} == {first.id}
    assert isinstance(reflected[-1].event, TurnRecorded)
    for sev in reflected:
        session.accept(sev)
    second = session.send("two")
    assert second is not None and second.id != first.id


@pytest.mark.parametrize("press", ["stop", "new"])
def test_stop_or_new_after_the_reply_before_its_events_were_accepted(
    tmp_path: Path, press: str
) -> None:
    """The race of issue 13 without Qt: the worker has delivered the whole reply (and handed
    it to reflection) before the front end accepted any of it."""
    session = fake_session(tmp_path)
    ticket = session.send("First message")
    events = list(session.respond(ticket))  # the worker is done with the reply
    if press == "stop":
        session.stop()
    else:
        session.new()
    reflection = next(sev.reflection for sev in events if sev.reflection is not None)
    events += list(session.reflect(reflection))  # records without generating: cancelled
    shown = [e for sev in events for e in session.accept(sev)]
    assert session.state == SessionState.READY
    if press == "new":
        assert shown == []  # dropped by id, and nothing waits for an end event
    else:
        assert not any(isinstance(e, (ReflectDelta, ReflectDone)) for e in shown)
    second = list(session.run_turn("Second message"))
    assert any(isinstance(e, TurnRecorded) for e in second)
    assert session.state == SessionState.READY
    saved = saved_users(session.store)
    if press == "new":  # the abandoned turn stays in the conversation it belongs to
        assert sorted(saved) == [["First message"], ["Second message"]]
    else:
        assert saved == [["First message", "Second message"]]


def test_a_new_message_mid_reflection_cancels_it_and_its_end_is_still_shown(
    tmp_path: Path,
) -> None:
    session = fake_session(tmp_path, {**DEFAULT_SCRIPT, "reflect": [" thinking"] * 50})
    first = session.send("First")
    jobs = []
    for sev in session.respond(first):
        session.accept(sev)
        jobs += [sev.reflection] if sev.reflection is not None else []
    job = jobs[0]
    assert session.state == SessionState.REFLECTING
    second = session.send("Second")
    assert second is not None and session.state == SessionState.REACTING
    assert first.cancel.is_set()
    shown = [e for sev in session.reflect(job) for e in session.accept(sev)]
    done = [e for e in shown if isinstance(e, ReflectDone)]
    assert done and done[0].cancelled  # shown: the dock marks it interrupted
    assert session.state == SessionState.REACTING  # the second turn's state is untouched
    rest = [e for sev in session.respond(second) for e in session.accept(sev)]
    assert any(isinstance(e, RespondDone) for e in rest)


def test_a_failed_save_is_one_paragraph_and_the_chat_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    session = ChatSession(
        ConversationStore(blocker / "conversations"),
        backend_factory=lambda _config: FakeBackend(),
    )
    session.load_here(REQUEST)
    shown = list(session.run_turn("Hello"))
    failures = [e for e in shown if isinstance(e, SaveFailed)]
    assert len(failures) == 1 and "could not be saved" in failures[0].message
    assert "\n" not in failures[0].message and "Traceback" not in failures[0].message
    assert session.state == SessionState.READY
    assert any(isinstance(e, TurnRecorded) for e in session.run_turn("Still here?"))


def test_continue_last_restores_the_memory_and_appends_to_the_same_file(tmp_path: Path) -> None:
    first = fake_session(tmp_path)
    list(first.run_turn("Remember the word pineapple."))
    second = fake_session(tmp_path)
    loaded = second.continue_last()
    assert loaded is not None and [t.user for t in loaded.turns] == [
        "Remember the word pineapple."
    ]
    second.restore(loaded)
    assert len(second.pipeline.memory.exchanges) == 1
    list(second.run_turn("What was the word?"))
    assert "pineapple" in second.pipeline.backend.prompts[-3]
    assert saved_users(second.store) == [["Remember the word pineapple.", "What was the word?"]]


def test_without_a_model_nothing_is_sent_and_the_failure_is_the_state(tmp_path: Path) -> None:
    session = ChatSession(ConversationStore(tmp_path), backend_factory=lambda c: FakeBackend())
    assert session.state == SessionState.LOADING and session.send("hi") is None
    missing = ModelRequest(model_path=str(tmp_path / "missing.gguf"), persona="nobody-at-all")
    shown = session.load_here(missing)
    assert isinstance(shown[-1], ModelFailed) and "nobody-at-all" in shown[-1].message
    assert session.state == SessionState.ERROR and session.send("hi") is None


def test_settings_translate_once_into_engine_config() -> None:
    settings = Settings(
        temperature=0.2, max_tokens=77, threads=3, safe_mode=True, persona="newton",
        use_adapter=True,
    )  # fmt: skip
    request = model_request(settings, model="/m/x.gguf", use_adapter=False, seed=5)
    assert request == ModelRequest(
        model_path="/m/x.gguf", persona="newton", n_threads=3, temperature=0.2, max_tokens=77,
        safe=True, use_adapter=False, seed=5, appraise=True,
    )  # fmt: skip
    assert model_request(settings, persona="empath").persona == "empath"
    assert model_request(Settings()).n_threads is None  # 0: automatic
    config = pipeline_config(request)
    assert config.respond_max_tokens == 77 and config.sampling.temperature == 0.2
    assert config.sampling.seed == 5 and config.appraise
    from empath_desktop.session.config import backend_config

    assert backend_config(request) == BackendConfig(
        model_path="/m/x.gguf", n_threads=3, safe=True, lora_path=None
    )


@pytest.mark.model
def test_a_real_model_turn_is_recorded_saved_and_timed(tmp_path: Path, llama_backend) -> None:
    session = ChatSession(
        ConversationStore(tmp_path / "conversations"), backend_factory=lambda _c: llama_backend
    )
    loaded = session.load_here(REQUEST)
    assert isinstance(loaded[-1], ModelLoaded), loaded
    shown = list(session.run_turn("I just won a baking competition!"))
    record = next(e.record for e in shown if isinstance(e, TurnRecorded))
    assert record.report.well_formed and record.turn.respond and record.turn.reflect
    assert session.state == SessionState.READY
    assert saved_users(session.store) == [["I just won a baking competition!"]]
    timings = session.turn_timings()
    assert timings["reaction_applied_ms"] <= timings["first_respond_ms"]
    assert timings["respond_done_ms"] <= timings["reflect_done_ms"]
    # The shared backend outlives this session: it is the fixture's to close.
