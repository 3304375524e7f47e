"""kill -9 of a real headless orchestrator between starting its agent CLI and recording it in
the ledger (the kill injected at that point: the record's hook kills the process instead):
the CLI, held at its gate until the record is written, exits without ever running; the ledger
knows of no CLI and needs none; the next start runs the task once. Both ledgers."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import psutil
import pytest

from swarm_tui.core.opening import URL_ENV
from swarm_tui.domain.models import AttemptState, TaskState
from tests.backends import Backend
from tests.e2e.crash import cli
from tests.e2e.test_orphan_cli import claude_config

pytestmark = pytest.mark.slow

_KILLED_BEFORE_THE_RECORD = """
import os, signal, sys
from pathlib import Path
from swarm_tui.core import orphans

async def started(self, child):
    # the CLI was started; its record is next: the orchestrator is killed right here
    Path(os.environ["HELD_PID"]).write_text(f"{child.pid} {child.started!r}")
    os.kill(os.getpid(), signal.SIGKILL)

orphans.AttemptChildren.started = started
from swarm_tui.cli.main import main
raise SystemExit(main(sys.argv[1:]))
"""


async def _run(backend: Backend, tmp: Path, *, injected: bool) -> tuple[int, str]:
    db, tasks = tmp / "data" / "ledger.db", tmp / "tasks.toml"
    args = ["--db", str(db), "--config", str(tmp / "config.toml")]
    argv = [*args, "run", "--headless", "--tasks", str(tasks), "--until-idle"]
    command = [sys.executable, "-c", _KILLED_BEFORE_THE_RECORD, *argv] if injected else cli(*argv)
    base = {**os.environ, "HELD_PID": str(tmp / "held")}
    base.pop(URL_ENV, None)
    env = backend.env(db, base)
    proc = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def _until_gone(pid: int, started: float) -> None:
    """The held process ends (not our child: it is watched, not waited for)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while True:
        try:
            proc = psutil.Process(pid)
            if abs(proc.create_time() - started) > 0.01 or proc.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        assert loop.time() < deadline, f"the held CLI (pid {pid}) still runs: {proc.cmdline()}"
        await asyncio.sleep(0.05)


async def test_a_cli_started_but_not_yet_recorded_never_runs_when_its_orchestrator_dies(
    backend: Backend, tmp_path: Path
) -> None:
    claude_config(tmp_path / "config.toml", tmp_path, [{"say": "all done"}])
    (tmp_path / "tasks.toml").write_text('[[task]]\nkey = "job"\nprompt = "[[job]] do the job"\n')
    db = tmp_path / "data" / "ledger.db"

    code, out = await _run(backend, tmp_path, injected=True)
    assert code == -9, out  # killed at the injected point
    pid_text, started_text = (tmp_path / "held").read_text().split()
    await _until_gone(int(pid_text), float(started_text))
    agent_log = tmp_path / "agent" / "runs.jsonl"
    assert not agent_log.exists(), "the unrecorded CLI ran"

    led = await backend.open(db, readonly=True)
    try:
        [attempt] = await led.attempts(1)
        assert attempt.state is AttemptState.RUNNING  # as the killed run left it
        assert await led.children([attempt.id]) == []  # the record was never written
    finally:
        await led.close()

    code, out = await _run(backend, tmp_path, injected=False)
    assert code == 0, out
    led = await backend.open(db, readonly=True)
    try:
        task = await led.get_task(1)
        assert task is not None and task.state is TaskState.SUCCEEDED
        assert task.result == "all done"
        attempts = await led.attempts(1)
        assert [a.state for a in attempts] == [AttemptState.ABANDONED, AttemptState.SUCCEEDED]
        assert [k for k, _a, _d in await led.events(1) if k == "orphan_cli"] == []
        assert await led.children([a.id for a in attempts]) == []
    finally:
        await led.close()
    runs = [json.loads(line) for line in agent_log.read_text().splitlines()]
    assert [r["turn"] for r in runs] == [0]  # the agent ran once: under the second start
