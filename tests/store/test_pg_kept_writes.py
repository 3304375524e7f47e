"""The PostgreSQL writer keeps an attempt's end across a lost connection (it is written once
the server answers again, never failed for the server's absence), while other writes are
failed to their callers as before; and its first batch on a new connection renews the
ledger's own running attempts' leases on the server's clock before anything else."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from swarm_tui.store.writes import AttemptEnd
from tests.store.test_ledger import new

NOW = 1000.0


@pytest.fixture
async def two(pg_target: PgTarget, tmp_path: Path) -> AsyncIterator[tuple[PgLedger, PgLedger]]:
    a = await PgLedger.open(pg_target, tmp_path / "a" / "ledger.db", commit_interval=0.005)
    b = await PgLedger.open(pg_target, tmp_path / "b" / "ledger.db", commit_interval=0.005)
    yield a, b
    await a.close()
    await b.close()


async def _drop_writer_of(led: PgLedger, other: PgLedger) -> None:
    pid = led.writer.conn.info.backend_pid

    async def op(conn: PgConn) -> None:
        await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))

    await other.writer.run(op)


async def test_an_end_is_kept_across_a_lost_connection_and_leases_renewed_first(
    two: tuple[PgLedger, PgLedger],
) -> None:
    a, b = two
    [(task_id, _)] = await a.insert_tasks([new("t")], NOW)
    kept = await a.claim(task_id, agent="a", provider="p", model="m", reason="r",
                         owner="me:1:1", now=NOW, lease_until=NOW + 60)  # fmt: skip
    other = await a.claim(
        (await a.insert_tasks([new("u")], NOW))[0][0], agent="a", provider="p", model="m",
        reason="r", owner="me:1:1", now=NOW, lease_until=NOW + 60,
    )  # fmt: skip
    assert kept is not None and other is not None
    a.append_output(kept.id, "answer")
    await a.writer.flush()
    await _drop_writer_of(a, b)

    end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED, tokens_out=3,
                     usage_source="reported", cost_usd=0.5)  # fmt: skip
    end.result_from_output = True
    ended = a.finish_attempt(kept, end, NOW + 1)
    with pytest.raises(LedgerError, match="cannot write"):  # a plain write: told at once
        await a.update_task(task_id, NOW + 1, "touched", priority=3)
    assert await ended  # the end: kept, and written on the new connection
    assert a.writer.reconnects == 1

    [done] = await b.attempts_by_id([kept.id])
    task = await b.get_task(task_id)
    assert done.state is AttemptState.SUCCEEDED and done.cost_usd == 0.5
    assert task is not None and task.state is TaskState.SUCCEEDED and task.result == "answer"
    [running] = await b.attempts_by_id([other.id])  # renewed first, on the server's clock
    assert running.lease_until > time.time() + 30
