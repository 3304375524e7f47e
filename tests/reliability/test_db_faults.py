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

from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger
from tests.conftest import SQLITE_ONLY, OrchFactory, make_settings
from tests.fakes import FakeProvider, Script
from tests.store.test_ledger import add, claim, end, new

pytestmark = SQLITE_ONLY  # SQLite's own faults: a held file lock, a full disk (page count)


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


async def test_a_run_rides_out_a_locked_ledger_and_finishes_the_work(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    provider = FakeProvider("p1", lambda _r: Script(tokens=["a", "b", "c", "d"], hold_after=2))
    settings = make_settings(heartbeat_seconds=3600, lease_seconds=7200, poll_seconds=0.05)
    orch = make_orch(settings, {"p1": provider, "p2": provider})
    await orch.submit([TaskSpec(prompt="done before", role="c")])
    provider.release.set()
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    [before] = await orch.tasks()
    assert before.state is TaskState.SUCCEEDED and before.result == "abcd"
    await orch.stop()

    provider.release.clear()
    provider.holding.clear()
    orch = make_orch(settings, {"p1": provider, "p2": provider})
    events = orch.bus.subscribe()
    notices: list[Notice] = []

    async def notice(*words: str) -> None:
        while not any(all(w in n.text for w in words) for n in notices):
            notices.extend(e for e in await events.get() if isinstance(e, Notice))

    await orch.submit([TaskSpec(prompt=f"job {i}", role="c") for i in range(3)])
    await _short_busy_timeout(ledger)
    job = asyncio.create_task(orch.run(until_idle=True))
    await asyncio.wait_for(provider.holding.wait(), 20)
    with exclusive_lock(ledger.path):
        assert (await ledger.get_task(before.id)) == before  # WAL: reads go on meanwhile
        provider.release.set()  # the attempts end, but their ends cannot be written
        await asyncio.wait_for(notice("database is locked", "waits and retries"), 20)
        assert not job.done()  # the run waits it out
    await asyncio.wait_for(job, 30)  # the lock is gone: the run finishes by itself
    await asyncio.wait_for(notice("can be written again"), 5)

    tasks = await orch.tasks()
    assert [t.state for t in tasks] == [TaskState.SUCCEEDED] * 4
    assert tasks[0] == before  # the earlier result, untouched
    for task in tasks[1:]:
        attempts = await orch.attempts(task.id)
        won = [a for a in attempts if a.state is AttemptState.SUCCEEDED]
        assert len(won) == 1 and task.result == won[0].output == "abcd"
        assert all(a.state is not AttemptState.RUNNING for a in attempts)
    given_up = [a for t in tasks[1:] for a in await orch.attempts(t.id) if a.error]
    assert any("its end could not be recorded" in (a.error or "") for a in given_up)
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
