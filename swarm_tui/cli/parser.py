"""The ``swarm-tui`` argument parser. Building it imports only the argument definitions
(``*_args`` modules): ``swarm-tui --version`` and ``--help`` load no command."""

from __future__ import annotations

import argparse

from swarm_tui import __version__
from swarm_tui.cli.eval_args import add_eval_arguments
from swarm_tui.cli.goal_args import add_goal_arguments
from swarm_tui.cli.hw_args import add_hw_arguments, add_probe_arguments
from swarm_tui.cli.ledger_args import add_ledger_arguments
from swarm_tui.cli.mcp_args import add_mcp_arguments
from swarm_tui.cli.pause_args import add_pause_commands
from swarm_tui.cli.service_args import add_service_arguments
from swarm_tui.cli.task_args import add_decide_arguments, add_task_commands
from swarm_tui.cli.workspace_args import add_workspace_arguments
from swarm_tui.domain.models import TaskMode

__all__ = ["build_parser"]


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
    submit.add_argument(
        "--project",
        help="a [projects.NAME]: the task works in its own git worktree, checked and reviewed",
    )
    submit.add_argument("--json", action="store_true", help="print the task as JSON")

    status = sub.add_parser("status", parents=[common], help="show tasks and totals")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument(
        "--watch", action="store_true", help="print again each time the ledger changes (Ctrl-C)"
    )

    config = sub.add_parser("config", parents=[common], help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", parents=[common], help="validate a config file")
    check.add_argument("path", nargs="?", help="file to check (default: the one in use)")

    sub.add_parser("doctor", parents=[common], help="check config, ledger, providers, models, keys")
    report = sub.add_parser("report", parents=[common], help="tokens, cost and savings")
    report.add_argument("--format", choices=("md", "json", "csv"), default="md")
    report.add_argument("--since", help="ISO date/time (UTC) or an age: 30m, 24h, 7d")
    report.add_argument(
        "--by",
        choices=("goal",),
        help="goal: one row per goal (tokens per model, cost, saving, time, quality, rounds)",
    )
    add_decide_arguments(
        sub.add_parser(
            "decide", parents=[common], help="settle consensus conflicts that wait for you"
        )
    )
    add_hw_arguments(sub.add_parser("hw", parents=[common], help="print one hardware sample"))
    add_probe_arguments(
        sub.add_parser("probe", parents=[common], help="serve this host's hardware, read-only")
    )
    add_task_commands(sub, common)
    add_pause_commands(sub, common)
    add_mcp_arguments(sub, common)
    add_workspace_arguments(sub, common)
    add_goal_arguments(sub, common)
    add_service_arguments(sub, common)
    add_eval_arguments(sub, common)
    add_ledger_arguments(sub, common)
    sessions = sub.add_parser(
        "codex-sessions",
        parents=[common],
        help="list the sessions Codex keeps (its MCP sessions too), newest first",
    )
    sessions.add_argument("--codex-home", help="Codex's home (default: $CODEX_HOME or ~/.codex)")
    sessions.add_argument("--source", help="only these: mcp, exec, cli...")
    return parser
