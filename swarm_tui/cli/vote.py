"""``swarm-tui decide``: settle a consensus conflict that waits for the human, from a shell
(over SSH, without the control room): list what waits, show one, pick a winner, or send it
to the arbiter."""

from __future__ import annotations

import argparse
import json
import re
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from swarm_tui.cli.link import SwarmLink, open_link
from swarm_tui.domain.models import Task
from swarm_tui.store.db import NO_LEDGER, LedgerError

if TYPE_CHECKING:  # the consensus code loads with the first record read
    from swarm_tui.core.consensus import ConsensusRecord

__all__ = ["cmd_decide", "in_labels"]

_NAMED = re.compile(r"\b((?i:candidates?|options?|answers?))\s+([A-Z]{1,2})\b")
_BARE = re.compile(r"(?<![\w'\u2019\[-])([A-Z]{1,2})(?![\w'\u2019\]-])")


def in_labels(rationale: str, order: Sequence[str]) -> str:
    """A voter's rationale with its own ballot letters turned into the run's labels.

    Each voter saw the candidates in its own shuffled order, lettered A, B, C...; ``order[i]``
    is the label of the candidate it saw as the ``i``-th letter. "Candidate B" becomes
    "Candidate [A]" when the voter's B is the run's A (and "Candidate [B]" when it is B: the
    brackets say the letter is the run's); a bare letter ("B > A") too, in a ranking. A
    bare letter elsewhere ("A is right") is left, and the voter's lettering is appended.
    """
    from swarm_tui.core.consensus.normalize import label

    table = {label(i): group for i, group in enumerate(order)}
    named = _NAMED.sub(
        lambda m: f"{m.group(1)} [{table[m.group(2)]}]" if m.group(2) in table else m.group(0),
        rationale,
    )
    if ">" in rationale:
        named = _BARE.sub(
            lambda m: f"[{table[m.group(1)]}]" if m.group(1) in table else m.group(0), named
        )
    left = {m.group(1) for m in _BARE.finditer(named)} & table.keys()
    if left and any(k != v for k, v in table.items()):
        # A letter it used alone ("A is right") cannot be told from a word: say which is which.
        legend = ", ".join(f"{k}=[{v}]" for k, v in table.items())
        named += f" (its letters: {legend})"
    return named


def _conflict_json(task: Task, record: ConsensusRecord) -> dict[str, Any]:
    from swarm_tui.core.consensus.normalize import label

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
            {
                "voter": v.voter,
                "choice": v.choice,
                "rationale": in_labels(v.rationale, v.order),
                "rationale_as_written": v.rationale,
                "ballot": {label(i): group for i, group in enumerate(v.order)},
                "error": v.error,
            }
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
    if record.votes:
        print("  votes (the candidates a rationale names are shown as [label] above):")
    for v in record.votes:
        why = in_labels(v.rationale, v.order) if v.rationale else v.error or ""
        choice = f"[{v.choice}]" if v.choice else "-"
        print(f"  vote {v.voter}: {choice} {why}".rstrip())


async def _show(link: SwarmLink, task_id: int | None, as_json: bool) -> int:
    """List what waits, or show one task's record: reads only, on a read-only ledger."""
    if task_id is None:
        waiting = await link.conflicts()
        if as_json:
            print(json.dumps([_conflict_json(t, r) for t, r in waiting], indent=1))
        elif not waiting:
            print("no conflict waits for a decision")
        for waiting_task, waiting_record in [] if as_json else waiting:
            _print(waiting_task, waiting_record)
        return 0
    found = await link.task(task_id)
    _result(found, await link.consensus_record(task_id), as_json)
    return 0


def _result(task: Task, record: ConsensusRecord | None, as_json: bool) -> None:
    if record is None:
        print(f"task #{task.id} ({task.state.value}) has no consensus record")
    elif as_json:
        print(json.dumps(_conflict_json(task, record), indent=1))
    else:
        _print(task, record)


async def cmd_decide(args: argparse.Namespace) -> int:
    if args.task is None or (args.arbiter is None and not args.pick):
        async with open_link(args) as (link, _where):
            return await _show(link, args.task, args.json)
    if args.arbiter is not None:
        return await _send_to_arbiter(args)
    async with open_link(args, write=True) as (link, _where):
        task = await link.decide(args.task, args.pick, args.note)
        record = await link.consensus_record(task.id)
    _result(task, record, args.json)
    return 0


async def _send_to_arbiter(args: argparse.Namespace) -> int:
    """The arbiter is a model: only this path loads the providers and an orchestrator."""
    from swarm_tui.core.opening import db_url
    from swarm_tui.runtime import db_path, open_orchestrator, settings_from_args

    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    if db_url(settings) is None and not path.exists():  # PostgreSQL: no file to look for
        raise LedgerError(f"{path}: {NO_LEDGER}")
    async with open_orchestrator(settings, path) as orch:
        task = await orch.send_to_arbiter(args.task, args.arbiter or None)
        record = await orch.consensus_record(task.id)
    _result(task, record, args.json)
    return 0
