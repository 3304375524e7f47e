"""Arguments of ``swarm-tui workspaces`` and ``swarm-tui review`` (argparse only: the parser
imports this for every command)."""

from __future__ import annotations

import argparse

__all__ = ["add_workspace_arguments"]


def _task(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a task id: expected a number like 12")
    return int(text)


def add_workspace_arguments(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ws = sub.add_parser(
        "workspaces", parents=[common], help="the coding tasks' git worktrees; gc cleans them"
    )
    ws.add_argument("action", nargs="?", choices=["gc"], help="gc: remove ended tasks' worktrees")
    ws.add_argument("--project", help="only this project")
    review = sub.add_parser(
        "review", parents=[common], help="review a coding task's diff; accept, reject, send back"
    )
    actions = review.add_subparsers(dest="review_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="tasks waiting for review")
    listing.add_argument("--project", help="only this project")
    for name, text in (
        ("show", "files changed, checks and the diff of a task"),
        ("accept", "merge a task into its base branch"),
        ("reject", "remove a task's branch and worktree; the task is cancelled"),
        ("send-back", "a new attempt in the same worktree, told your note (and any conflict)"),
    ):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("task", type=_task, help="the task id")
        if name == "show":
            action.add_argument("--full", action="store_true", help="whole check output")
        if name in ("reject", "send-back"):
            action.add_argument("--note", default="", help="what the agent (or the log) is told")
