"""Command line: ``swarm-tui [run|submit|status|config check|doctor]``.

Bad input (config, task file, arguments) prints one clear message and exits 2; never a
traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from swarm_tui import __version__
from swarm_tui.codex_cli import cmd_codex_sessions
from swarm_tui.commands import cmd_config_check, cmd_doctor, cmd_status, cmd_submit
from swarm_tui.config_errors import ConfigError
from swarm_tui.core.control import ControlError
from swarm_tui.core.models import TaskMode
from swarm_tui.core.states import InvalidTransition
from swarm_tui.core.submit import SubmitError
from swarm_tui.core.taskfile import TaskFileError
from swarm_tui.headless import cmd_run
from swarm_tui.hw.cli import add_hw_arguments, add_probe_arguments, cmd_hw, cmd_probe
from swarm_tui.mcp.cli import add_mcp_arguments, cmd_mcp, cmd_mcp_serve
from swarm_tui.report import cmd_report
from swarm_tui.runtime import settings_from_args
from swarm_tui.store.db import LedgerError
from swarm_tui.vote_cli import add_decide_arguments, cmd_decide

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
    parser.add_argument("--tasks", metavar="FILE", help="submit a task file (TOML) first")
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
    sessions = sub.add_parser(
        "codex-sessions",
        parents=[common],
        help="list the sessions Codex keeps (its MCP sessions too), newest first",
    )
    sessions.add_argument("--codex-home", help="Codex's home (default: $CODEX_HOME or ~/.codex)")
    sessions.add_argument("--source", help="only these: mcp, exec, cli...")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for name in ("config", "db"):
        if not hasattr(args, name):
            setattr(args, name, None)
    command = args.command or "tui"
    try:
        if command == "config":
            return cmd_config_check(args)
        if command in ("hw", "probe"):
            hardware = settings_from_args(args.config).hardware
            return (cmd_hw if command == "hw" else cmd_probe)(args, hardware)
        if command == "doctor":
            return asyncio.run(cmd_doctor(args))
        if command == "submit":
            return asyncio.run(cmd_submit(args))
        if command == "status":
            return asyncio.run(cmd_status(args))
        if command == "decide":
            return asyncio.run(cmd_decide(args))
        if command == "report":
            return asyncio.run(cmd_report(args))
        if command == "mcp-serve":
            return asyncio.run(cmd_mcp_serve(args))
        if command == "mcp":
            return cmd_mcp(args)
        if command == "codex-sessions":
            return cmd_codex_sessions(args)
        return asyncio.run(cmd_run(args, headless=command == "run" and args.headless))
    except USER_ERRORS as exc:
        print(f"swarm-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
