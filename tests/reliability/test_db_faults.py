"""A locked ledger and a full disk: a clear error, no corruption, nothing already written
lost, and the work finishes once the fault is gone.

The lock is held by another connection past the ledger's busy timeout (lowered from 10 s to
0.1 s on the test's connections so the suite stays quick). A full disk is SQLite's own
SQLITE_FULL, produced with ``PRAGMA max_page_count`` on the writer's connection (no root, no
loop device).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from swarm_tui.core.models import AttemptState, TaskSpec, TaskState
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, OrchFactory
from tests.fakes import FakeProvider, Script
from tests.store.test_ledger import add, claim, end, new


async def _short_busy_timeout(ledger: Ledger) -> None:
    for conn in (ledger._write, ledger._read):
        await conn.execute("PRAGMA busy_timeout = 100")


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[sqlite3.Connection]:
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield locker
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


async def test_locked_ledger_fails_clearly_and_a_restart_finishes_the_work(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock
) -> None:
    provider = FakeProvider("p1", lambda _r: Script(tokens=["a", "b", "c", "d"], hold_after=2))
    orch = make_orch(providers={"p1": provider, "p2": provider})
    await orch.submit([TaskSpec(prompt="done before", role="c")])
    provider.release.set()
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    [before] = await orch.tasks()
    assert before.state is TaskState.SUCCEEDED and before.result == "abcd"
    await orch.stop()

    provider.release.clear()
    provider.holding.clear()
    orch = make_orch(providers={"p1": provider, "p2": provider})
    await orch.submit([TaskSpec(prompt=f"job {i}", role="c") for i in range(3)])
    await _short_busy_timeout(ledger)
    job = asyncio.create_task(orch.run(until_idle=True))
    await asyncio.wait_for(provider.holding.wait(), 20)
    with exclusive_lock(ledger.path):
        assert (await ledger.get_task(before.id)) == before  # WAL: reads go on meanwhile
        provider.release.set()
        with pytest.raises(LedgerError) as info:
            await asyncio.wait_for(job, 20)
    assert "cannot write the ledger: database is locked" in str(info.value)
    await orch.stop()

    # The next run (after the lock is gone) recovers the abandoned attempts and finishes.
    clock.now += 10_000  # past every lease of the run that stopped
    restarted = make_orch(providers={"p1": provider, "p2": provider})
    await asyncio.wait_for(restarted.run(until_idle=True), 30)
    tasks = await restarted.tasks()
    assert [t.state for t in tasks] == [TaskState.SUCCEEDED] * 4
    assert tasks[0] == before  # the earlier result, untouched
    for task in tasks[1:]:
        attempts = await restarted.attempts(task.id)
        won = [a for a in attempts if a.state is AttemptState.SUCCEEDED]
        assert len(won) == 1 and task.result == won[0].output == "abcd"
        assert all(a.state is not AttemptState.RUNNING for a in attempts)
    assert _integrity(ledger.path) == "ok"


async def test_full_disk_fails_clearly_keeps_buffered_output_and_earlier_results(
    ledger: Ledger,
) -> None:
    first, second = await add(ledger, new("first"), new("second"))
    done = await claim(ledger, first)
    assert done is not None
    ledger.append_output(done.id, "kept result")
    ok = end(AttemptState.SUCCEEDED, TaskState.SUCCEEDED, result_from_output=True)
    assert await ledger.finish_attempt(done, ok, 1001.0)
    running = await claim(ledger, second)
    assert running is not None
    ledger.append_output(running.id, "before the disk filled. ")
    await ledger.writer.flush()

    pages = (await (await ledger._write.execute("PRAGMA page_count")).fetchone())[0]
    await ledger._write.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
    big = "x" * 200_000
    with pytest.raises(LedgerError) as info:
        await ledger.insert_tasks([new(big)], 1002.0)
    assert "cannot write the ledger" in str(info.value) and "full" in str(info.value)
    ledger.append_output(running.id, big)  # streamed text arriving while the disk is full
    with pytest.raises(LedgerError):
        await ledger.writer.flush()
    assert _integrity(ledger.path) == "ok"
    kept = await ledger.get_task(first)
    assert kept is not None and kept.result == "kept result"

    await ledger._write.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert await ledger.finish_attempt(running, ok, 1003.0)
    finished = await ledger.get_task(second)
    assert finished is not None and finished.state is TaskState.SUCCEEDED
    assert finished.result == "before the disk filled. " + big  # nothing streamed was lost
    assert [t.title for t in await ledger.list_tasks()] == ["first", "second"]  # no half row
    assert _integrity(ledger.path) == "ok"
