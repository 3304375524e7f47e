"""``swarm-tui result TASK [--wait] [--json]``: a task's answer on stdout.

Exit 0 with the answer; 3 when the task ended without one (failed or cancelled: why, on
stderr); 4 when it has not ended yet (its state on stderr). ``--wait`` waits for the end
(a vote waiting for the human is not an end). ``--json`` prints the task with its
``result`` on stdout in every case, with the same exit codes.
"""

from __future__ import annotations

import argparse
import json
import sys

from swarm_tui.cli.exits import FAILED, NOT_DONE, OK
from swarm_tui.cli.link import open_link
from swarm_tui.cli.task_json import task_json
from swarm_tui.domain.models import Task, TaskState

__all__ = ["cmd_result"]


async def cmd_result(args: argparse.Namespace) -> int:
    async with open_link(args) as (link, _where):
        task = await link.task(args.task)
        if args.wait and not task.state.terminal:
            print(f"swarm-tui: {_why(task)}; waiting for it to end", file=sys.stderr, flush=True)
            async for _ in link.changes():
                task = await link.task(args.task)
                if task.state.terminal:
                    break
    if args.json:
        print(json.dumps({**task_json(task), "result": task.result}, indent=1))
    elif task.state == TaskState.SUCCEEDED:
        text = task.result or ""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        print(f"swarm-tui: {_why(task)}", file=sys.stderr)
    return _code(task)


def _why(task: Task) -> str:
    if task.state.terminal:
        return f"task #{task.id} {task.state.value}: {task.error or 'no answer'}"
    return f"task #{task.id} is {task.state.value}: no answer yet"


def _code(task: Task) -> int:
    if task.state == TaskState.SUCCEEDED:
        return OK
    return FAILED if task.state.terminal else NOT_DONE
