"""An orchestrator over a real git project and a scripted agent CLI (``fake_agent.py``
behind Claude Code's dialect), for the workspace tests."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from swarm_tui.config import Settings, load_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.providers.base import Provider
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect
from swarm_tui.store.ledger import Ledger
from tests.workspace.gitrepo import PYTEST

FAKE_AGENT = Path(__file__).with_name("fake_agent.py")


@dataclass
class Agent:
    """The scripted agent's files: its script, its log of runs, its sessions."""

    root: Path

    @property
    def script(self) -> Path:
        return self.root / "script.json"

    @property
    def log(self) -> Path:
        return self.root / "runs.jsonl"

    def play(self, script: dict[str, list[dict[str, Any]]]) -> None:
        self.script.write_text(json.dumps(script))

    def runs(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def env(self) -> dict[str, str]:
        return {
            "FAKE_AGENT_SCRIPT": str(self.script),
            "FAKE_AGENT_LOG": str(self.log),
            "FAKE_AGENT_STATE": str(self.root / "sessions"),
        }


def make_agent(tmp: Path) -> Agent:
    root = tmp / "agent"
    root.mkdir()
    wrapper = root / "claude"
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE_AGENT} "$@"\n')
    wrapper.chmod(0o755)
    agent = Agent(root)
    agent.play({})
    return agent


def write_config(path: Path, repo: Path, agent: Agent, **project: object) -> Path:
    """A config.toml: the scripted agent CLI as provider ``cli``, agent ``coder`` (project
    ``calc`` by default), project ``calc`` over ``repo`` checked by its pytest."""
    env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent.env().items())
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in project.items())
    path.write_text(
        f"""
[providers.cli]
kind = "claude-code"
[providers.cli.cli]
binary = {json.dumps(str(agent.root / "claude"))}
swarm_mcp = false
[providers.cli.cli.env]
{env}
[providers.cli.models.m]

[agents.coder]
project = "calc"
max_concurrent = 2
mix = {{ "cli/m" = 1 }}

[orchestrator]
heartbeat_seconds = 3600
lease_seconds = 7200

[projects.calc]
repo = {json.dumps(str(repo))}
checks = [{json.dumps(PYTEST)}]
{extra}"""
    )
    return path


def swarm_settings(repo: Path, agent: Agent, **project: object) -> Settings:
    return load_settings(write_config(agent.root / "config.toml", repo, agent, **project))


def make_swarm(settings: Settings, ledger: Ledger, logs: Path) -> Orchestrator:
    config = settings.providers["cli"]
    provider = CLIProvider("cli", config, ClaudeDialect, log_dir=logs)
    return Orchestrator(settings, ledger, {"cli": provider}, owner="test:1:1")


async def wait_for(
    check: Callable[[], Awaitable[bool]], seconds: float = 60.0, what: str = "a condition"
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def build(settings: Settings, ledger: Ledger, logs: Path) -> Orchestrator:
    """An orchestrator over every provider of ``settings`` (each a scripted agent CLI)."""
    providers: dict[str, Provider] = {
        name: CLIProvider(name, config, ClaudeDialect, log_dir=logs)
        for name, config in settings.providers.items()
    }
    return Orchestrator(settings, ledger, providers, owner="test:1:1")
