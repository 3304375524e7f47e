"""Command line: ``swarm-tui [run|submit|status|config check|doctor]``.

Bad input (config, task file, arguments) prints one clear message and exits 2; never a
traceback. Output cut short by a closed pipe (``swarm-tui report | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from swarm_tui import __version__
from swarm_tui.cli.codex import cmd_codex_sessions
from swarm_tui.cli.commands import cmd_config_check, cmd_doctor, cmd_status, cmd_submit
from swarm_tui.cli.headless import cmd_run
from swarm_tui.cli.hw import add_hw_arguments, add_probe_arguments, cmd_hw, cmd_probe
from swarm_tui.cli.mcp import add_mcp_arguments, cmd_mcp, cmd_mcp_serve
from swarm_tui.cli.report import cmd_report
from swarm_tui.cli.service import add_service_arguments, cmd_down, cmd_up
from swarm_tui.cli.vote import add_decide_arguments, cmd_decide
from swarm_tui.config.errors import ConfigError
from swarm_tui.core.control import ControlError
from swarm_tui.core.submit import SubmitError
from swarm_tui.core.taskfile import TaskFileError
from swarm_tui.domain.models import TaskMode
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.runtime import settings_from_args
from swarm_tui.store.db import LedgerError

__all__ = ["build_parser", "main"]

USER_ERRORS = (
    ConfigError,
    TaskFileError,
    SubmitError,
    ControlError,
    InvalidTransition,
    LedgerError,
)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $SWARM_TUI_CONFIG, ~/.config/swarm-tui/config.toml, built-in)",
    )
    common.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="ledger file (default: $SWARM_TUI_DB, then [storage] path)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="swarm-tui",
        parents=[common],
        description="A terminal control room for a swarm of AI agents on many models.",
    )
    parser.add_argument("--version", action="version", version=f"swarm-tui {__version__}")
    parser.add_argument(
        "--tasks",
        dest="top_tasks",
        metavar="FILE",
        help="submit a task file (TOML) first (the control room, or run)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="run the orchestrator")
    run.add_argument("--headless", action="store_true", help="no screen: log lines on stderr")
    run.add_argument("--tasks", metavar="FILE", help="submit a task file (TOML) first")
    run.add_argument("--until-idle", action="store_true", help="exit when nothing is left to run")

    submit = sub.add_parser("submit", parents=[common], help="add a task to the ledger")
    submit.add_argument("prompt", help="what the agent should do")
    submit.add_argument("--role", help="agent that takes it (default: the default agent)")
    submit.add_argument(
        "--title", default="", help="short title (default: the prompt's first line)"
    )
    submit.add_argument("--priority", type=int, default=0, help="higher runs first (default 0)")
    submit.add_argument(
        "--after",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="run after task ID succeeded (repeatable)",
    )
    submit.add_argument("--key", help="idempotency key: a second submit with it adds nothing")
    submit.add_argument(
        "--mode",
        choices=[m.value for m in TaskMode],
        default="single",
        help="single model, consensus of several, or review by others (see [consensus])",
    )
    submit.add_argument(
        "--tag", action="append", default=[], help="a tag for routing and arbiters (repeatable)"
    )
    submit.add_argument("--json", action="store_true", help="print the task as JSON")

    status = sub.add_parser("status", parents=[common], help="show tasks and totals")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    config = sub.add_parser("config", parents=[common], help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", parents=[common], help="validate a config file")
    check.add_argument("path", nargs="?", help="file to check (default: the one in use)")

    sub.add_parser("doctor", parents=[common], help="check config, ledger, providers, models, keys")
    report = sub.add_parser("report", parents=[common], help="tokens, cost and savings")
    report.add_argument("--format", choices=("md", "json", "csv"), default="md")
    report.add_argument("--since", help="ISO date/time (UTC) or an age: 30m, 24h, 7d")
    add_decide_arguments(
        sub.add_parser(
            "decide", parents=[common], help="settle consensus conflicts that wait for you"
        )
    )
    add_hw_arguments(sub.add_parser("hw", parents=[common], help="print one hardware sample"))
    add_probe_arguments(
        sub.add_parser("probe", parents=[common], help="serve this host's hardware, read-only")
    )
    add_mcp_arguments(sub, common)
    add_service_arguments(sub, common)
    sessions = sub.add_parser(
        "codex-sessions",
        parents=[common],
        help="list the sessions Codex keeps (its MCP sessions too), newest first",
    )
    sessions.add_argument("--codex-home", help="Codex's home (default: $CODEX_HOME or ~/.codex)")
    sessions.add_argument("--source", help="only these: mcp, exec, cli...")
    return parser


SUBMITTING = ("tui", "run")
"""Commands that take ``--tasks``: they submit the file before they start."""


def _tasks_option(args: argparse.Namespace, command: str) -> None:
    """``swarm-tui --tasks F COMMAND``: applied by the commands that run tasks, refused by the
    others (it used to be dropped without a word)."""
    top, own = args.top_tasks, getattr(args, "tasks", None)
    if top is None:
        args.tasks = own  # the control room has no --tasks of its own: None
        return
    if command not in SUBMITTING:
        raise ConfigError(
            f"--tasks {top}: `{command}` does not submit tasks; use swarm-tui run --tasks FILE"
            " (or swarm-tui --tasks FILE for the control room), or swarm-tui submit PROMPT"
        )
    if own is not None and own != top:
        raise ConfigError(f"--tasks given twice ({top} and {own}); give one task file")
    args.tasks = top


PATHS = frozenset({"config", "db", "tasks", "top_tasks", "path", "file"})
"""File name arguments: any bytes the file system takes (they are never stored as text)."""


def _check_text(args: argparse.Namespace) -> None:
    """Every text argument (prompt, title, role, ...) must be valid UTF-8: an undecodable byte
    reaches Python as a lone surrogate, which neither the ledger nor a backend can hold."""
    for name, value in vars(args).items():
        if name in PATHS:
            continue
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = text[exc.start]
                what = (
                    f"byte 0x{ord(bad) - 0xDC00:02x}"
                    if 0xDC80 <= ord(bad) <= 0xDCFF
                    else f"lone surrogate U+{ord(bad):04X}"
                )
                shown = name.replace("_", "-")
                option = shown.upper() if name in ("prompt", "task", "pick") else f"--{shown}"
                raise ConfigError(
                    f"{option}: not valid UTF-8 text ({what} at character {exc.start + 1});"
                    " check the terminal's encoding (locale) or the file it came from"
                ) from None


QUIET = ("config", "hw", "doctor", "submit", "status", "decide", "report", "mcp", "codex-sessions")
"""Commands whose stderr carries only warnings and errors: libraries' INFO chatter (httpx's
"HTTP Request: POST ..." on ``decide --arbiter``) stays off it. The control room logs to a
file, ``run --headless`` and ``mcp-serve`` set up their own logging."""


def _warnings_only() -> None:
    """Plain warning lines on stderr, set up before any library installs its own handler
    (building an MCP server would otherwise turn on INFO for everything)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("swarm-tui: %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop writing, and let nothing print at exit."""
    with contextlib.suppress(OSError, ValueError):  # stdout may be no file (a StringIO)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 141  # 128 + SIGPIPE, what a shell reports for a command cut short this way


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("config", "db"):
        if not hasattr(args, name):
            setattr(args, name, None)
    command = args.command or "tui"
    try:
        _check_text(args)
        _tasks_option(args, command)
        if command in QUIET:
            _warnings_only()
        code = _dispatch(args, command)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at exit
        return code
    except USER_ERRORS as exc:
        print(f"swarm-tui: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, command: str) -> int:
    if command == "config":
        return cmd_config_check(args)
    if command in ("hw", "probe"):
        hardware = settings_from_args(args.config).hardware
        return (cmd_hw if command == "hw" else cmd_probe)(args, hardware)
    if command == "mcp":
        return cmd_mcp(args)
    if command == "codex-sessions":
        return cmd_codex_sessions(args)
    if command in ("up", "down"):
        return (cmd_up if command == "up" else cmd_down)(args)
    if command in ASYNC_COMMANDS:
        return asyncio.run(ASYNC_COMMANDS[command](args))
    return asyncio.run(cmd_run(args, headless=command == "run" and args.headless))


ASYNC_COMMANDS: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "doctor": cmd_doctor,
    "submit": cmd_submit,
    "status": cmd_status,
    "decide": cmd_decide,
    "report": cmd_report,
    "mcp-serve": cmd_mcp_serve,
}


if __name__ == "__main__":
    raise SystemExit(main())
