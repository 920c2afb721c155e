"""The voice bridge on the real eSpeak NG engine and a recording sink: the mouth shapes it
signals are ones the avatar draws, with no table in between."""

from __future__ import annotations

from empath_desktop.avatar.animator import Animator, Mode
from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.chat.vocab import REST_VISEME, VISEMES
from empath_desktop.store.settings import Settings
from empath_desktop.ui.voice_bridge import VoiceBridge, avatar_viseme
from empath_desktop.voice.sinks import NullSink
from empath_desktop.voice.speaker import MouthState


def test_spoken_reply_drives_the_avatars_mouth_shapes(qtbot) -> None:
    # A real-time sink: the mouth is sampled at 60 Hz while the audio is heard.
    bridge = VoiceBridge(lambda: NullSink(realtime=True))
    states: list[MouthState] = []
    bridge.sig_mouth_changed.connect(states.append)
    try:
        status = bridge.configure(Settings(voice_rate=220), VoiceStyle(voice="en-gb", pitch=40))
        assert bridge.active and status.message == "Voice on: eSpeak NG, en-gb"
        bridge.speak_delta("Bob moved five boxes, ")
        bridge.speak_delta("then he thought about it.")
        bridge.finish()
        qtbot.waitUntil(lambda: bool(states) and not states[-1].speaking, timeout=30_000)
    finally:
        bridge.close()
    assert not bridge.active
    shapes = {avatar_viseme(s) for s in states if s.speaking}
    assert {"mbp", "fv", "oo", "aa"} <= shapes <= set(VISEMES)
    assert avatar_viseme(states[-1]) is None  # speech ended: the level drives the mouth again
    animator = Animator(seed=0)
    animator.set_mode(Mode.SPEAKING)
    for shape in shapes:
        animator.set_viseme(shape)  # raises for a shape the avatar does not know
    assert states[-1].viseme == REST_VISEME


def test_voice_switched_off_in_settings(qtbot) -> None:
    bridge = VoiceBridge(lambda: NullSink(realtime=False))
    with qtbot.waitSignal(bridge.sig_status_changed) as blocker:
        status = bridge.configure(Settings(voice_enabled=False))
    assert blocker.args == ["Voice off"] and not status.enabled and not bridge.active
