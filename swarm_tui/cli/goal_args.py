"""Arguments of ``swarm-tui goal`` and ``swarm-tui goals`` (argparse only)."""

from __future__ import annotations

import argparse

__all__ = ["GOAL_ACTIONS", "add_goal_arguments"]

GOAL_ACTIONS = ("show", "approve", "resume", "cancel")
"""``swarm-tui goal ACTION ID``; any other words are a new goal's request."""


def add_goal_arguments(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    goal = sub.add_parser(
        "goal",
        parents=[common],
        help="plan a request into role tasks, run, review and synthesise it;"
        " or: goal show|approve|resume|cancel ID",
    )
    goal.add_argument("words", nargs="+", metavar="REQUEST", help="what you want done")
    goal.add_argument("--workflow", help="a [workflows.NAME] template: skips the planner")
    goal.add_argument(
        "--approve-plan", action="store_true", help="run the plan without waiting for approval"
    )
    goal.add_argument(
        "--no-wait", action="store_true", help="record the goal and return (a run drives it)"
    )
    goal.add_argument("--json", action="store_true", help="machine-readable output")
    goals = sub.add_parser("goals", parents=[common], help="list goals with their figures")
    goals.add_argument("--json", action="store_true", help="machine-readable output")
