"""The short commands: submit and config check (status: :mod:`swarm_tui.cli.status`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from swarm_tui.cli.link import open_link
from swarm_tui.cli.task_json import task_json
from swarm_tui.domain.models import TaskMode, TaskSpec

__all__ = ["cmd_config_check", "cmd_submit"]


async def cmd_submit(args: argparse.Namespace) -> int:
    spec = TaskSpec(
        prompt=args.prompt,
        title=args.title,
        role=args.role,
        priority=args.priority,
        after=tuple(args.after),
        key=args.key,
        mode=TaskMode(args.mode),
        tags=tuple(args.tag),
        project=args.project or None,
    )
    async with open_link(args, write=True, create=True) as (link, _where):
        [(task, created)] = await link.submit([spec], labels=["submit"])
    if args.json:
        print(json.dumps({**task_json(task), "created": created}))
    else:
        verb = "submitted" if created else "already in the ledger:"
        print(f"{verb} task #{task.id} ({task.role}): {task.title}")
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    from swarm_tui.config import find_config, load_settings

    path = Path(args.path) if args.path else find_config(args.config)
    settings = load_settings(path)
    print(
        f"{settings.source}: ok ({len(settings.providers)} providers,"
        f" {len(settings.agents)} agents, default agent {settings.default_agent!r})"
    )
    return 0
