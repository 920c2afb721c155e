"""The Settings dialog: edits come back as a new Settings; bad model files keep it open."""

from __future__ import annotations

import gc
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
)

from empath_desktop.llm import gguf_info
from empath_desktop.store.settings import Settings
from empath_desktop.ui import settings_dialog
from empath_desktop.ui.model_check import ProbeOutcome, probe_in_child_session
from empath_desktop.ui.settings_dialog import SettingsDialog, apply_theme
from tests.files import write_named_gguf

# The offscreen platform warns on every top-level show; it says nothing about this code.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

PERSONAS = ["empath", "stoic"]
LOOKS = ["default", "robot"]


@pytest.fixture
def fake_gguf(tmp_path: Path) -> Path:
    """A file that passes `check_gguf`: GGUF v3 header, one tensor, 1 MiB long."""
    path = tmp_path / "tiny.gguf"
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 0)
    path.write_bytes(header + bytes((1 << 20) - len(header)))
    return path


def make_dialog(qtbot, settings: Settings | None = None, devices: list[str] | None = None):
    dialog = SettingsDialog(
        settings or Settings(),
        PERSONAS,
        LOOKS,
        ["Speakers", "Headphones"] if devices is None else devices,
        voices=["en-gb", "en-us", "fr"],
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ok_button(dialog: SettingsDialog) -> QPushButton:
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def model_edit(dialog: SettingsDialog) -> QLineEdit:
    return child(dialog, QLineEdit, "modelPathEdit")


def model_error(dialog: SettingsDialog) -> QLabel:
    return child(dialog, QLabel, "modelErrorLabel")


def child(dialog: SettingsDialog, cls: type, name: str):
    widget = dialog.findChild(cls, name)
    assert widget is not None, name
    return widget


def select(combo: QComboBox, value: str) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_unchanged_settings_round_trip(qtbot) -> None:
    settings = Settings(voice_device="Headphones", temperature=1.25, voice_volume=0.4)
    dialog = make_dialog(qtbot, settings)
    assert dialog.result_settings() == settings


def test_returns_edited_settings(qtbot, fake_gguf: Path) -> None:
    dialog = make_dialog(qtbot)
    model_edit(dialog).setText(str(fake_gguf))
    select(child(dialog, QComboBox, "personaCombo"), "stoic")
    select(child(dialog, QComboBox, "lookCombo"), "robot")
    child(dialog, QDoubleSpinBox, "temperatureSpin").setValue(1.3)
    child(dialog, QSpinBox, "maxTokensSpin").setValue(512)
    child(dialog, QSpinBox, "threadsSpin").setValue(4)
    child(dialog, QCheckBox, "safeModeCheck").setChecked(True)
    child(dialog, QSpinBox, "voiceRateSpin").setValue(200)
    child(dialog, QCheckBox, "reflectionsCheck").setChecked(True)
    select(child(dialog, QComboBox, "voiceDeviceCombo"), "Headphones")
    child(dialog, QSlider, "volumeSlider").setValue(35)
    select(child(dialog, QComboBox, "themeCombo"), "dark")
    select(child(dialog, QComboBox, "voiceNameCombo"), "en-gb")

    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert dialog.result_settings() == Settings(
        model_path=str(fake_gguf),
        persona="stoic",
        avatar_look="robot",
        temperature=1.3,
        max_tokens=512,
        threads=4,
        safe_mode=True,
        show_reflections=True,
        voice_enabled=True,
        voice_device="Headphones",
        voice_name="en-gb",
        voice_rate=200,
        voice_volume=0.35,
        theme="dark",
    )


@pytest.mark.parametrize("content", [None, b"NOTGGUF"])
def test_invalid_model_file_keeps_dialog_open(qtbot, tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    dialog = make_dialog(qtbot)
    model_edit(dialog).setText(str(path))

    with qtbot.assertNotEmitted(dialog.accepted):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    error = model_error(dialog)
    assert error.isVisible()
    expected = "not found" if content is None else "not a GGUF model file"
    assert expected in error.text()
    assert error.textFormat() == Qt.TextFormat.PlainText

    # Editing the path clears the stale message; the embedded default is always acceptable.
    qtbot.keyClick(model_edit(dialog), Qt.Key.Key_Backspace)
    assert not error.isVisible()
    qtbot.mouseClick(child(dialog, QPushButton, "useDefaultModelButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.result_settings().model_path == ""


def test_browse_validates_the_chosen_file(qtbot, tmp_path: Path, monkeypatch, fake_gguf) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOTGGUF")
    chosen = [str(bad)]
    monkeypatch.setattr(
        settings_dialog.QFileDialog,
        "getOpenFileName",
        lambda *args: (chosen[0], "GGUF models (*.gguf)"),
    )
    dialog = make_dialog(qtbot)
    browse = child(dialog, QPushButton, "browseModelButton")

    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert model_edit(dialog).text() == str(bad)
    assert "not a GGUF model file" in model_error(dialog).text()

    chosen[0] = str(fake_gguf)
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert not model_error(dialog).isVisible()


def test_no_audio_devices_disables_the_device_choice(qtbot) -> None:
    dialog = make_dialog(qtbot, Settings(voice_device="USB headset"), devices=[])
    assert not child(dialog, QComboBox, "voiceDeviceCombo").isEnabled()
    note = child(dialog, QLabel, "voiceDeviceNote")
    assert note.isVisible()
    assert "No audio output" in note.text()
    # A saved device that is unplugged now is kept, not silently reset.
    assert dialog.result_settings().voice_device == "USB headset"


def test_voice_off_disables_voice_controls(qtbot) -> None:
    dialog = make_dialog(qtbot)
    device = child(dialog, QComboBox, "voiceDeviceCombo")
    volume = child(dialog, QSlider, "volumeSlider")
    assert device.isEnabled() and volume.isEnabled()
    assert not child(dialog, QLabel, "voiceDeviceNote").isVisible()
    qtbot.keyClick(child(dialog, QCheckBox, "voiceCheck"), Qt.Key.Key_Space)
    assert not device.isEnabled() and not volume.isEnabled()
    assert dialog.result_settings().voice_enabled is False


def test_unlisted_current_values_are_kept(qtbot) -> None:
    settings = Settings(persona="retired", avatar_look="gone", theme="neon")
    result = make_dialog(qtbot, settings).result_settings()
    assert (result.persona, result.avatar_look, result.theme) == ("retired", "gone", "light")


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[QApplication]:
    """apply_theme changes application-wide state other tests rely on: put it back."""
    style, palette = qapp.style().name(), QApplication.palette()
    yield qapp
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "unsetColorScheme"):
        hints.unsetColorScheme()
    qapp.setStyle(style)
    qapp.setPalette(palette)


def test_apply_theme(restore_theme: QApplication) -> None:
    apply_theme(restore_theme, "dark")
    assert restore_theme.style().name().lower() == "fusion"
    dark = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    apply_theme(restore_theme, "light")
    light = QApplication.palette().color(QPalette.ColorRole.Window).lightness()
    assert dark < 100 < light


# -- the Model section: what the file is, whether it fits, and the format probe ---------------


class ScriptedProbe:
    """A stand-in probe runner: records calls; blocks until released or cancelled if asked."""

    def __init__(self, outcome: ProbeOutcome, *, block: bool = False) -> None:
        self.outcome = outcome
        self.block = block
        self.paths: list[Path] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.saw_cancel = threading.Event()
        self.returned = threading.Event()

    def __call__(self, path: Path, cancel: threading.Event) -> ProbeOutcome:
        self.paths.append(path)
        self.started.set()
        try:
            if self.block:
                while not (self.release.is_set() or cancel.is_set()):
                    cancel.wait(0.01)
                if cancel.is_set():
                    self.saw_cancel.set()
                    return ProbeOutcome(False, "stopped", cancelled=True)
            return self.outcome
        finally:
            self.returned.set()


def model_dialog(qtbot, runner=None, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), PERSONAS, LOOKS, [], probe_runner=runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def info_label(dialog: SettingsDialog) -> QLabel:
    return child(dialog, QLabel, "modelInfoLabel")


def probe_label(dialog: SettingsDialog) -> QLabel:
    return child(dialog, QLabel, "formatProbeLabel")


def test_model_section_describes_the_embedded_default(qtbot, default_model: Path) -> None:
    dialog = model_dialog(qtbot)
    label = info_label(dialog)
    assert label.textFormat() == Qt.TextFormat.PlainText
    qtbot.waitUntil(lambda: "gemma3" in label.text(), timeout=30_000)
    text = label.text()
    assert text.startswith("Embedded default (sha256 verified)")
    for fragment in ("268M", "Q4_K_M", "253 MB", "32768 tokens", "KV cache for 4096 tokens"):
        assert fragment in text, text
    assert "it fits" in text
    # The dialog grew to show every wrapped line.
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))


def test_model_section_follows_the_chosen_file(qtbot, tmp_path: Path, default_model) -> None:
    dialog = model_dialog(qtbot)
    label = info_label(dialog)
    edit = model_edit(dialog)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF\x03\x00\x00\x00")
    edit.setText(str(bad))
    qtbot.waitUntil(lambda: "cannot be used as a model" in label.text(), timeout=10_000)
    assert "truncated" in label.text()

    # A name from the file is shown literally, never as markup.
    named = write_named_gguf(tmp_path / "named.gguf", "<b>Bold</b> & <i>Co</i>")
    edit.setText(str(named))
    qtbot.waitUntil(lambda: "<b>Bold</b> & <i>Co</i> — llama" in label.text(), timeout=10_000)
    assert label.textFormat() == Qt.TextFormat.PlainText

    edit.clear()
    qtbot.waitUntil(lambda: "Embedded default" in label.text(), timeout=30_000)


def test_model_that_does_not_fit_shows_the_numbers(qtbot, monkeypatch, default_model) -> None:
    monkeypatch.setattr(gguf_info, "available_memory_bytes", lambda: 20 * 10**6)
    dialog = model_dialog(qtbot)
    label = info_label(dialog)
    qtbot.waitUntil(lambda: "does not fit in memory" in label.text(), timeout=30_000)
    assert "only 20.0 MB is free" in label.text()
    assert "smaller quantisation" in label.text()


def test_format_probe_shows_the_count(qtbot, default_model: Path) -> None:
    runner = ScriptedProbe(ProbeOutcome(True, "7 of 10 turns well formed by the model itself."))
    dialog = model_dialog(qtbot, runner)
    button = child(dialog, QPushButton, "formatProbeButton")
    label = probe_label(dialog)
    assert label.textFormat() == Qt.TextFormat.PlainText
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: label.text().startswith("7 of 10"), timeout=10_000)
    assert button.isEnabled()
    assert runner.paths == [default_model]  # an empty path means the embedded default


def test_format_probe_failure_paragraph(qtbot, tmp_path: Path) -> None:
    message = "llama.cpp crashed (SIGSEGV) while loading x.gguf in a test process."
    runner = ScriptedProbe(ProbeOutcome(False, message))
    dialog = model_dialog(qtbot, runner, Settings(model_path=str(tmp_path / "x.gguf")))
    qtbot.mouseClick(child(dialog, QPushButton, "formatProbeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: probe_label(dialog).text() == message, timeout=10_000)
    assert runner.paths == [tmp_path / "x.gguf"]


def test_closing_during_a_probe_cancels_it(qtbot, default_model) -> None:
    runner = ScriptedProbe(ProbeOutcome(True, "never shown"), block=True)
    dialog = model_dialog(qtbot, runner)
    button = child(dialog, QPushButton, "formatProbeButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled()
    assert "Running the format probe" in probe_label(dialog).text()
    assert runner.started.wait(10)
    # The UI thread is free while the probe runs: the dialog still answers.
    model_edit(dialog).setFocus()
    qtbot.keyClicks(model_edit(dialog), "x")
    assert button.isEnabled()  # a new path: the old probe is cancelled, a new one may start
    assert runner.saw_cancel.wait(10)

    runner.saw_cancel.clear()
    runner.returned.clear()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(runner.paths) == 2, timeout=10_000)
    with qtbot.waitSignal(dialog.rejected, timeout=10_000):
        dialog.reject()
    # done() returned only after the worker threads ended: the probe saw its cancel.
    assert runner.saw_cancel.is_set() and runner.returned.is_set()


def test_dropping_the_dialog_mid_probe_does_not_crash(qtbot) -> None:
    runner = ScriptedProbe(ProbeOutcome(True, "never shown"), block=True)
    dialog = SettingsDialog(Settings(), PERSONAS, LOOKS, [], probe_runner=runner)
    dialog.findChild(QPushButton, "formatProbeButton").click()
    assert runner.started.wait(10)
    del dialog
    gc.collect()
    # Destroying a running QThread would have aborted the process before this line.
    assert runner.saw_cancel.is_set()


def test_real_probe_runner_reports_a_bad_file(tmp_path: Path) -> None:
    """The child-session runner end to end, on a file llama.cpp is never asked to load."""
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOTGGUF")
    outcome = probe_in_child_session(bad, threading.Event())
    assert not outcome.ok and not outcome.cancelled
    assert "not a GGUF model file" in outcome.text


@pytest.mark.model
def test_real_probe_runner_can_be_cancelled(default_model: Path) -> None:
    cancel = threading.Event()
    threading.Timer(3.0, cancel.set).start()
    outcome = probe_in_child_session(default_model, cancel)
    assert outcome.cancelled and not outcome.ok
