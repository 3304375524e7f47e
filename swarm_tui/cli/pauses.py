"""``swarm-tui pause-all|resume-all [--keep-running]`` and ``pause-agent|resume-agent AGENT…
[--keep-running]``: the swarm's pause flags, from a shell. The flag is written to the ledger
(or set by the service, when one is up); every orchestrator on the ledger takes it within a
feed interval and stops the attempts it covers (partial output kept, tasks re-queued) unless
``--keep-running``."""

from __future__ import annotations

import argparse

from swarm_tui.cli.exits import OK
from swarm_tui.cli.link import open_link
from swarm_tui.core.errors import ControlError

__all__ = ["cmd_pause"]


async def cmd_pause(args: argparse.Namespace) -> int:
    command: str = args.command
    stop = not getattr(args, "keep_running", False)
    async with open_link(args, write=True) as (link, _where):
        if command.endswith("-all"):
            if command == "pause-all":
                await link.pause_all(stop_running=stop)
            else:
                await link.resume_all()
            print(_said(command, "everything", stop), flush=True)
            return OK
        agents: list[str] = list(dict.fromkeys(args.agents))
        unknown = [a for a in agents if a not in link.settings.agents]
        if unknown:  # checked before any is paused: all or none
            known = ", ".join(link.settings.agents)
            raise ControlError(f"unknown agent {unknown[0]!r} (agents: {known})")
        for agent in agents:
            if command == "pause-agent":
                await link.pause_agent(agent, stop_running=stop)
            else:
                await link.resume_agent(agent)
            print(_said(command, f"agent {agent}", stop), flush=True)
    return OK


def _said(command: str, what: str, stop: bool) -> str:
    if command.startswith("resume"):
        return f"resumed {what}"
    running = "running attempts stop and re-queue" if stop else "running attempts go on"
    return f"paused {what}: {running}"
