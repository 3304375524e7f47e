"""Command line: ``swarm-tui [run|submit|status|result|logs|cancel|...|config check|doctor]``.

Bad input (config, task file, arguments) prints one clear message and exits 2; never a
traceback. Output cut short by a closed pipe (``swarm-tui report | head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from swarm_tui.cli.exits import BAD_INPUT, CUT_SHORT, INTERRUPTED
from swarm_tui.cli.parser import build_parser
from swarm_tui.cli.pause_args import PAUSES
from swarm_tui.cli.task_args import MOVES

__all__ = ["build_parser", "main"]

USER_ERRORS = (
    ("swarm_tui.config.errors", "ConfigError"),
    ("swarm_tui.core.taskfile", "TaskFileError"),
    ("swarm_tui.core.submit", "SubmitError"),
    ("swarm_tui.core.errors", "ControlError"),
    ("swarm_tui.domain.states", "InvalidTransition"),
    ("swarm_tui.store.identity", "LedgerError"),
    ("swarm_tui.evals.cases", "EvalSetError"),
)
"""Errors that are the user's input, not a bug: one line on stderr and exit 2. Named, not
imported: a command loads only what it uses, and an error of a module never loaded cannot
have been raised (:func:`_user_error`)."""


def _user_error(exc: BaseException) -> bool:
    for module, name in USER_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


def _config_error(message: str) -> Exception:
    from swarm_tui.config.errors import ConfigError

    return ConfigError(message)


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
        raise _config_error(
            f"--tasks {top}: `{command}` does not submit tasks; use swarm-tui run --tasks FILE"
            " (or swarm-tui --tasks FILE for the control room), or swarm-tui submit PROMPT"
        )
    if own is not None and own != top:
        raise _config_error(f"--tasks given twice ({top} and {own}); give one task file")
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
                raise _config_error(
                    f"{option}: not valid UTF-8 text ({what} at character {exc.start + 1});"
                    " check the terminal's encoding (locale) or the file it came from"
                ) from None


QUIET = (
    *("config", "hw", "doctor", "submit", "status", "decide", "report", "mcp", "codex-sessions"),
    *("result", "logs", "prio", "reassign", *MOVES),
    *("workspaces", "review", "goal", "goals", "eval", *PAUSES),
)
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
    return CUT_SHORT  # 128 + SIGPIPE, what a shell reports for a command cut short this way


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
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except KeyboardInterrupt:
        return INTERRUPTED
    except Exception as exc:
        if not _user_error(exc):
            raise
        print(f"swarm-tui: {exc}", file=sys.stderr)
        return BAD_INPUT


COMMANDS: dict[str, tuple[str, str]] = {
    "config": ("swarm_tui.cli.commands", "cmd_config_check"),
    "mcp": ("swarm_tui.cli.mcp", "cmd_mcp"),
    "codex-sessions": ("swarm_tui.cli.codex", "cmd_codex_sessions"),
    "up": ("swarm_tui.cli.service", "cmd_up"),
    "down": ("swarm_tui.cli.service", "cmd_down"),
}
"""Command: (module, function), imported when the command runs."""

ASYNC_COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("swarm_tui.cli.doctor", "cmd_doctor"),
    "submit": ("swarm_tui.cli.commands", "cmd_submit"),
    "status": ("swarm_tui.cli.status", "cmd_status"),
    "decide": ("swarm_tui.cli.vote", "cmd_decide"),
    "report": ("swarm_tui.cli.report", "cmd_report"),
    "mcp-serve": ("swarm_tui.cli.mcp", "cmd_mcp_serve"),
    "result": ("swarm_tui.cli.result", "cmd_result"),
    "logs": ("swarm_tui.cli.logs", "cmd_logs"),
    **dict.fromkeys((*MOVES, "prio", "reassign"), ("swarm_tui.cli.tasks", "cmd_task_command")),
    **dict.fromkeys(PAUSES, ("swarm_tui.cli.pauses", "cmd_pause")),
    "workspaces": ("swarm_tui.cli.workspaces", "cmd_workspaces"),
    "review": ("swarm_tui.cli.workspaces", "cmd_review"),
    "goal": ("swarm_tui.cli.goal", "cmd_goal"),
    "goals": ("swarm_tui.cli.goal", "cmd_goals"),
    "eval": ("swarm_tui.cli.evals", "cmd_eval"),
    "ledger": ("swarm_tui.cli.ledger_copy", "cmd_ledger"),
}
"""The same for the commands that are coroutines."""


def _load(where: tuple[str, str]) -> Any:
    module, name = where
    return getattr(importlib.import_module(module), name)


def _dispatch(args: argparse.Namespace, command: str) -> int:
    import asyncio  # not for --version and --help: argparse ends those before this

    code: int
    if command in COMMANDS:
        code = _load(COMMANDS[command])(args)
    elif command in ASYNC_COMMANDS:
        code = asyncio.run(_load(ASYNC_COMMANDS[command])(args))
    elif command in ("hw", "probe"):
        from swarm_tui.cli import hw
        from swarm_tui.core.opening import settings_from_args

        hardware = settings_from_args(args.config).hardware
        code = (hw.cmd_hw if command == "hw" else hw.cmd_probe)(args, hardware)
    else:
        from swarm_tui.cli.headless import cmd_run

        code = asyncio.run(cmd_run(args, headless=command == "run" and args.headless))
    return code


if __name__ == "__main__":
    raise SystemExit(main())
