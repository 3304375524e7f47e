"""``swarm-tui report``: the ledger's figures as a table (md), JSON or CSV."""

from __future__ import annotations

import argparse
import time

from swarm_tui.core.opening import db_path, open_ledger, settings_from_args
from swarm_tui.core.report import build_report, parse_since, render
from swarm_tui.core.task_moves import ControlError

__all__ = ["cmd_report"]


async def cmd_report(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    try:
        since = parse_since(args.since, time.time())
    except ValueError as exc:
        raise ControlError(str(exc)) from None
    ledger = await open_ledger(settings, db_path(settings, args.db), readonly=True)
    if getattr(args, "by", None) == "goal":
        from swarm_tui.goals.figures import goals_report, render_goals

        try:
            goals = [g for g in await ledger.list_goals() if since is None or g.created_at >= since]
            figures = await goals_report(ledger, settings, goals, time.time())
        finally:
            await ledger.close()
        print(render_goals(figures, args.format), end="" if args.format == "csv" else "\n")
        return 0
    try:
        report = await build_report(ledger, settings, since)
    finally:
        await ledger.close()
    print(render(report, args.format), end="" if args.format == "csv" else "\n")
    return 0
