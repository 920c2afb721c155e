"""Settings → Model source → Server: "Test connection", on a worker thread.

Connecting can take seconds (timeouts, reconnect backoff, a keyring that asks the desktop), so
it never runs on the UI thread: `ServerCheckWorker.check` connects the way the app will
(`ServerBackend`, the API key from the environment or the keyring) and reports one
`ServerCheck`: what the server offers, or the one-paragraph reason it cannot be used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from empath_desktop.llm.server import API_KEY_ENV_VARS, ServerBackend, ServerConfig, ServerError

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerCheck:
    """The outcome of check `request_id`: `ok` and `text`, a paragraph for people."""

    request_id: int
    ok: bool
    text: str


def check_server(url: str, model: str | None) -> tuple[bool, str]:
    """Connect to `url` as the app would and describe what it serves, or why it cannot."""
    try:
        backend = ServerBackend(ServerConfig.from_url(url, model or None))
    except ServerError as exc:
        return False, str(exc)
    try:
        keyed = "with an API key" if backend.config.api_key else "without an API key"
        return True, (
            f"Connected {keyed}: the app will use {backend.model} (context "
            f"{backend.n_ctx} tokens). The server offers: {', '.join(backend.models)}."
        )
    finally:
        backend.close()


def api_key_hint() -> str:
    """Where the API key comes from; the key itself is never shown or stored in settings."""
    first, second = API_KEY_ENV_VARS
    return (
        f"API key (only if the server needs one): set ${first} (or ${second}) before starting "
        'the app, or keep it in the OS keyring under the service "empath-desktop" with the '
        "server's URL as the user name (`keyring set empath-desktop URL`). It is never written "
        "to the settings, the logs or the conversations."
    )


class ServerCheckWorker(QObject):
    """Lives in its own QThread; one check at a time, in the order asked."""

    sig_checked = Signal(object)  # ServerCheck

    @Slot(int, str, str)
    def check(self, request_id: int, url: str, model: str) -> None:
        ok, text = check_server(url, model or None)
        logger.info("server check %s: %s", url, "ok" if ok else "failed")
        self.sig_checked.emit(ServerCheck(request_id, ok, text))
