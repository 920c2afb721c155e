"""Composition root: command line, logging, settings, and the entry points."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from empath_desktop import __version__

logger = logging.getLogger(__name__)


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--model",
        metavar="PATH",
        help="GGUF model file to load (default: the embedded Gemma 3 270M, or $EMPATH_MODEL, "
        "or the model chosen in Settings)",
    )
    common.add_argument(
        "--server",
        metavar="URL",
        type=_server_url,
        help="use the model of an OpenAI-compatible server instead of a model file: its API "
        "root, e.g. http://localhost:8080/v1 (llama-server, vLLM, Ollama, LM Studio). The API "
        "key comes from $EMPATH_SERVER_API_KEY, $OPENAI_API_KEY or the OS keyring",
    )
    common.add_argument(
        "--server-model",
        metavar="NAME",
        help="with --server: the server's model to use (default: the first it lists)",
    )
    common.add_argument("--persona", metavar="ID", help="persona card id or .toml path")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="empath",
        description="EMPATH Desktop: an avatar that reacts, responds and reflects, on a local LLM.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--script",
        metavar="FILE",
        type=Path,
        help="play a scripted conversation (one user message per line) for demos",
    )
    parser.add_argument(
        "--record",
        metavar="DIR",
        type=Path,
        help="with --script: save a screenshot after each stage of each turn and timings.json",
    )
    parser.add_argument(
        "--exit-when-done", action="store_true", help="with --script: quit after the last turn"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = sub.add_parser("chat", parents=[common], help="chat in the terminal")
    chat.add_argument(
        "--hide-reflections", action="store_true", help="do not print the private reflections"
    )
    chat.add_argument(
        "--jsonl",
        action="store_true",
        help="for programs: every stdin line is a message; print one JSON object per turn "
        "(user, react, expression, posture, intensity, respond, reflect, timings) and nothing "
        "else on stdout",
    )
    chat.add_argument(
        "--continue",
        dest="resume",
        action="store_true",
        help="continue the latest saved conversation (the window's or the terminal's): the "
        "model remembers it and new turns are appended to its file",
    )
    chat.add_argument(
        "--seed", type=int, metavar="N", help="sampling seed, for repeatable runs (default: random)"
    )
    chat.add_argument(
        "--no-adapter",
        action="store_true",
        help="run the plain embedded model, without the trained EMPATH adapter even when one "
        "is installed (Settings: use_adapter)",
    )
    chat.add_argument(
        "--no-appraisal",
        action="store_true",
        help="let the model write its reaction itself instead of deciding it by scoring "
        "(for comparisons)",
    )
    chat.add_argument(
        "--no-memory",
        action="store_true",
        help="neither recall nor keep anything in long-term memory for this run "
        "(Settings: memory)",
    )
    memory = sub.add_parser(
        "memory",
        parents=[common],
        help="what the avatar remembers about you: list, export or forget it",
        description="Long-term memory: the notes kept from your conversations (facts you told "
        "and impressions from the avatar's reflections), each with the conversation and turn "
        "it came from. Forgetting takes effect at once, in the window too.",
    )
    memory.add_argument("action", choices=("list", "forget", "forget-all", "export"))
    memory.add_argument("id", nargs="?", type=int, help="with forget: the note's number")
    memory.add_argument("--json", action="store_true", help="with list: print JSON")
    sheet = sub.add_parser(
        "avatar-sheet", parents=[common], help="render every expression and posture to a PNG"
    )
    sheet.add_argument("out", type=Path, metavar="OUT.png")
    sheet.add_argument("--look", metavar="NAME", help="avatar look (assets/avatars/NAME.toml)")
    models = sub.add_parser(
        "models",
        parents=[common],
        help="list the usable model files: what each is and whether it fits in memory",
        description="List the embedded default model, the model chosen in Settings and any "
        "PATHs: name, architecture, parameters, quantisation, size, context length, the memory "
        "each needs and whether that fits in the memory free now. Exit status 1 when a listed "
        "model cannot be read, does not fit or fails the format probe.",
    )
    models.add_argument("paths", nargs="*", metavar="PATH", help="GGUF model files to check")
    models.add_argument(
        "--n-ctx",
        type=_positive_int,
        metavar="N",
        help="context size in tokens for the memory estimate (default: the app's, 4096)",
    )
    models.add_argument("--json", action="store_true", help="print the report as JSON")
    models.add_argument(
        "--format-probe",
        action="store_true",
        help="also count how many of 10 fixed messages each model answers in the tagged "
        "format by itself (loads each model in a child process; takes a minute or more)",
    )
    return parser


def _server_url(text: str) -> str:
    from empath_desktop.store.settings import is_server_url

    if not is_server_url(text):
        raise argparse.ArgumentTypeError(
            f"not an http(s) URL: {text!r} (give the server's API root, e.g. "
            "http://localhost:8080/v1)"
        )
    return text.strip()


def _check_model_source(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """--model and --server name two different models; --server-model needs --server."""
    if args.model and args.server:
        parser.error(
            "--model and --server both name the model to use: give --model PATH for a model "
            "file or --server URL for a server, not both"
        )
    if args.server_model and not args.server:
        parser.error("--server-model names a model on the server: give --server URL as well")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


def _chat(args: argparse.Namespace) -> int:
    from empath_desktop.cli.chat import claim_stdout, run_chat, run_chat_jsonl
    from empath_desktop.session import ChatSession, ModelFailed, model_request
    from empath_desktop.session.memory import open_memory
    from empath_desktop.store.conversations import ConversationError
    from empath_desktop.store.settings import read_settings

    # Before the model loads: nothing but the JSON lines may reach stdout.
    json_out = claim_stdout() if args.jsonl else None
    read = read_settings()
    settings = read.settings
    memory, notice = open_memory(settings.memory and not args.no_memory)
    for message in (read.notice, notice):
        if message:
            print(f"empath: {message}", file=sys.stderr)
    request = model_request(
        settings,
        model=args.model,
        persona=args.persona,
        use_adapter=not args.no_adapter,
        seed=args.seed,
        appraise=not args.no_appraisal,
        server=args.server,
        server_model=args.server_model,
    )
    session = ChatSession(memory=memory)
    try:
        failed = [e for e in session.load_here(request) if isinstance(e, ModelFailed)]
        if failed:
            print(f"empath: {failed[0].message}", file=sys.stderr)
            return 2
        if args.resume:
            try:
                loaded = session.continue_last()
            except (ConversationError, OSError) as exc:
                print(f"empath: could not continue the last conversation: {exc}", file=sys.stderr)
                return 2
            if loaded is None:
                logger.info("no saved conversation to continue: starting a new one")
            else:
                session.restore(loaded)
                logger.info("continuing %s (%d turns)", loaded.path.name, len(loaded.turns))
        if json_out is not None:
            return run_chat_jsonl(session, out=json_out)
        return run_chat(session, hide_reflections=args.hide_reflections)
    finally:
        session.close()
        if memory is not None:
            memory.close()


def prefer_ui_thread() -> None:
    """Hand the GIL over more often than the default 5 ms: the engine thread runs Python
    between llama.cpp calls for every token, and a UI thread kept waiting for the GIL misses
    its 60 Hz frame."""
    sys.setswitchinterval(0.001)


def _gui(args: argparse.Namespace) -> int:
    """The window on the user's settings and conversations, optionally playing a script."""
    from PySide6.QtWidgets import QApplication

    from empath_desktop.session import ChatSession
    from empath_desktop.session.memory import open_memory
    from empath_desktop.store.settings import read_settings
    from empath_desktop.ui.main_window import MainWindow
    from empath_desktop.ui.script_player import ScriptError, ScriptPlayer, read_script
    from empath_desktop.ui.settings_dialog import apply_theme

    messages = None
    if args.script is not None:
        try:
            messages = read_script(args.script)
        except ScriptError as exc:
            print(f"empath: {exc}", file=sys.stderr)
            return 2
    prefer_ui_thread()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("EMPATH Desktop")
    read = read_settings()
    settings = read.settings
    apply_theme(app, settings.theme)
    memory, notice = open_memory(settings.memory)
    window = MainWindow(
        settings,
        model_override=args.model,
        server_override=(args.server, args.server_model) if args.server else None,
        persona_override=args.persona,
        session=ChatSession(memory=memory),
    )
    window.show()
    if notices := " ".join(n for n in (read.notice, notice) if n):
        window.show_notice(notices)
    exit_code = 0
    if messages is not None:
        player = ScriptPlayer(window, messages, args.record)

        def on_finished(code: int) -> None:
            nonlocal exit_code
            exit_code = code
            if args.exit_when_done:
                window.close()

        player.sig_finished.connect(on_finished)
        player.start()
    status = app.exec()
    # The store opened here, and the one Settings may have switched to meanwhile.
    for store in {memory, window.session.memory} - {None}:
        store.close()
    return exit_code or status


def _avatar_sheet(args: argparse.Namespace) -> int:
    from empath_desktop.avatar.sheet import SheetError, render_contact_sheet

    try:
        path = render_contact_sheet(args.out, args.look)
    except SheetError as exc:
        print(f"empath: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


def _models(args: argparse.Namespace) -> int:
    from empath_desktop.cli.models import run_models
    from empath_desktop.llm.backend import BackendConfig
    from empath_desktop.store.settings import load_settings

    # --model (shared by every command) names one more file to check.
    return run_models(
        [*args.paths, *([args.model] if args.model else [])],
        settings_model=load_settings().model_path,
        n_ctx=args.n_ctx or BackendConfig(model_path="").n_ctx,
        as_json=args.json,
        format_probe=args.format_probe,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_model_source(parser, args)
    _configure_logging(args.verbose)
    if args.command == "chat":
        return _chat(args)
    if args.command == "avatar-sheet":
        return _avatar_sheet(args)
    if args.command == "models":
        return _models(args)
    if args.command == "memory":
        from empath_desktop.cli.memory import run_memory

        return run_memory(args.action, args.id, as_json=args.json)
    return _gui(args)


if __name__ == "__main__":  # `python -m empath_desktop.app`, as evaluators run it
    sys.exit(main())
