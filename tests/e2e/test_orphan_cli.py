"""kill -9 of a real headless orchestrator while its agent CLI (``fake_agent.py`` behind Claude
Code's dialect) works: the CLI outlives it (its own session); the next start finds the CLI in
the ledger, stops it before the task runs again, says so, and the task ends exactly once. On
both ledgers (SQLite, then a real PostgreSQL server)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psutil
import pytest

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.pg.url import PgTarget
from tests.e2e.crash import cli
from tests.workspace.swarm import make_agent

pytestmark = pytest.mark.slow


def claude_config(path: Path, tmp: Path, job: list[dict[str, str]]) -> Path:
    """A config whose one agent ``coder`` is the scripted Claude Code CLI playing ``job`` for
    the prompt ``[[job]]``, with no heartbeat or lease in the way."""
    agent = make_agent(tmp)
    agent.play({"[[job]]": job})
    env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent.env().items())
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
mix = {{ "cli/m" = 1 }}

[orchestrator]
heartbeat_seconds = 3600
lease_seconds = 7200
"""
    )
    return path


class Stage:
    def __init__(self, tmp: Path, backend: str, target: PgTarget | None) -> None:
        self.tmp = tmp
        self.db = tmp / "data" / "ledger.db"
        self.mark = tmp / "working"
        job = [{"mark": str(self.mark), "hold": str(tmp / "never")}, {"say": "all done"}]
        self.config = claude_config(tmp / "config.toml", tmp, job)
        self.tasks = tmp / "tasks.toml"
        self.tasks.write_text('[[task]]\nkey = "job"\nprompt = "[[job]] do the job"\n')
        self.env = {**os.environ}
        self.env.pop("SWARM_TUI_DB_URL", None)
        self.target = target
        if target is not None:
            self.env["SWARM_TUI_DB_URL"] = target.url

    async def start(self) -> asyncio.subprocess.Process:
        args = ["--db", str(self.db), "--config", str(self.config)]
        return await asyncio.create_subprocess_exec(
            *cli(*args, "run", "--headless", "--tasks", str(self.tasks), "--until-idle"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=self.env,
        )

    @asynccontextmanager
    async def ledger(self) -> AsyncIterator[Ledger]:
        led: Ledger
        if self.target is None:
            led = await SqliteLedger.open(self.db, readonly=True)
        else:
            from swarm_tui.store.pg.ledger import PgLedger

            led = await PgLedger.open(self.target, self.db, readonly=True)
        try:
            yield led
        finally:
            await led.close()


@pytest.fixture(params=["sqlite", "postgres"])
def stage(tmp_path: Path, request: pytest.FixtureRequest) -> Stage:
    target = request.getfixturevalue("pg_target") if request.param == "postgres" else None
    return Stage(tmp_path, request.param, target)


async def _until(check: object, what: str, proc: asyncio.subprocess.Process) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while not await check():  # type: ignore[operator]
        if proc.returncode is not None:
            out = (await proc.stdout.read()).decode() if proc.stdout else ""
            raise AssertionError(f"the run ended before {what}: {out}")
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_a_cli_left_by_a_killed_orchestrator_is_stopped_at_the_next_start(
    stage: Stage,
) -> None:
    first = await stage.start()

    async def working() -> bool:
        return stage.mark.exists() and stage.mark.read_text() != ""

    await _until(working, "the agent at work", first)
    agent = psutil.Process(int(stage.mark.read_text()))
    started = agent.create_time()
    async with stage.ledger() as led:
        [attempt] = await led.attempts(1)
        [child] = await led.children([attempt.id])  # recorded while it runs
    assert (child.child.pid, child.child.pgid, child.child.command) == (agent.pid, agent.pid,
                                                                         "claude")  # fmt: skip
    assert abs(child.child.started - started) < 0.01 and child.task_id == 1
    assert child.owner == attempt.owner and f":{first.pid}:" in child.owner

    first.kill()  # kill -9 of the orchestrator alone: its CLI runs on in its own session
    await first.wait()
    assert psutil.Process(agent.pid).create_time() == started and _alive(agent)

    second = await stage.start()
    out, _ = await asyncio.wait_for(second.communicate(), 180)
    assert second.returncode == 0, out.decode()
    assert not _alive(agent), "the orphaned agent CLI still runs"

    async with stage.ledger() as led:
        task = await led.get_task(1)
        assert task is not None and task.state is TaskState.SUCCEEDED
        assert task.result == "all done"
        attempts = await led.attempts(1)
        assert [(a.number, a.state) for a in attempts] == [
            (1, AttemptState.ABANDONED), (2, AttemptState.SUCCEEDED),
        ]  # fmt: skip
        note = f"stopped orphaned claude (pid {agent.pid}) left by a killed orchestrator"
        assert attempts[0].error is not None and note in attempts[0].error
        events = await led.events(1)
        kinds = [kind for kind, _a, _d in events]
        assert kinds.count("attempt_succeeded") == 1
        [(attempt_id, data)] = [(a, d) for k, a, d in events if k == "orphan_cli"]
        assert attempt_id == attempts[0].id
        fields = json.loads(data)
        assert (fields["outcome"], fields["pid"]) == ("stopped", agent.pid)
        assert note in fields["note"]
        # stopped before the task's next attempt was claimed
        second_claim = next(i for i, (_k, a, _d) in enumerate(events) if a == attempts[1].id)
        assert kinds.index("orphan_cli") < second_claim
        assert await led.children([a.id for a in attempts]) == []  # the second CLI's cleared
    runs = [
        json.loads(line) for line in (stage.tmp / "agent" / "runs.jsonl").read_text().splitlines()
    ]
    assert [r["turn"] for r in runs] == [0, 1]  # the orphan never ran on beside the new one
