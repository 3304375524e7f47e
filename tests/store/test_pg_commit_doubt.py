"""The PostgreSQL writer's connection is lost while a batch commits: the outcome is asked of
the server (``txid_status``) before anything else is written, and the batch is never applied
twice (committed: its callers get their results, its streamed text is not written again) nor
lost (not committed: its text is written again, its callers told so they try again)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from swarm_tui.store.pg.writer_doubt import outcome
from tests.store.test_ledger import claim, new

NOW = 1000.0


class LostAtCommit:
    """The writer's connection, whose next outer COMMIT is lost on the way back:
    ``committed`` says whether the server had committed it before the line dropped."""

    def __init__(self, conn: PgConn, *, committed: bool) -> None:
        self._conn = conn
        self._committed = committed
        self._depth = 0
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    @property
    def closed(self) -> bool:
        return self.broken or self._conn.closed

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self._depth += 1
        try:
            if self._depth > 1 or self.broken:  # a savepoint
                async with self._conn.transaction():
                    yield
                return
            async with self._conn.transaction():
                yield
                if not self._committed:
                    raise psycopg.Rollback()  # the server never got the COMMIT
            self.broken = True
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        finally:
            self._depth -= 1


@pytest.fixture
async def led(pg_target: PgTarget, tmp_path: Path) -> AsyncIterator[PgLedger]:
    ledger = await PgLedger.open(pg_target, tmp_path / "ledger.db", commit_interval=0.005)
    yield ledger
    await ledger.close()


async def _output(led: PgLedger, attempt_id: int) -> str:
    [attempt] = await led.attempts_by_id([attempt_id])
    return attempt.output


@pytest.mark.parametrize("committed", [True, False])
async def test_a_batch_lost_at_commit_is_settled_by_the_server_never_twice(
    led: PgLedger, committed: bool
) -> None:
    [task_id] = [i for i, _ in await led.insert_tasks([new("running")], NOW)]
    attempt = await claim(cast(Any, led), task_id)
    assert attempt is not None
    led.append_output(attempt.id, "before ")
    await led.writer.flush()

    lossy = LostAtCommit(led.writer.conn, committed=committed)
    led.writer.conn = cast(PgConn, lossy)
    led.append_output(attempt.id, "in doubt ")
    insert = led.insert_tasks([new("inserted in doubt")], NOW)
    if committed:
        [(new_id, _)] = await insert  # the caller gets its result: it was written
        titles = [t.title for t in await led.list_tasks()]
        assert titles.count("inserted in doubt") == 1 and new_id in {
            t.id for t in await led.list_tasks()
        }
    else:
        with pytest.raises(LedgerError, match="connection was lost"):
            await insert  # nothing was written: the caller tries again
        assert "inserted in doubt" not in [t.title for t in await led.list_tasks()]
    assert lossy.broken and led.writer.doubts == 1 and led.writer.conn is not lossy
    led.append_output(attempt.id, "after")
    await led.writer.flush()
    assert await _output(led, attempt.id) == "before in doubt after"  # once, in order


async def test_outcome_tells_committed_rolled_back_and_never_reached(led: PgLedger) -> None:
    conn = led.writer.conn
    ids: list[int] = []
    for keep in (True, False):
        with contextlib.suppress(psycopg.Rollback):
            async with conn.transaction():
                cur = await conn.execute("SELECT txid_current()")
                row = await cur.fetchone()
                assert row is not None
                ids.append(int(row[0]))
                if not keep:
                    raise psycopg.Rollback()
    kept, rolled_back = ids
    assert await outcome(conn, kept) is True
    assert await outcome(conn, rolled_back) is False
    assert await outcome(conn, kept + 1_000_000) is False  # a crash lost its WAL: not written


async def test_callers_told_when_the_server_stays_away_and_the_doubt_settled_later(
    led: PgLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("swarm_tui.store.pg.writer.DOUBT_WAIT_S", 0.0)
    [task_id] = [i for i, _ in await led.insert_tasks([new("running")], NOW)]
    attempt = await claim(cast(Any, led), task_id)
    assert attempt is not None
    away = True
    reconnect = led.writer._reconnect

    async def while_away() -> PgConn:
        if away:
            raise LedgerError("cannot connect: Connection refused")
        return await reconnect()

    led.writer._reconnect = while_away
    led.writer.conn = cast(PgConn, LostAtCommit(led.writer.conn, committed=True))
    led.append_output(attempt.id, "in doubt ")
    with pytest.raises(LedgerError, match="not known yet"):
        await led.insert_tasks([new("inserted in doubt")], NOW)
    led.append_output(attempt.id, "meanwhile")  # kept behind the batch in doubt
    with pytest.raises(LedgerError, match="server is away"):
        await led.writer.flush()  # nothing commits before the doubt is settled
    away = False
    await led.writer.flush()
    titles = [t.title for t in await led.list_tasks()]
    assert titles.count("inserted in doubt") == 1  # it had been written: not written again
    assert await _output(led, attempt.id) == "in doubt meanwhile"
