"""Settings → Model source: the embedded model, a GGUF file or a server; "Test connection"
runs on a worker and shows the server's model list or why it cannot be used (marked `model`:
a real loopback llama_cpp.server)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from empath_desktop.store.settings import Settings
from empath_desktop.ui.settings_dialog import SettingsDialog
from tests.servers import LocalServer, free_port
from tests.ui.test_settings_dialog import child, make_dialog, model_edit, ok_button, select

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

URL = "http://127.0.0.1:8080/v1"


def source(dialog: SettingsDialog) -> QComboBox:
    return child(dialog, QComboBox, "modelSourceCombo")


def choose_source(dialog: SettingsDialog, value: str) -> None:
    combo = source(dialog)
    select(combo, value)
    combo.activated.emit(combo.currentIndex())  # as a user's choice does


def status(dialog: SettingsDialog) -> QLabel:
    return child(dialog, QLabel, "serverStatusLabel")


def test_the_source_follows_the_settings_and_round_trips(qtbot) -> None:
    settings = Settings(model_path="/m/kept.gguf", server_url=URL, server_model="big")
    dialog = make_dialog(qtbot, settings)
    assert source(dialog).currentData() == "server"
    assert child(dialog, QLineEdit, "serverUrlEdit").isVisible()
    assert not model_edit(dialog).isVisible()
    assert dialog.result_settings() == settings
    assert source(make_dialog(qtbot, Settings(model_path="/m/x.gguf"))).currentData() == "file"
    assert source(make_dialog(qtbot)).currentData() == "default"


def test_choosing_a_server_then_back_to_the_file(qtbot) -> None:
    dialog = make_dialog(qtbot, Settings(model_path="/m/kept.gguf"))
    choose_source(dialog, "server")
    qtbot.keyClicks(child(dialog, QLineEdit, "serverUrlEdit"), URL)
    qtbot.keyClicks(child(dialog, QLineEdit, "serverModelEdit"), "big")
    result = dialog.result_settings()
    assert (result.server_url, result.server_model, result.model_path) == (
        URL,
        "big",
        "/m/kept.gguf",  # kept for switching back
    )
    choose_source(dialog, "file")
    assert model_edit(dialog).isVisible()
    assert (dialog.result_settings().server_url, dialog.result_settings().server_model) == ("", "")
    choose_source(dialog, "default")
    assert dialog.result_settings().model_path == ""


def test_a_url_that_is_not_http_keeps_the_dialog_open(qtbot) -> None:
    dialog = make_dialog(qtbot)
    choose_source(dialog, "server")
    qtbot.keyClicks(child(dialog, QLineEdit, "serverUrlEdit"), "localhost:8080")
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "http://" in status(dialog).text()


def test_the_key_hint_names_the_environment_variable(qtbot) -> None:
    dialog = make_dialog(qtbot, Settings(server_url=URL))
    assert "EMPATH_SERVER_API_KEY" in child(dialog, QLabel, "serverKeyLabel").text()


def test_test_connection_to_nothing_shows_the_paragraph(qtbot) -> None:
    dialog = make_dialog(qtbot, Settings(server_url=f"http://127.0.0.1:{free_port()}/v1"))
    button = child(dialog, QPushButton, "serverTestButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not button.isEnabled() and status(dialog).text() == "Connecting…"
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=30_000)
    assert status(dialog).text().startswith("Cannot connect to the server")


@pytest.mark.model
@pytest.mark.timeout(300)
def test_test_connection_lists_a_real_servers_models(qtbot, llama_server: LocalServer) -> None:
    dialog = make_dialog(qtbot, Settings(server_url=llama_server.url))
    button = child(dialog, QPushButton, "serverTestButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=60_000)
    text = status(dialog).text()
    assert text.startswith("Connected without an API key"), text
    assert llama_server.model.name in text or str(llama_server.model) in text
    # A model the server does not have: the paragraph names the ones it does.
    qtbot.keyClicks(child(dialog, QLineEdit, "serverModelEdit"), "no-such-model")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: button.isEnabled(), timeout=60_000)
    assert "has no model named 'no-such-model'" in status(dialog).text()
