"""The arguments of the one-line task commands (``cancel``, ``pause``, ``resume``, ``retry``,
``prio``, ``reassign``, ``result``, ``logs``, ``decide``); the commands themselves are in
:mod:`swarm_tui.cli.tasks`, :mod:`swarm_tui.cli.result`, :mod:`swarm_tui.cli.logs` and
:mod:`swarm_tui.cli.vote`."""

from __future__ import annotations

import argparse

from swarm_tui.cli.argtypes import task_id

__all__ = ["MOVES", "add_decide_arguments", "add_task_commands"]

MOVES = {
    "cancel": "cancel tasks (queued, paused or waiting for a vote)",
    "pause": "pause queued tasks (they wait until resumed)",
    "resume": "queue paused (or held) tasks again",
    "retry": "queue failed or cancelled tasks again",
}
"""Commands that move each task they are given; ``prio`` and ``reassign`` take more."""


def _json(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=what)


def _tasks(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "task_ids", type=task_id, nargs="+", metavar="TASK", help="task ids (7 or #7)"
    )


def add_task_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    for name, help_text in MOVES.items():
        move = sub.add_parser(name, parents=[common], help=help_text)
        _tasks(move)
        _json(move, "print the tasks after, as a JSON list")
    prio = sub.add_parser("prio", parents=[common], help="set tasks' priority (higher runs first)")
    _tasks(prio)
    prio.add_argument("priority", type=int, metavar="PRIORITY", help="the new priority")
    _json(prio, "print the tasks after, as a JSON list")
    reassign = sub.add_parser(
        "reassign", parents=[common], help="send tasks to another agent and/or pin a model"
    )
    _tasks(reassign)
    reassign.add_argument("--agent", help="the agent that takes them")
    reassign.add_argument("--model", metavar="PROVIDER/MODEL", help="the model they must use")
    _json(reassign, "print the tasks after, as a JSON list")
    result = sub.add_parser(
        "result", parents=[common], help="print a task's answer (exit 3 failed, 4 not done yet)"
    )
    result.add_argument("task", type=task_id, metavar="TASK", help="task id")
    result.add_argument("--wait", action="store_true", help="wait until the task has ended")
    _json(result, "the task and its answer as one JSON object")
    logs = sub.add_parser("logs", parents=[common], help="print a task's attempt stream")
    logs.add_argument("task", type=task_id, metavar="TASK", help="task id")
    logs.add_argument(
        "-f", "--follow", action="store_true", help="follow the stream until the attempt ends"
    )
    logs.add_argument(
        "--attempt", type=int, metavar="N", help="attempt N of the task (default: the newest)"
    )
    _json(logs, "JSON lines: the text as it comes, then how the attempt ended")


def add_decide_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", type=int, nargs="?", help="task id (none: list what waits)")
    parser.add_argument("pick", nargs="?", help="the winning candidate's letter (A, B, ...)")
    parser.add_argument("--note", default="", help="why (kept in the record)")
    parser.add_argument(
        "--arbiter",
        nargs="?",
        const="",
        metavar="MODEL",
        help="send it to the arbiter (the configured one, or provider/model)",
    )
    _json(parser, "machine-readable output")
