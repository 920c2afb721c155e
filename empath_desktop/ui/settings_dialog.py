"""The Settings dialog and the application's light/dark theme.

The dialog edits a copy of `Settings` and hands back a new frozen one; it saves nothing and
loads nothing itself. A chosen model file is checked with `check_gguf` before OK is accepted,
because llama.cpp may abort the whole process on a file that is not a GGUF model.

Below the model file, what the file is and whether it fits in memory (read from its GGUF header
on a worker thread), and a format probe run in a child process by another worker. Closing the
dialog cancels the probe and waits for the workers' threads.

The model source is the embedded default, a GGUF file, or an OpenAI-compatible server (URL and
model name; "Test connection" connects on a worker and shows the server's model list or why it
cannot be used). The server's API key is never part of the settings.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import weakref
from pathlib import Path

from PySide6.QtCore import Qt, QThread, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from empath_desktop.llm.backend import BackendConfig
from empath_desktop.llm.model_files import ModelFileError, check_gguf
from empath_desktop.store.settings import RANGES, THEMES, Settings, is_server_url
from empath_desktop.ui.model_check import (
    FORMAT_PROMPTS,
    FormatProbeWorker,
    ModelInfoWorker,
    ModelSummary,
    ProbeDone,
    ProbeRunner,
    probe_in_child_session,
)
from empath_desktop.ui.server_check import ServerCheck, ServerCheckWorker, api_key_hint
from empath_desktop.ui.workers import start_in_thread, stop_threads

logger = logging.getLogger(__name__)

_THEME_LABELS = {"light": "Light", "dark": "Dark"}
_DEFAULT_MODEL_HINT = "Embedded default (Gemma 3 270M)"
# Model source choices: the embedded model, a GGUF file, an OpenAI-compatible server.
_SOURCE_LABELS = {"default": _DEFAULT_MODEL_HINT, "file": "GGUF model file", "server": "Server"}
# Typing a path asks for its header once the typing pauses, not at every keystroke.
_INFO_DELAY_MS = 250


def _stop_threads(cancels: list[threading.Event], threads: tuple[QThread, ...]) -> None:
    """Cancel running probes (their processes are killed), then end and wait for `threads`.

    Run once per dialog by `weakref.finalize`: when the dialog closes, or, if it is dropped
    without closing, before its attributes go, so a QThread is never destroyed while running
    (which aborts the process).
    """
    for cancel in cancels:
        cancel.set()
    stop_threads(threads)


def _combo(values: list[str], current: str, labels: dict[str, str] | None = None) -> QComboBox:
    """A combo whose item data are the values; `current` is kept even if no longer listed."""
    combo = QComboBox()
    labels = labels or {}
    for value in values:
        combo.addItem(labels.get(value, value), value)
    if combo.findData(current) < 0:
        # Dropping an unlisted value silently would rewrite the user's settings on OK.
        combo.addItem(labels.get(current, current), current)
    combo.setCurrentIndex(combo.findData(current))
    return combo


class SettingsDialog(QDialog):
    """Edits every user setting; `result_settings()` returns the edited copy.

    Shown once: closing it stops its workers for good.
    """

    sig_info_requested = Signal(int, str, int)  # request id, model path ('' default), n_ctx
    sig_probe_requested = Signal(int, str, object)  # request id, model path, threading.Event
    sig_server_check_requested = Signal(int, str, str)  # request id, URL, model name

    def __init__(
        self,
        settings: Settings,
        personas: list[str],
        looks: list[str],
        audio_devices: list[str],
        parent: QWidget | None = None,
        voices: list[str] | None = None,
        probe_runner: ProbeRunner | None = None,
    ) -> None:
        """`voices`: the speech engine's voice names (empty: only the persona's own).
        `probe_runner`: runs the format probe (default: `probe_model` in a child session)."""
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings

        # -- model file --
        self._model_edit = QLineEdit(settings.model_path)
        self._model_edit.setObjectName("modelPathEdit")
        self._model_edit.setPlaceholderText(_DEFAULT_MODEL_HINT)
        self._model_edit.setClearButtonEnabled(True)
        # Wide enough that a typical path is readable without scrolling the field.
        self._model_edit.setMinimumWidth(self._model_edit.fontMetrics().averageCharWidth() * 40)
        self._model_edit.setToolTip(
            "A llama.cpp model in GGUF format. Leave empty to use the embedded default model."
        )
        self._model_edit.textEdited.connect(self._on_model_text_edited)
        browse = QPushButton("&Browse…")
        browse.setObjectName("browseModelButton")
        browse.setToolTip("Choose a .gguf model file")
        browse.clicked.connect(self._on_browse_clicked)
        use_default = QPushButton("Use &embedded default")
        use_default.setObjectName("useDefaultModelButton")
        use_default.setToolTip(_DEFAULT_MODEL_HINT)
        use_default.clicked.connect(self._on_use_default_clicked)
        model_row = QHBoxLayout()
        model_row.setContentsMargins(0, 0, 0, 0)
        model_row.addWidget(self._model_edit, 1)
        model_row.addWidget(browse)
        model_row.addWidget(use_default)
        self._model_error = QLabel()
        self._model_error.setObjectName("modelErrorLabel")
        # The message quotes the path, which is user data: never interpret it as rich text.
        self._model_error.setTextFormat(Qt.TextFormat.PlainText)
        self._model_error.setWordWrap(True)
        self._model_error.setVisible(False)
        error_palette = self._model_error.palette()
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        error_palette.setColor(
            QPalette.ColorRole.WindowText, QColor("#ff6b6b" if dark else "#c62828")
        )
        self._model_error.setPalette(error_palette)
        # Name, size and memory fit of the chosen file; its name comes from the file: plain text.
        self._model_info = QLabel()
        self._model_info.setObjectName("modelInfoLabel")
        self._model_info.setTextFormat(Qt.TextFormat.PlainText)
        self._model_info.setWordWrap(True)
        self._model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._probe_button = QPushButton("Form&at probe")
        self._probe_button.setObjectName("formatProbeButton")
        self._probe_button.setToolTip(
            f"Send the model {FORMAT_PROMPTS} everyday messages with no help from the app and "
            "count how often it writes the react / respond / reflect format by itself. Runs in "
            "a separate process and takes a minute or more."
        )
        self._probe_button.clicked.connect(self._on_probe_clicked)
        self._probe_label = QLabel()
        self._probe_label.setObjectName("formatProbeLabel")
        self._probe_label.setTextFormat(Qt.TextFormat.PlainText)
        self._probe_label.setWordWrap(True)
        probe_row = QHBoxLayout()
        probe_row.setContentsMargins(0, 0, 0, 0)
        probe_row.addWidget(self._probe_button, 0, Qt.AlignmentFlag.AlignTop)
        probe_row.addWidget(self._probe_label, 1)
        model_box = QVBoxLayout()
        model_box.setContentsMargins(0, 0, 0, 0)
        model_box.addLayout(model_row)
        model_box.addWidget(self._model_error)
        model_box.addWidget(self._model_info)
        model_box.addLayout(probe_row)

        # -- model source: the file above, or a server --
        source = "file" if settings.model_path else "default"
        source = "server" if settings.server_url else source
        self._source_combo = _combo(list(_SOURCE_LABELS), source, _SOURCE_LABELS)
        self._source_combo.setObjectName("modelSourceCombo")
        self._source_combo.setToolTip(
            "Where the model runs: the embedded model or a GGUF file in this app, or a bigger "
            "model on an OpenAI-compatible server (llama-server, vLLM, Ollama, LM Studio)"
        )
        self._source_combo.activated.connect(self._on_source_combo_activated)
        self._server_url_edit = QLineEdit(settings.server_url)
        self._server_url_edit.setObjectName("serverUrlEdit")
        self._server_url_edit.setPlaceholderText("http://localhost:8080/v1")
        self._server_url_edit.setToolTip("The server's API root, usually ending in /v1")
        self._server_url_edit.textEdited.connect(self._on_server_text_edited)
        self._server_model_edit = QLineEdit(settings.server_model)
        self._server_model_edit.setObjectName("serverModelEdit")
        self._server_model_edit.setPlaceholderText("the first model the server lists")
        self._server_model_edit.textEdited.connect(self._on_server_text_edited)
        self._server_test_button = QPushButton("Test &connection")
        self._server_test_button.setObjectName("serverTestButton")
        self._server_test_button.setToolTip("Connect now and list the server's models")
        self._server_test_button.clicked.connect(self._on_server_test_clicked)
        self._server_status = QLabel()
        self._server_status.setObjectName("serverStatusLabel")
        self._server_status.setTextFormat(Qt.TextFormat.PlainText)
        self._server_status.setWordWrap(True)
        self._server_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key_hint = QLabel(api_key_hint())
        key_hint.setObjectName("serverKeyLabel")
        key_hint.setTextFormat(Qt.TextFormat.PlainText)
        key_hint.setWordWrap(True)
        server_row = QHBoxLayout()
        server_row.setContentsMargins(0, 0, 0, 0)
        server_row.addWidget(self._server_url_edit, 1)
        server_row.addWidget(QLabel("Model:"))
        server_row.addWidget(self._server_model_edit)
        server_row.addWidget(self._server_test_button)
        server_box = QVBoxLayout()
        server_box.setContentsMargins(0, 0, 0, 0)
        server_box.addLayout(server_row)
        server_box.addWidget(self._server_status)
        server_box.addWidget(key_hint)

        # -- conversation --
        self._persona_combo = _combo(personas, settings.persona)
        self._persona_combo.setObjectName("personaCombo")
        self._persona_combo.setToolTip("Who the avatar is: voice, manner and temperament")
        self._look_combo = _combo(looks, settings.avatar_look)
        self._look_combo.setObjectName("lookCombo")
        self._look_combo.setToolTip("How the avatar is drawn")
        self._temperature_spin = QDoubleSpinBox()
        self._temperature_spin.setObjectName("temperatureSpin")
        self._temperature_spin.setRange(*RANGES["temperature"])
        self._temperature_spin.setSingleStep(0.05)
        self._temperature_spin.setDecimals(2)
        self._temperature_spin.setValue(settings.temperature)
        self._temperature_spin.setToolTip(
            "Sampling temperature: lower is more focused, higher more varied"
        )
        self._max_tokens_spin = QSpinBox()
        self._max_tokens_spin.setObjectName("maxTokensSpin")
        self._max_tokens_spin.setRange(*(int(v) for v in RANGES["max_tokens"]))
        self._max_tokens_spin.setSingleStep(16)
        self._max_tokens_spin.setValue(settings.max_tokens)
        self._max_tokens_spin.setToolTip("The longest reply, in tokens")
        self._threads_spin = QSpinBox()
        self._threads_spin.setObjectName("threadsSpin")
        self._threads_spin.setRange(*(int(v) for v in RANGES["threads"]))
        self._threads_spin.setSpecialValueText("Automatic")
        self._threads_spin.setValue(settings.threads)
        self._threads_spin.setToolTip(
            "CPU threads for the model. Automatic: the physical cores that other programs "
            "leave free, re-checked while the model runs. Changing it reloads the model."
        )
        self._safe_check = QCheckBox("Safe mode for the &model (slower)")
        self._safe_check.setObjectName("safeModeCheck")
        self._safe_check.setChecked(settings.safe_mode)
        self._safe_check.setToolTip(
            "One thread, no memory-mapping and no repacked weights: the fewest native "
            "features, for a model or computer on which llama.cpp crashed. Reloads the model."
        )
        self._adapter_check = QCheckBox("&Use the trained EMPATH adapter")
        self._adapter_check.setObjectName("adapterCheck")
        self._adapter_check.setChecked(settings.use_adapter)
        self._adapter_check.setToolTip(
            "Apply the EMPATH adapter (assets/models/empath-gemma3-270m-lora.gguf) over the "
            "embedded default model when it is installed. Off: the plain base model. Other "
            "model files never get it. Changing it reloads the model."
        )
        self._reflections_check = QCheckBox("Show the avatar's re&flections")
        self._reflections_check.setObjectName("reflectionsCheck")
        self._reflections_check.setChecked(settings.show_reflections)
        self._reflections_check.setToolTip(
            "Show the private note the avatar writes after each reply"
        )
        self._memory_check = QCheckBox("Remember me a&cross conversations")
        self._memory_check.setObjectName("memoryCheck")
        self._memory_check.setChecked(settings.memory)
        self._memory_check.setToolTip(
            "Keep short notes of what you tell the avatar (see View → What I remember) and "
            "recall them in later conversations. Off: nothing is kept or recalled; the notes "
            "already kept stay until you forget them."
        )

        # -- voice --
        self._voice_check = QCheckBox("Spea&k replies aloud")
        self._voice_check.setObjectName("voiceCheck")
        self._voice_check.setChecked(settings.voice_enabled)
        self._voice_check.setToolTip("Read each reply aloud with the persona's voice")
        self._voice_check.toggled.connect(self._on_voice_toggled)
        self._device_combo = _combo(
            ["", *audio_devices], settings.voice_device, {"": "Default device"}
        )
        self._device_combo.setObjectName("voiceDeviceCombo")
        self._device_combo.setToolTip("The sound output the voice plays on")
        self._device_note = QLabel("No audio output devices were found.")
        self._device_note.setObjectName("voiceDeviceNote")
        self._device_note.setVisible(not audio_devices)
        self._has_devices = bool(audio_devices)
        device_box = QVBoxLayout()
        device_box.setContentsMargins(0, 0, 0, 0)
        device_box.addWidget(self._device_combo)
        device_box.addWidget(self._device_note)
        self._voice_combo = _combo(
            ["", *(voices or [])], settings.voice_name, {"": "Persona's own voice"}
        )
        self._voice_combo.setObjectName("voiceNameCombo")
        self._voice_combo.setToolTip("The eSpeak NG voice (language and accent) to speak with")
        self._rate_spin = QSpinBox()
        self._rate_spin.setObjectName("voiceRateSpin")
        self._rate_spin.setRange(*(int(v) for v in RANGES["voice_rate"]))
        self._rate_spin.setSingleStep(10)
        self._rate_spin.setSuffix(" wpm")
        self._rate_spin.setSpecialValueText("Persona default")
        self._rate_spin.setValue(settings.voice_rate)
        self._rate_spin.setToolTip("Speaking rate in words per minute (0: the persona's own)")
        self._volume_slider = QSlider(Qt.Orientation.Horizontal)
        self._volume_slider.setObjectName("volumeSlider")
        self._volume_slider.setRange(0, 100)
        self._volume_slider.setPageStep(10)
        self._volume_slider.setValue(round(min(max(settings.voice_volume, 0.0), 1.0) * 100))
        self._volume_slider.setToolTip("Voice volume")
        self._volume_slider.setAccessibleName("Volume")
        self._volume_label = QLabel()
        self._volume_label.setMinimumWidth(
            self._volume_label.fontMetrics().horizontalAdvance("100 %")
        )
        self._volume_slider.valueChanged.connect(self._on_volume_value_changed)
        self._on_volume_value_changed(self._volume_slider.value())
        volume_row = QHBoxLayout()
        volume_row.setContentsMargins(0, 0, 0, 0)
        volume_row.addWidget(self._volume_slider, 1)
        volume_row.addWidget(self._volume_label)

        # -- appearance --
        self._theme_combo = _combo(
            list(THEMES),
            settings.theme if settings.theme in THEMES else THEMES[0],
            _THEME_LABELS,
        )
        self._theme_combo.setObjectName("themeCombo")
        self._theme_combo.setToolTip("Light or dark colours for the whole window")

        form = QFormLayout()
        self._form = form
        form.addRow(self._buddy("Model so&urce:", self._source_combo), self._source_combo)
        form.addRow(self._buddy("&Model file:", self._model_edit), model_box)
        self._file_row = form.rowCount() - 1
        form.addRow(self._buddy("Server U&RL:", self._server_url_edit), server_box)
        self._server_row = form.rowCount() - 1
        form.addRow(self._buddy("&Persona:", self._persona_combo), self._persona_combo)
        form.addRow(self._buddy("Avatar &look:", self._look_combo), self._look_combo)
        form.addRow(self._buddy("&Temperature:", self._temperature_spin), self._temperature_spin)
        form.addRow(self._buddy("Max reply t&okens:", self._max_tokens_spin), self._max_tokens_spin)
        form.addRow(self._buddy("CPU thread&s:", self._threads_spin), self._threads_spin)
        form.addRow("", self._safe_check)
        form.addRow("", self._adapter_check)
        form.addRow("", self._reflections_check)
        form.addRow("", self._memory_check)
        form.addRow("", self._voice_check)
        form.addRow(self._buddy("Output &device:", self._device_combo), device_box)
        form.addRow(self._buddy("Vo&ice:", self._voice_combo), self._voice_combo)
        form.addRow(self._buddy("Speaking &rate:", self._rate_spin), self._rate_spin)
        form.addRow(self._buddy("&Volume:", self._volume_slider), volume_row)
        form.addRow(self._buddy("T&heme:", self._theme_combo), self._theme_combo)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._on_voice_toggled(settings.voice_enabled)

        # -- model workers: headers and probes never run on the UI thread --
        self._n_ctx = BackendConfig(model_path="").n_ctx
        self._info_id = 0
        self._probe_id = 0
        self._probe_cancel: threading.Event | None = None
        self._cancels: list[threading.Event] = []  # of probes not yet finished
        self._stopped = False
        self._info_worker = ModelInfoWorker()
        self._info_worker.sig_info_read.connect(self._on_info_read)
        self.sig_info_requested.connect(self._info_worker.read)
        self._info_thread = start_in_thread(self._info_worker, "settings-model-info")
        self._probe_worker = FormatProbeWorker(probe_runner or probe_in_child_session)
        self._probe_worker.sig_probe_finished.connect(self._on_probe_finished)
        self.sig_probe_requested.connect(self._probe_worker.run)
        self._probe_thread = start_in_thread(self._probe_worker, "settings-format-probe")
        self._server_id = 0
        self._server_worker = ServerCheckWorker()
        self._server_worker.sig_checked.connect(self._on_server_checked)
        self.sig_server_check_requested.connect(self._server_worker.check)
        self._server_thread = start_in_thread(self._server_worker, "settings-server-check")
        threads = (self._info_thread, self._probe_thread, self._server_thread)
        self._finalizer = weakref.finalize(self, _stop_threads, self._cancels, threads)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._stop_workers)
        self._info_timer = QTimer(self)
        self._info_timer.setSingleShot(True)
        self._info_timer.setInterval(_INFO_DELAY_MS)
        self._info_timer.timeout.connect(self._on_info_timer_timeout)
        self._model_edit.textChanged.connect(self._on_model_text_changed)
        self._show_source(source)
        self._request_info()

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        """A form label whose mnemonic (Alt+letter) moves the focus to `widget`."""
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    def result_settings(self) -> Settings:
        """The edited settings (unchanged fields, including any added later, carried over)."""
        server = self._source_combo.currentData() == "server"
        return dataclasses.replace(
            self._settings,
            # The file is kept while a server is the source, for switching back.
            model_path=self._model_edit.text().strip(),
            server_url=self._server_url_edit.text().strip() if server else "",
            server_model=self._server_model_edit.text().strip() if server else "",
            persona=self._persona_combo.currentData(),
            avatar_look=self._look_combo.currentData(),
            temperature=round(self._temperature_spin.value(), 2),
            max_tokens=self._max_tokens_spin.value(),
            threads=self._threads_spin.value(),
            safe_mode=self._safe_check.isChecked(),
            use_adapter=self._adapter_check.isChecked(),
            show_reflections=self._reflections_check.isChecked(),
            memory=self._memory_check.isChecked(),
            voice_enabled=self._voice_check.isChecked(),
            voice_device=self._device_combo.currentData(),
            voice_name=self._voice_combo.currentData(),
            voice_rate=self._rate_spin.value(),
            voice_volume=self._volume_slider.value() / 100.0,
            theme=self._theme_combo.currentData(),
        )

    def done(self, result: int) -> None:
        """Every way of closing ends here (OK, Cancel, Esc, the window's close button)."""
        self._stop_workers()
        super().done(result)

    def _stop_workers(self) -> None:
        """Cancel a running probe (its process group is killed) and wait for both threads."""
        if self._stopped:
            return
        self._stopped = True
        self._info_timer.stop()
        self._finalizer()

    def _request_info(self) -> None:
        if self._stopped:
            return
        self._info_id += 1
        self._model_info.setText("Reading the model file…")
        self.sig_info_requested.emit(self._info_id, self._model_edit.text().strip(), self._n_ctx)

    def _on_info_timer_timeout(self) -> None:
        self._request_info()

    def _on_model_text_changed(self, text: str) -> None:
        if self._source_combo.currentData() != "server":
            # A file typed, browsed or cleared is the source it names.
            select = "file" if text.strip() else "default"
            self._source_combo.setCurrentIndex(self._source_combo.findData(select))
        # The probe result and any running probe were about the previous file.
        self._cancel_probe()
        self._probe_label.clear()
        self._info_timer.start()

    def _on_info_read(self, summary: ModelSummary) -> None:
        if self._stopped or summary.request_id != self._info_id:
            return  # about a path that has been edited since
        parts = [p for p in (summary.text, summary.problem) if p]
        self._model_info.setText("\n".join(parts))
        self._grow_to_fit()

    def _on_probe_clicked(self) -> None:
        if self._stopped or self._probe_cancel is not None:
            return
        self._probe_id += 1
        self._probe_cancel = threading.Event()
        self._cancels.append(self._probe_cancel)
        self._probe_button.setEnabled(False)
        self._probe_label.setText(
            f"Running the format probe: the model answers {FORMAT_PROMPTS} messages in a "
            "separate process. This takes a minute or more…"
        )
        self.sig_probe_requested.emit(
            self._probe_id, self._model_edit.text().strip(), self._probe_cancel
        )

    def _cancel_probe(self) -> None:
        if self._probe_cancel is not None:
            self._probe_cancel.set()
            self._probe_cancel = None
            self._probe_id += 1  # its result, if it still comes, is dropped
        self._probe_button.setEnabled(not self._stopped)

    def _on_probe_finished(self, done: ProbeDone) -> None:
        if self._cancels:
            self._cancels.pop(0)  # one worker: probes finish in the order they were asked for
        if self._stopped or done.request_id != self._probe_id:
            return
        self._probe_cancel = None
        self._probe_button.setEnabled(True)
        self._probe_label.setText(done.outcome.text)
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Make room for wrapped text that grew (a shown window does not grow by itself);
        never shrink what the user sized."""
        layout = self.layout()
        layout.activate()
        if layout.hasHeightForWidth():
            needed = layout.totalHeightForWidth(self.width())
        else:
            needed = layout.totalSizeHint().height()
        if needed > self.height():
            self.resize(self.width(), needed)

    def accept(self) -> None:
        """Close with OK only if the model source is usable (a GGUF file, an http(s) URL);
        otherwise say why and stay open."""
        if self._source_combo.currentData() == "server":
            if self._validate_server_url():
                super().accept()
            else:
                self._server_url_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self._validate_model():
            super().accept()
        else:
            self._model_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _validate_server_url(self) -> bool:
        if is_server_url(self._server_url_edit.text()):
            return True
        self._server_status.setText(
            "The server URL must start with http:// or https:// and name a host, for example "
            "http://localhost:8080/v1."
        )
        return False

    def _show_source(self, source: str) -> None:
        """Show the rows of the chosen source only."""
        server = source == "server"
        self._form.setRowVisible(self._file_row, not server)
        self._form.setRowVisible(self._server_row, server)

    def _on_source_combo_activated(self, _index: int) -> None:
        source = self._source_combo.currentData()
        if source == "default":
            self._on_use_default_clicked()
        elif source == "file":
            self._model_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._server_url_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self._show_source(source)
        self._grow_to_fit()

    def _on_server_text_edited(self, _text: str) -> None:
        self._server_id += 1  # a check still running was about the previous address
        self._server_status.clear()
        self._server_test_button.setEnabled(not self._stopped)

    def _on_server_test_clicked(self) -> None:
        if self._stopped or not self._validate_server_url():
            return
        self._server_id += 1
        self._server_test_button.setEnabled(False)
        self._server_status.setText("Connecting…")
        self.sig_server_check_requested.emit(
            self._server_id,
            self._server_url_edit.text().strip(),
            self._server_model_edit.text().strip(),
        )

    def _on_server_checked(self, check: ServerCheck) -> None:
        if self._stopped or check.request_id != self._server_id:
            return  # about an address that has been edited since
        self._server_test_button.setEnabled(True)
        self._server_status.setText(check.text)
        self._grow_to_fit()

    def _validate_model(self) -> bool:
        text = self._model_edit.text().strip()
        if not text:  # the embedded default is checked by its sha256 when assembled
            self._show_model_error("")
            return True
        try:
            check_gguf(Path(text).expanduser())
        except ModelFileError as exc:
            logger.info("rejected model file: %s", exc)
            self._show_model_error(str(exc))
            return False
        self._show_model_error("")
        return True

    def _show_model_error(self, message: str) -> None:
        self._model_error.setText(message)
        self._model_error.setVisible(bool(message))

    def _on_model_text_edited(self, _text: str) -> None:
        self._show_model_error("")  # the message was about the previous text

    def _on_browse_clicked(self) -> None:
        current = Path(self._model_edit.text().strip()).expanduser()
        start = str(current.parent if current.parent.is_dir() else Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a model file", start, "GGUF models (*.gguf);;All files (*)"
        )
        if path:
            self._model_edit.setText(path)
            self._validate_model()  # tell the user now, not only when they press OK

    def _on_use_default_clicked(self) -> None:
        self._model_edit.clear()
        self._show_model_error("")

    def _on_voice_toggled(self, checked: bool) -> None:
        self._device_combo.setEnabled(checked and self._has_devices)
        self._voice_combo.setEnabled(checked)
        self._rate_spin.setEnabled(checked)
        self._volume_slider.setEnabled(checked)

    def _on_volume_value_changed(self, value: int) -> None:
        self._volume_label.setText(f"{value} %")


def _dark_palette() -> QPalette:
    palette = QPalette()
    text = QColor("#e6e6e6")
    disabled = QColor("#7f7f7f")
    colors = {
        QPalette.ColorRole.Window: QColor("#2d2d30"),
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: QColor("#1e1e1e"),
        QPalette.ColorRole.AlternateBase: QColor("#2a2a2d"),
        QPalette.ColorRole.ToolTipBase: QColor("#3c3c40"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: QColor("#8c8c8c"),
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#3a3a3d"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Light: QColor("#505054"),
        QPalette.ColorRole.Midlight: QColor("#434347"),
        QPalette.ColorRole.Mid: QColor("#2a2a2d"),
        QPalette.ColorRole.Dark: QColor("#1c1c1e"),
        QPalette.ColorRole.Shadow: QColor("#101010"),
        QPalette.ColorRole.Highlight: QColor("#3d8ee6"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#6cb4ff"),
        QPalette.ColorRole.LinkVisited: QColor("#b48cff"),
    }
    for role, color in colors.items():
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.HighlightedText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor("#505054"))
    return palette


def _light_palette(app: QApplication) -> QPalette:
    palette = app.style().standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#2f6fc9"))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Link, QColor("#1f5fb8"))
    return palette


def apply_theme(app: QApplication, theme: str) -> None:
    """Switch the whole application to the Fusion style with a light or dark palette."""
    if theme not in THEMES:
        logger.warning("unknown theme %r; using light", theme)
        theme = "light"
    hints = QGuiApplication.styleHints()
    # Qt >= 6.8 also tells the platform, so native title bars follow the theme. First, so the
    # palette set below is the last word.
    if hasattr(hints, "setColorScheme"):
        hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if theme == "dark" else _light_palette(app))
