"""A pause written by another process (a second room, a headless run, a CLI on the same ledger)
stops the attempts this process runs that it covers, as this process's own pause would: the
attempt stops with its partial output, its task goes back to the queue and waits for the
resume. A pause asked not to stop running work (``stop_running=False``) leaves them running
here too. Real processes on one real ledger file (tests/feed_peer.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from swarm_tui.core.bus import Event
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import FlagChanged
from swarm_tui.domain.models import AttemptState, Task, TaskSpec, TaskState
from swarm_tui.store.ledger import SqliteLedger
from tests.conftest import make_settings
from tests.core.test_feed import here, peer, wait_until
from tests.fakes import FakeProvider, Script

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def running_here(db: Path) -> AsyncIterator[Orchestrator]:
    """This process's orchestrator (tests/core/test_feed.py ``here``) with its run loop on, as
    a room or a service has it: the loop reads the flags too when the ledger moves."""
    async with here(db) as orch:
        loop = asyncio.create_task(orch.run())
        try:
            yield orch
        finally:
            await orch.stop()
            await loop


async def _running(orch: Orchestrator, *roles: str) -> list[Task]:
    """Submit one task per role; the loop dispatches them: each streams ``partial``, holds."""
    tasks = [t for t, _ in await orch.submit([TaskSpec(prompt="hold on", role=r) for r in roles])]
    orch.wake()

    async def streamed() -> bool:
        await orch.ledger.writer.flush()
        outputs = [[a.output for a in await orch.attempts(t.id)] for t in tasks]
        return outputs == [["partial"]] * len(tasks)

    await wait_until(streamed, "the attempts to stream and hold")
    return tasks


async def _stopped_and_queued(orch: Orchestrator, task: Task) -> None:
    moved = await orch.task(task.id)
    [attempt] = await orch.attempts(task.id)
    assert moved.state == TaskState.QUEUED
    assert (attempt.state, attempt.output) == (AttemptState.STOPPED, "partial")


async def test_a_pause_all_elsewhere_stops_the_attempts_here(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with running_here(db) as orch:
        [task] = await _running(orch, "c")
        assert await peer(db, "pause_all") == "paused"
        await wait_until(lambda: not orch.running, "the attempt here to stop")
        await _stopped_and_queued(orch, task)
        assert orch.paused_all()
        assert await orch.tick() == 0  # paused: the queued task waits
        assert await peer(db, "resume_all") == "resumed"

        async def again() -> bool:
            return (await orch.task(task.id)).state == TaskState.RUNNING

        await wait_until(again, "the task to run again after the resume")


async def test_an_agent_paused_elsewhere_stops_only_its_attempts_here(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with running_here(db) as orch:
        paused, other = await _running(orch, "c", "b")
        assert await peer(db, "pause_agent", "c") == "paused"
        await wait_until(lambda: len(orch.running) == 1, "c's attempt here to stop")
        await _stopped_and_queued(orch, paused)
        [still] = orch.running.values()
        assert still.run.attempt.task_id == other.id
        assert orch.agent_paused("c") and not orch.agent_paused("b")


@pytest.mark.parametrize("action", [("pause_all", "keep"), ("pause_agent", "c", "keep")])
async def test_a_pause_elsewhere_that_keeps_running_work_keeps_it_here(
    tmp_path: Path, action: tuple[str, ...]
) -> None:
    db = tmp_path / "ledger.db"
    async with running_here(db) as orch:
        [task] = await _running(orch, "c")
        flag = "paused_all" if action[0] == "pause_all" else "paused_agent:c"
        sub = orch.bus.subscribe()
        seen: list[Event] = []

        def heard(*events: Event) -> Callable[[], bool]:
            def check() -> bool:  # published once the orchestrator took the flag
                seen.extend(sub.get_nowait())
                return all(e in seen for e in events)

            return check

        def still_running() -> None:
            assert [r.run.attempt.task_id for r in orch.running.values()] == [task.id]

        assert await peer(db, *action) == "paused"
        await wait_until(heard(FlagChanged(flag, "1")), "the pause to arrive")
        still_running()
        resume = ("resume_all",) if flag == "paused_all" else ("resume_agent", "c")
        assert await peer(db, *resume) == "resumed"  # clears the pause, then its mark
        cleared = (FlagChanged(flag, None), FlagChanged(f"keep_running:{flag}", None))
        await wait_until(heard(*cleared), "the resume to arrive")
        still_running()
        assert (await orch.task(task.id)).state == TaskState.RUNNING
        assert await peer(db, "pause_all") == "paused"  # now one that stops: it stops here
        await wait_until(lambda: not orch.running, "the attempt here to stop")
        await _stopped_and_queued(orch, task)


async def test_a_pause_the_run_loop_read_first_still_stops_them(tmp_path: Path) -> None:
    """The run loop re-reads the flags whenever the ledger moves, so it may take another
    process's pause before the change feed hands it over: the attempts stop all the same."""
    db = tmp_path / "ledger.db"
    script = lambda _req: Script(tokens=["part", "ial", " more"], hold_after=2)  # noqa: E731
    providers = {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}
    ledger = await SqliteLedger.open(db, commit_interval=0.005)
    other = await SqliteLedger.open(db, commit_interval=0.005)  # another process's connection
    orch = Orchestrator(make_settings(), ledger, dict(providers), clock=time.time)
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="hold on", role="c")])
        assert await orch.tick() == 1  # no loop here: the pass is made by hand

        async def streamed() -> bool:
            await orch.ledger.writer.flush()
            return [a.output for a in await orch.attempts(task.id)] == ["partial"]

        await wait_until(streamed, "the attempt to stream and hold")
        await other.set_flag("paused_all", "1", time.time())
        orch.flags.replace(await orch.ledger.flags())  # what the loop does when data moves
        assert orch.paused_all() and orch.running
        await orch.flag_elsewhere("paused_all", "1")  # what the feed then calls
        assert not orch.running
        await _stopped_and_queued(orch, task)
    finally:
        await orch.stop()
        await other.close()
        await ledger.close()
