"""The short commands: submit, status, config check (doctor lives in swarm_tui.cli.doctor)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from swarm_tui.cli.doctor import cmd_doctor
from swarm_tui.config import find_config, load_settings
from swarm_tui.domain.models import Task, TaskMode, TaskSpec, TaskState
from swarm_tui.runtime import db_path, open_ledger, open_orchestrator, settings_from_args

__all__ = ["cmd_config_check", "cmd_doctor", "cmd_status", "cmd_submit", "task_json"]


class _Console(Console):
    """Rich's console, but a closed pipe ends the command like every other one does (quietly,
    exit 141, in ``cli.main``) instead of rich's own ``SystemExit(1)``."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "state": task.state.value,
        "role": task.role,
        "agent": task.agent,
        "provider": task.provider,
        "model": task.model,
        "priority": task.priority,
        "after": list(task.after),
        "tokens_in": task.tokens_in,
        "tokens_out": task.tokens_out,
        "cost_usd": round(task.cost_usd, 6),
        "attempts": task.attempts,
        "error": task.error,
        "held": task.held,
    }


async def cmd_submit(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    spec = TaskSpec(
        prompt=args.prompt,
        title=args.title,
        role=args.role,
        priority=args.priority,
        after=tuple(args.after),
        key=args.key,
        mode=TaskMode(args.mode),
        tags=tuple(args.tag),
    )
    async with open_orchestrator(settings, db_path(settings, args.db)) as orch:
        [(task, created)] = await orch.submit([spec], labels=["submit"])
    if args.json:
        print(json.dumps({**task_json(task), "created": created}))
    else:
        verb = "submitted" if created else "already in the ledger:"
        print(f"{verb} task #{task.id} ({task.role}): {task.title}")
    return 0


async def cmd_status(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    ledger = await open_ledger(settings, path, readonly=True)
    try:
        tasks = await ledger.list_tasks()
        totals = await ledger.totals()
    finally:
        await ledger.close()
    summary = {
        "tasks": len(tasks),
        "by_state": totals.by_state,
        "tokens_in": totals.tokens_in,
        "tokens_out": totals.tokens_out,
        "cost_usd": round(totals.cost_usd, 6),
    }
    if args.json:
        print(json.dumps({"tasks": [task_json(t) for t in tasks], "totals": summary}, indent=1))
        return 0
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
    console = _Console()
    console.print(table)
    for t in tasks:
        if t.held and t.state == TaskState.PAUSED:
            console.print(f"task #{t.id} {t.held}", markup=False, highlight=False)
    states = ", ".join(f"{n} {s}" for s, n in sorted(totals.by_state.items())) or "no tasks"
    console.print(
        f"{states} | tokens {totals.tokens_in} in / {totals.tokens_out} out"
        f" | ${totals.cost_usd:.4f} | ledger {path}"
    )
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else find_config(args.config)
    settings = load_settings(path)
    print(
        f"{settings.source}: ok ({len(settings.providers)} providers,"
        f" {len(settings.agents)} agents, default agent {settings.default_agent!r})"
    )
    return 0
