"""``swarm-tui cancel|pause|resume|retry TASK…``, ``prio TASK… PRIORITY`` and ``reassign
TASK… [--agent A] [--model P/M]``: the public API's task commands, from a shell.

Each task is moved on its own, in the order given: one that cannot be (it already ended,
or runs in another swarm-tui process) is named on stderr and the others go on; the exit
code is then 2. ``--json`` prints the tasks that were changed, as a list.
"""

from __future__ import annotations

import argparse
import json
import sys

from swarm_tui.cli.exits import BAD_INPUT, OK
from swarm_tui.cli.link import SwarmLink, open_link
from swarm_tui.cli.task_json import task_json
from swarm_tui.core.task_moves import ControlError, reassign_fields
from swarm_tui.domain.models import Task
from swarm_tui.domain.states import InvalidTransition

__all__ = ["cmd_task_command"]


async def _apply(link: SwarmLink, args: argparse.Namespace, task_id: int) -> Task:
    command = args.command
    if command == "cancel":
        return await link.cancel(task_id)
    if command == "pause":
        return await link.pause(task_id)
    if command == "resume":
        return await link.resume(task_id)
    if command == "retry":
        return await link.retry(task_id)
    if command == "prio":
        return await link.set_priority(task_id, args.priority)
    return await link.reassign(task_id, agent=args.agent, model=args.model)


def _line(args: argparse.Namespace, task: Task) -> str:
    if args.command == "prio":
        what = f"priority {task.priority}"
    elif args.command == "reassign":
        pins = [f"agent {task.pin_agent}"] if task.pin_agent else []
        pins += [f"model {task.pin}"] if task.pin else []
        what = f"for {' and '.join(pins)}, {task.state.value}"
    else:
        what = task.state.value
    return f"task #{task.id} {what}: {task.title}"


async def cmd_task_command(args: argparse.Namespace) -> int:
    changed: list[Task] = []
    refused = 0
    async with open_link(args, write=True) as (link, _where):
        if args.command == "reassign":  # one message for an unknown agent, not one per task
            reassign_fields(link.settings.full(), args.agent, args.model)
        for task_id in dict.fromkeys(args.task_ids):
            try:
                task = await _apply(link, args, task_id)
            except (ControlError, InvalidTransition) as exc:
                print(f"swarm-tui: {exc}", file=sys.stderr, flush=True)
                refused += 1
                continue
            changed.append(task)
            if not args.json:
                print(_line(args, task), flush=True)
    if args.json:
        print(json.dumps([task_json(t) for t in changed], indent=1))
    return BAD_INPUT if refused else OK
