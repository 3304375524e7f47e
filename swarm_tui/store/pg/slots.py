"""Provider slots (``store/slots.py``) in PostgreSQL's dialect. Leases are kept on the
server's clock, as attempts' are: each host's times are moved by its measured offset, so a
host whose clock is wrong neither outlives its holds nor loses them early. Every write
transaction takes the feed's advisory lock first (``schema.FEED_LOCK``), so a hold's count
and insert, and a claim's, never interleave with another host's."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.slots import LOAD_SQL, LoadRow, load_rows

__all__ = ["PgSlots", "pg_busy", "pg_drop_stale_slots"]

_LOAD = LOAD_SQL.replace("?", "%s")


async def pg_busy(conn: PgConn, providers: Collection[str], server_now: float) -> dict[str, int]:
    """Attempts running plus live slot holds on each of ``providers``, across every host."""
    wanted = sorted(set(providers))
    if not wanted:
        return {}
    cur = await conn.execute(
        """SELECT provider, SUM(n) FROM (
               SELECT provider, COUNT(*) AS n FROM attempts
               WHERE state = 'running' AND provider = ANY(%s) GROUP BY provider
               UNION ALL
               SELECT provider, COUNT(*) AS n FROM provider_slots
               WHERE lease_until >= %s AND provider = ANY(%s) GROUP BY provider) AS busy
           GROUP BY provider""",
        (wanted, server_now, wanted),
    )
    busy = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
    return {p: busy.get(p, 0) for p in wanted}


async def pg_drop_stale_slots(
    conn: PgConn, is_dead: Callable[[str], bool], server_now: float
) -> int:
    """Delete holds whose lease is past (server time) or whose owner is gone."""
    cur = await conn.execute("SELECT DISTINCT owner FROM provider_slots")
    dead = [str(r[0]) for r in await cur.fetchall() if is_dead(str(r[0]))]
    cur = await conn.execute(
        "DELETE FROM provider_slots WHERE lease_until < %s OR owner = ANY(%s)",
        (server_now, dead),
    )
    return cur.rowcount


class PgSlots:
    def __init__(self, reader: PgReader, writer: PgWriter, offset: Callable[[], float]) -> None:
        self._rows = reader.rows
        self._writer = writer
        self._offset = offset

    async def take_slot(
        self,
        provider: str,
        model: str,
        *,
        limit: int,
        owner: str,
        purpose: str,
        now: float,
        lease_until: float,
    ) -> int | None:
        shift = self._offset()

        async def op(conn: PgConn) -> int | None:
            busy = await pg_busy(conn, [provider], now + shift)
            if busy[provider] >= limit:
                return None
            cur = await conn.execute(
                """INSERT INTO provider_slots (provider, model, owner, purpose, lease_until,
                   taken_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
                (provider, model, owner, purpose, lease_until + shift, now),
            )
            row = await cur.fetchone()
            return None if row is None else int(row[0])

        taken: int | None = await self._writer.run(op)
        return taken

    async def release_slot(self, slot_id: int) -> bool:
        async def op(conn: PgConn) -> bool:
            cur = await conn.execute("DELETE FROM provider_slots WHERE id = %s", (slot_id,))
            return cur.rowcount > 0

        done: bool = await self._writer.run(op)
        return done

    async def renew_slots(
        self, owner: str, now: float, lease_until: float, ids: Collection[int]
    ) -> int:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        args: tuple[Any, ...] = (lease_until + self._offset(), owner, wanted)

        async def op(conn: PgConn) -> int:
            cur = await conn.execute(
                "UPDATE provider_slots SET lease_until = %s WHERE owner = %s AND id = ANY(%s)",
                args,
            )
            return cur.rowcount

        renewed: int = await self._writer.run(op)
        return renewed

    async def swarm_load(self, now: float) -> list[LoadRow]:
        return load_rows(await self._rows(_LOAD, (now + self._offset(),)))
