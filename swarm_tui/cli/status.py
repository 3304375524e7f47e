"""``swarm-tui status [--json] [--watch]``: the tasks and the totals, once or each time the
ledger changes (``--watch``: the screen redrawn in a terminal; with ``--json``, one JSON
object a line)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from swarm_tui.cli.link import SwarmLink, open_link
from swarm_tui.cli.task_json import task_json
from swarm_tui.domain.models import Task, TaskState
from swarm_tui.store.records import Totals

__all__ = ["cmd_status"]


async def cmd_status(args: argparse.Namespace) -> int:
    async with open_link(args) as (link, where):
        if not args.watch:
            await _show(link, where, args.json, watching=False)
            return 0
        async for _ in link.changes():
            await _show(link, where, args.json, watching=True)
    return 0


async def _show(link: SwarmLink, where: str, as_json: bool, *, watching: bool) -> None:
    tasks = await link.tasks()
    totals = await link.totals()
    if as_json:
        data = {"tasks": [task_json(t) for t in tasks], "totals": _summary(tasks, totals)}
        print(json.dumps(data, indent=None if watching else 1), flush=True)
    else:
        _table(tasks, totals, where, clear=watching)


def _summary(tasks: list[Task], totals: Totals) -> dict[str, Any]:
    return {
        "tasks": len(tasks),
        "by_state": totals.by_state,
        "tokens_in": totals.tokens_in,
        "tokens_out": totals.tokens_out,
        "cost_usd": round(totals.cost_usd, 6),
    }


def _table(tasks: list[Task], totals: Totals, where: str, *, clear: bool) -> None:
    from rich.table import Table  # only the table needs rich

    from swarm_tui.cli.quiet_console import QuietConsole

    table = Table("id", "title", "state", "agent", "model", "tok in", "tok out", "cost $", "att")
    for t in tasks:
        model = f"{t.provider}/{t.model}" if t.provider else "-"
        table.add_row(
            str(t.id),
            t.title[:40],
            "held" if t.held and t.state == TaskState.PAUSED else t.state.value,
            t.agent or t.role,
            model,
            str(t.tokens_in),
            str(t.tokens_out),
            f"{t.cost_usd:.4f}",
            str(t.attempts),
        )
    console = QuietConsole()
    if clear:
        console.clear()  # a terminal only: piped, each state follows the last
    console.print(table)
    for t in tasks:
        if t.held and t.state == TaskState.PAUSED:
            console.print(f"task #{t.id} {t.held}", markup=False, highlight=False)
    states = ", ".join(f"{n} {s}" for s, n in sorted(totals.by_state.items())) or "no tasks"
    console.print(
        f"{states} | tokens {totals.tokens_in} in / {totals.tokens_out} out"
        f" | ${totals.cost_usd:.4f} | {where}"
    )
