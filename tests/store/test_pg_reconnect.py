"""The PostgreSQL ledger's read and LISTEN connections dropped by the server (as a restart or
a network drop does): reads at once connect again once, the listener listens again, and the
feed read from its cursor misses nothing written meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from tests.core.test_feed import wait_until
from tests.store.test_ledger import new

NOW = 1000.0


@pytest.fixture
async def led(pg_target: PgTarget, tmp_path: Path) -> AsyncIterator[PgLedger]:
    ledger = await PgLedger.open(pg_target, tmp_path / "ledger.db", commit_interval=0.005)
    yield ledger
    await ledger.close()


async def _drop_all_but_the_writer(led: PgLedger) -> int:
    async def op(conn: PgConn) -> int:
        cur = await conn.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    dropped: int = await led.writer.run(op)
    return dropped


async def test_dropped_reads_and_listen_connect_again_and_the_feed_misses_nothing(
    led: PgLedger,
) -> None:
    await led.insert_tasks([new("before")], NOW)
    cursor = (await led.changes.since(0)).cursor
    listens = led.changes.listens
    assert await _drop_all_but_the_writer(led) >= 2  # the reads' and the LISTEN one
    [(meanwhile, _)] = await led.insert_tasks([new("while the listener was away")], NOW)

    titles = await asyncio.gather(*(led.list_tasks() for _ in range(8)))  # reads at once
    assert all(
        [t.title for t in found] == ["before", "while the listener was away"] for found in titles
    )
    assert led._reader.reconnects == 1  # one new connection, shared by every read

    await wait_until(lambda: led.changes.listens > listens, "the listener to listen again")
    batch = await led.changes.since(cursor)
    assert not batch.lost
    assert [c.task_id for c in batch.changes if c.kind == "task"] == [meanwhile]  # read on
