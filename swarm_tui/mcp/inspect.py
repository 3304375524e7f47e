"""Seeing the hub without a model: start configured servers, list their tools, check them.

Used by ``swarm-tui mcp list|tools|call`` and ``swarm-tui doctor``. Before a server is
started, its configuration is checked for what would make it fail or misbehave: a stdio
command that is not there, a ``cwd`` that is not a directory, environment variables it is
given by name that are unset, header variables that are unset.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import mcp.types as mt

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.mcp.conn import ServerUnavailable, unset_headers
from swarm_tui.mcp.hub import MCPHub

__all__ = ["NOT_DECLARED", "ServerReport", "config_problems", "inspect_servers"]

NOT_DECLARED = (
    "the hub declares roots to servers; not sampling (a server asking a model to write) nor"
    " elicitation (a server asking a person a question), so servers hide or refuse the tools"
    " that need them"
)


@dataclass
class ServerReport:
    """What one server looks like from the hub."""

    name: str
    problems: list[str] = field(default_factory=list)
    """Configuration problems found before starting it."""
    failure: str | None = None
    """Why it did not come up (None: it is up)."""
    tools: list[tuple[str, mt.Tool]] = field(default_factory=list)
    """The tools the hub offers, with their offered names."""
    notes: list[str] = field(default_factory=list)
    """Tools renamed or left out."""

    @property
    def ok(self) -> bool:
        return not self.problems and self.failure is None


def _command_problem(command: str, env: dict[str, str]) -> str | None:
    if os.sep in command:
        path = Path(os.path.expanduser(command))
        if not path.is_file():
            return f"command {command!r} does not exist"
        if not os.access(path, os.X_OK):
            return f"command {command!r} is not executable"
        return None
    if shutil.which(command, path=env.get("PATH")) is None:
        return f"command {command!r} is not on PATH"
    return None


def config_problems(server: MCPServerConfig, env: dict[str, str] | None = None) -> list[str]:
    """What would stop ``server`` from starting, or start it without what it was promised."""
    source = dict(os.environ) if env is None else env
    problems: list[str] = []
    if server.command is not None:
        missing = _command_problem(server.command, source)
        if missing:
            problems.append(missing)
        if server.cwd is not None:
            cwd = Path(os.path.expanduser(server.cwd))
            if not cwd.is_dir():
                problems.append(f"cwd {server.cwd!r} is not a directory")
        for entry in server.env:
            name, eq, _ = entry.partition("=")
            if not eq and not source.get(name):
                problems.append(f"environment variable ${name} (env) is not set")
    refused = unset_headers(server, source)
    if refused is not None:
        problems.append(refused)
    return problems


async def _inspect(hub: MCPHub, name: str, notes: list[str]) -> ServerReport:
    report = ServerReport(name, config_problems(hub.config.servers[name]))
    if any("command" in p or "cwd" in p or "header" in p for p in report.problems):
        return report  # it cannot start as configured: not tried
    try:
        await hub.conns[name].ensure()
    except ServerUnavailable as exc:
        report.failure = str(exc)
        return report
    before = len(notes)
    report.tools = hub.server_tools(name)
    report.notes = notes[before:]
    return report


async def inspect_servers(
    config: MCPConfig, log_dir: Path, names: Sequence[str] | None = None
) -> list[ServerReport]:
    """Start ``names`` (default: every configured server), one report each, in order."""
    notes: list[str] = []
    hub = MCPHub(config, log_dir, notify=notes.append)
    wanted = list(config.servers) if names is None else list(names)
    try:  # started together: a slow server does not hold the others up
        return list(await asyncio.gather(*(_inspect(hub, n, notes) for n in wanted)))
    finally:
        await hub.close()
