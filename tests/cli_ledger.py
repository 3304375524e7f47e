"""Helpers for the one-line command tests: run ``swarm-tui`` as a subprocess on a real ledger
file, and play the part of an orchestrator in another process (claim a task, stream into its
attempt, end it) through the real ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from swarm_tui.core.owner import owner_id
from swarm_tui.domain.models import Attempt, AttemptState, TaskState
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.writes import AttemptEnd


def cli_env(tmp_path: Path) -> dict[str, str]:
    """No user config, no marks of configs seen valid by other tests, and no stray settings
    leak into the commands under test."""
    env = dict(
        os.environ, XDG_CONFIG_HOME=str(tmp_path / "xdg"), XDG_CACHE_HOME=str(tmp_path / "cache")
    )
    env.pop("SWARM_TUI_CONFIG", None)
    env.pop("SWARM_TUI_DB", None)
    return env


def swarm(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "swarm_tui", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=cli_env(db.parent),
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


def popen(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "swarm_tui", *args, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(db.parent),
        stdin=subprocess.DEVNULL,
    )


def submit(db: Path, *prompts: str) -> list[int]:
    ids = []
    for prompt in prompts:
        done = swarm(db, "submit", prompt, "--json")
        assert done.returncode == 0, done.stderr
        ids.append(int(json.loads(done.stdout)["id"]))
    return ids


def states(db: Path) -> dict[int, str]:
    done = swarm(db, "status", "--json")
    assert done.returncode == 0, done.stderr
    return {t["id"]: t["state"] for t in json.loads(done.stdout)["tasks"]}


def task(db: Path, task_id: int) -> dict[str, Any]:
    done = swarm(db, "status", "--json")
    assert done.returncode == 0, done.stderr
    [found] = [t for t in json.loads(done.stdout)["tasks"] if t["id"] == task_id]
    return dict(found)


class Worker:
    """An orchestrator's ledger writes, from this (another) process: a live owner."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    @classmethod
    async def open(cls, db: Path) -> Worker:
        return cls(await SqliteLedger.open(db, commit_interval=0.01))

    async def close(self) -> None:
        await self.ledger.close()

    async def claim(self, task_id: int) -> Attempt:
        now = time.time()
        attempt = await self.ledger.claim(
            task_id,
            agent="generalist",
            provider="local",
            model="smollm2",
            reason="test",
            owner=owner_id(),
            now=now,
            lease_until=now + 3600,
        )
        assert attempt is not None
        return attempt

    async def stream(self, attempt: Attempt, text: str) -> None:
        self.ledger.append_output(attempt.id, text)
        await self.ledger.writer.flush()

    async def end(self, attempt: Attempt, state: AttemptState, error: str | None = None) -> None:
        ok = state == AttemptState.SUCCEEDED
        task_state = TaskState.SUCCEEDED if ok else TaskState.FAILED
        end = AttemptEnd(state, task_state=task_state, error=error, result_from_output=ok)
        assert await self.ledger.finish_attempt(attempt, end, time.time())
