"""``swarm-tui decide``: settle a consensus conflict that waits for the human, from a shell
(over SSH, without the control room): list what waits, show one, pick a winner, or send it
to the arbiter."""

from __future__ import annotations

import argparse
import json
import textwrap
from typing import Any

from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.core.models import Task
from swarm_tui.runtime import db_path, open_orchestrator, settings_from_args

__all__ = ["add_decide_arguments", "cmd_decide"]


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
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _conflict_json(task: Task, record: ConsensusRecord) -> dict[str, Any]:
    contested = record.needs_human.contested if record.needs_human else ()
    return {
        "task": task.id,
        "title": task.title,
        "state": task.state.value,
        "status": record.status,
        "reason": record.reason,
        "contested": list(contested),
        "candidates": [
            {
                "label": g.label,
                "models": [record.candidate(m).model for m in g.members],
                "score": record.scores.get(g.label),
                "text": g.text,
            }
            for g in record.groups
        ],
        "votes": [
            {"voter": v.voter, "choice": v.choice, "rationale": v.rationale, "error": v.error}
            for v in record.votes
        ],
        "decided_by": record.decided_by,
        "winner": record.winner,
    }


def _print(task: Task, record: ConsensusRecord) -> None:
    print(f"task #{task.id} ({task.state.value}): {task.title}")
    print(f"  {record.reason}")
    for g in record.groups:
        models = ", ".join(record.candidate(m).model for m in g.members)
        score = record.scores.get(g.label)
        points = "" if score is None else f", {score:g} pts"
        print(f"  [{g.label}] {models}{points}")
        print(textwrap.indent(textwrap.shorten(g.text, 600, placeholder=" …"), "      "))
    for v in record.votes:
        print(f"  vote {v.voter}: {v.choice or '-'} {v.rationale or v.error or ''}".rstrip())


async def cmd_decide(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    async with open_orchestrator(settings, db_path(settings, args.db)) as orch:
        if args.task is None:
            waiting = await orch.conflicts()
            if args.json:
                print(json.dumps([_conflict_json(t, r) for t, r in waiting], indent=1))
            elif not waiting:
                print("no conflict waits for a decision")
            for waiting_task, waiting_record in [] if args.json else waiting:
                _print(waiting_task, waiting_record)
            return 0
        if args.arbiter is not None:
            task = await orch.send_to_arbiter(args.task, args.arbiter or None)
        elif args.pick:
            task = await orch.decide(args.task, args.pick, args.note)
        else:
            task = await orch.task(args.task)
        record = await orch.consensus_record(task.id)
    if record is None:
        print(f"task #{task.id} ({task.state.value}) has no consensus record")
    elif args.json:
        print(json.dumps(_conflict_json(task, record), indent=1))
    else:
        _print(task, record)
    return 0
