"""Claiming a whole scheduling pass in one transaction (``Ledger.claim_many``), and sync ops
on the group-commit writer (one thread round trip per batch) mixed with async ones."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite

from swarm_tui.domain.models import Attempt, AttemptState, TaskState
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.writes import AttemptEnd
from tests.conftest import SQLITE_ONLY
from tests.store.test_ledger import NOW, add, new, state_of


def claim_of(task_id: int, model: str = "m1") -> Claim:
    return Claim(task_id, "a", "p1", model, f"why {task_id}")


async def claim_all(led: Ledger, *claims: Claim, owner: str = "me") -> list[Attempt | None]:
    return await led.claim_many(list(claims), owner=owner, now=NOW, lease_until=NOW + 60)


async def test_claim_many_claims_in_order_in_one_commit(ledger: Ledger) -> None:
    ids = await add(ledger, new("a"), new("b"), new("c"))
    commits = ledger.writer.commits
    got = await claim_all(ledger, *(claim_of(i, f"m{i}") for i in reversed(ids)))
    assert ledger.writer.commits == commits + 1
    assert [a.task_id for a in got if a] == list(reversed(ids))
    assert [a.id for a in got if a] == sorted(a.id for a in got if a)  # opened in list order
    for attempt, task_id in zip(got, reversed(ids), strict=True):
        assert attempt is not None
        assert (attempt.number, attempt.model, attempt.owner) == (1, f"m{task_id}", "me")
        assert attempt.lease_until == NOW + 60 and attempt.state == AttemptState.RUNNING
        assert attempt.routing_reason == f"why {task_id}"
        task = await ledger.get_task(task_id)
        assert task is not None
        assert (task.state, task.attempts, task.model) == (TaskState.RUNNING, 1, f"m{task_id}")
    started = [e for e in await ledger.events() if e[0] == "attempt_started"]
    assert [e[1] for e in started] == [a.id for a in got if a]


async def test_claim_many_is_fenced_per_task_and_the_rest_still_apply(ledger: Ledger) -> None:
    queued, cancelled, running, later = await add(ledger, new("q"), new("x"), new("r"), new("l"))
    await ledger.transition(cancelled, TaskState.CANCELLED, {TaskState.QUEUED}, NOW, event="x")
    [first] = await claim_all(ledger, claim_of(running), owner="other")
    assert first is not None
    got = await claim_all(
        ledger,
        claim_of(queued),
        claim_of(cancelled),  # moved by someone else: not claimed
        claim_of(running),  # already claimed by another owner: not claimed twice
        claim_of(404),  # no such task
        claim_of(later),
        claim_of(queued),  # listed twice: claimed once
    )
    assert [a is not None for a in got] == [True, False, False, False, True, False]
    assert await state_of(ledger, cancelled) == TaskState.CANCELLED
    assert [a.owner for a in await ledger.attempts(running)] == ["other"]
    assert len(await ledger.attempts(queued)) == 1


async def test_claim_many_numbers_retries_and_drops_a_one_shot_pin(ledger: Ledger) -> None:
    [task_id] = await add(ledger, new("t"))
    await ledger.update_task(task_id, NOW, "reassign", pin="p2/m9", pin_agent="b")
    [first] = await claim_all(ledger, claim_of(task_id))
    assert first is not None
    end = AttemptEnd(AttemptState.FAILED, task_state=TaskState.QUEUED, error="boom")
    assert await ledger.finish_attempt(first, end, NOW)
    [second] = await claim_all(ledger, claim_of(task_id))
    assert second is not None and second.number == 2
    task = await ledger.get_task(task_id)
    assert task is not None and task.pin is None and task.pin_agent == "b"


async def test_claim_many_of_nothing_writes_nothing(ledger: Ledger) -> None:
    commits = ledger.writer.commits
    assert await claim_all(ledger) == []
    assert ledger.writer.commits == commits


async def test_a_claimed_attempt_is_fenced_against_a_later_claim(ledger: Ledger) -> None:
    """Recovery gives up an attempt and a new claim starts another: the old one can no longer
    write its end (the same fencing ``claim`` always had)."""
    [task_id] = await add(ledger, new("t"))
    [old] = await claim_all(ledger, claim_of(task_id))
    assert old is not None
    lost = await ledger.recover(lambda _owner: False, NOW + 120)
    assert [a.id for a in lost] == [old.id]
    [new_attempt] = await claim_all(ledger, claim_of(task_id))
    assert new_attempt is not None and new_attempt.number == 2
    done = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
    assert not await ledger.finish_attempt(old, done, NOW + 121)
    assert await state_of(ledger, task_id) == TaskState.RUNNING


@SQLITE_ONLY
async def test_sync_and_async_ops_share_one_transaction_in_order(ledger: Ledger) -> None:
    """A batch mixing sync ops (one hop per run of them) and async ops commits once, runs them
    in submission order, and a failing op of either kind is undone alone."""
    order: list[str] = []

    def sync_op(name: str, fail: bool = False) -> Callable[[sqlite3.Connection], str]:
        def op(conn: sqlite3.Connection) -> str:
            conn.execute("INSERT INTO flags (name, value) VALUES (?, 'v')", (name,))
            order.append(name)
            if fail:
                raise ValueError(name)
            return name

        return op

    def async_op(name: str, fail: bool = False) -> Callable[[aiosqlite.Connection], Awaitable[str]]:
        async def op(conn: aiosqlite.Connection) -> str:
            await conn.execute("INSERT INTO flags (name, value) VALUES (?, 'v')", (name,))
            order.append(name)
            if fail:
                raise ValueError(name)
            return name

        return op

    writer = ledger.writer
    await writer.flush()
    commits = writer.commits
    futures = [
        writer.run_sync(sync_op("s1")),
        writer.run_sync(sync_op("s2", fail=True)),
        writer.run(async_op("a1")),
        writer.run(async_op("a2", fail=True)),
        writer.run_sync(sync_op("s3")),
    ]
    got = await asyncio.gather(*futures, return_exceptions=True)
    assert writer.commits == commits + 1
    assert order == ["s1", "s2", "a1", "a2", "s3"]
    assert got[0] == "s1" and got[2] == "a1" and got[4] == "s3"
    assert isinstance(got[1], ValueError) and isinstance(got[3], ValueError)
    assert set(await ledger.flags()) == {"s1", "a1", "s3"}


@SQLITE_ONLY
async def test_a_sync_op_batch_that_cannot_commit_fails_every_caller(ledger: Ledger) -> None:
    """A statement error outside the ops (here: the op leaves the transaction) fails the whole
    batch for every waiting caller; nothing of it is kept."""

    def breaks_out(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO flags (name, value) VALUES ('lost', 'v')")
        conn.execute("RELEASE op")  # closes the op's savepoint: the writer's RELEASE fails

    def fine(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO flags (name, value) VALUES ('also-lost', 'v')")

    results = await asyncio.gather(
        ledger.writer.run_sync(fine), ledger.writer.run_sync(breaks_out), return_exceptions=True
    )
    assert all(isinstance(r, Exception) for r in results), results
    assert await ledger.flags() == {}


def test_reads_that_grow_with_history_use_an_index(tmp_path: Path) -> None:
    """Schema v5: a task's events (read when an attempt starts) and one run's spend per agent
    are searched by index, not by scanning every event or attempt ever written."""
    db = tmp_path / "plan.db"

    async def create() -> None:
        await (await SqliteLedger.open(db)).close()

    asyncio.run(create())
    conn = sqlite3.connect(db)
    queries = [
        "SELECT kind, attempt_id, data FROM events WHERE task_id = 1 ORDER BY id",
        "SELECT agent, COALESCE(SUM(cost_usd), 0) FROM attempts WHERE owner = 'o' GROUP BY agent",
    ]
    for sql in queries:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert plan and all(step.startswith("SEARCH") for step in plan), (sql, plan)
    conn.close()
