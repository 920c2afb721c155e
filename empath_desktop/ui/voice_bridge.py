"""Adapts the engine's `Speaker` (callbacks on audio threads) to Qt signals for the window."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from empath_desktop.chat.prompts import VoiceStyle
from empath_desktop.store.settings import Settings
from empath_desktop.voice.espeak import EspeakEngine
from empath_desktop.voice.sinks import AudioSink, list_output_devices
from empath_desktop.voice.speaker import MouthState, Speaker, VoiceStatus, open_speaker

logger = logging.getLogger(__name__)


def output_device_names() -> list[str]:
    return [d.name for d in list_output_devices()]


def voice_names() -> list[str]:
    """eSpeak NG's voices for the settings; [] when the engine cannot load."""
    try:
        return EspeakEngine().voices()
    except OSError as exc:
        logger.warning("no voice list: %s", exc)
        return []


class VoiceBridge(QObject):
    """Owns the speaker. Its callbacks arrive on audio threads and leave as queued signals."""

    sig_mouth_changed = Signal(object)  # MouthState
    sig_status_changed = Signal(str)

    def __init__(self, sink_factory: Callable[[], AudioSink] | None = None) -> None:
        """`sink_factory` replaces the sound device (tests, recording); each speaker gets its
        own sink because closing a speaker closes its sink."""
        super().__init__()
        self._sink_factory = sink_factory
        self._speaker: Speaker | None = None
        self._persona = VoiceStyle()
        self.status = VoiceStatus(False, "Voice off")

    @property
    def active(self) -> bool:
        return self._speaker is not None

    def configure(self, settings: Settings, persona_voice: VoiceStyle | None = None) -> VoiceStatus:
        """(Re)open the speaker for these settings and this persona's voice (None: the last
        persona's)."""
        if persona_voice is not None:
            self._persona = persona_voice
        self.close()
        self._speaker, self.status = open_speaker(
            settings.voice_config(),
            self._persona,
            on_mouth=self.sig_mouth_changed.emit,
            on_status=self._on_speaker_status,
            sink=self._sink_factory() if self._sink_factory else None,
        )
        logger.debug("%s", self.status.message)  # the engine already logs why voice is off
        self.sig_status_changed.emit(self.status.message)
        return self.status

    def speak_delta(self, text: str) -> None:
        if self._speaker is not None:
            self._speaker.speak_delta(text)

    def finish(self) -> None:
        if self._speaker is not None:
            self._speaker.finish()

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def close(self) -> None:
        speaker, self._speaker = self._speaker, None
        if speaker is not None:
            speaker.close()

    def _on_speaker_status(self, message: str) -> None:
        # Called from an audio thread; the signal carries it to the UI thread.
        self.sig_status_changed.emit(message)


def avatar_viseme(state: MouthState) -> str | None:
    """The mouth shape to hold (the voice and the avatar share `chat.vocab.VISEMES`); None
    once speech has ended, which lets the level drive the mouth."""
    return state.viseme if state.speaking else None
