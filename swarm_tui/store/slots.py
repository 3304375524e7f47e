"""Provider slots in the ledger: a call made outside an attempt of its own (a consensus run's
model calls) holds a row of ``provider_slots`` while it runs, so a provider's
``max_concurrent`` holds across every process and host on the ledger.

A hold is taken in one write transaction that counts the attempts running on the provider
and the live holds on it (lease not past) against the limit; a claim counts the same
(:func:`busy_sync`). Holds are deleted when their call ends, renewed with the heartbeat, and
a dead owner's (lease past, or its process gone) are deleted by recovery.

:meth:`SlotRecords.swarm_load` is the cheap read the scheduler takes each pass: what runs on
each provider and model, by owner and agent, across the whole swarm.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from swarm_tui.store.reader import Reader
from swarm_tui.store.writer import GroupWriter

__all__ = ["LOAD_SQL", "LoadRow", "SlotRecords", "busy_sync", "drop_stale_slots_sync", "load_rows"]


@dataclass(frozen=True, slots=True)
class LoadRow:
    """``count`` attempts of ``agent`` running, or slots held (``agent`` empty), on
    ``provider``/``model`` by ``owner``."""

    provider: str
    model: str
    owner: str
    count: int
    agent: str = ""


LOAD_SQL = """
SELECT provider, model, owner, COUNT(*), agent FROM attempts WHERE state = 'running'
GROUP BY provider, model, owner, agent
UNION ALL
SELECT provider, model, owner, COUNT(*), '' FROM provider_slots WHERE lease_until >= ?
GROUP BY provider, model, owner"""


def load_rows(rows: Iterable[Collection[object]]) -> list[LoadRow]:
    out: list[LoadRow] = []
    for provider, model, owner, count, agent in rows:
        out.append(LoadRow(str(provider), str(model), str(owner), int(str(count)), str(agent)))
    return out


def busy_sync(conn: sqlite3.Connection, providers: Collection[str], now: float) -> dict[str, int]:
    """Attempts running plus live slot holds on each of ``providers``, across every owner."""
    wanted = sorted(set(providers))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    cur = conn.execute(
        f"""SELECT provider, SUM(n) FROM (
               SELECT provider, COUNT(*) AS n FROM attempts
               WHERE state = 'running' AND provider IN ({marks}) GROUP BY provider
               UNION ALL
               SELECT provider, COUNT(*) AS n FROM provider_slots
               WHERE lease_until >= ? AND provider IN ({marks}) GROUP BY provider)
            GROUP BY provider""",
        (*wanted, now, *wanted),
    )
    busy = {str(r[0]): int(r[1]) for r in cur.fetchall()}
    cur.close()
    return {p: busy.get(p, 0) for p in wanted}


def drop_stale_slots_sync(
    conn: sqlite3.Connection, is_dead: Callable[[str], bool], now: float
) -> int:
    """Delete holds whose lease is past or whose owner is gone; returns how many."""
    owners = [str(r[0]) for r in conn.execute("SELECT DISTINCT owner FROM provider_slots")]
    dead = [o for o in owners if is_dead(o)]
    marks = ",".join("?" * len(dead)) or "NULL"
    cur = conn.execute(
        f"DELETE FROM provider_slots WHERE lease_until < ? OR owner IN ({marks})", (now, *dead)
    )
    return cur.rowcount


class SlotRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self._writer = writer

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
        """Hold a slot on ``provider`` if what runs on it everywhere (attempts and live
        holds) is under ``limit``: the hold's id, or None when the provider is full."""

        def op(conn: sqlite3.Connection) -> int | None:
            if busy_sync(conn, [provider], now)[provider] >= limit:
                return None
            cur = conn.execute(
                """INSERT INTO provider_slots (provider, model, owner, purpose, lease_until,
                   taken_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id""",
                (provider, model, owner, purpose, lease_until, now),
            )
            row = cur.fetchone()
            cur.close()
            return int(row[0])

        taken: int | None = await self._writer.run_sync(op)
        return taken

    async def release_slot(self, slot_id: int) -> bool:
        """Give a hold back (its call ended); False if it was gone already (recovered)."""

        def op(conn: sqlite3.Connection) -> bool:
            return conn.execute("DELETE FROM provider_slots WHERE id = ?", (slot_id,)).rowcount > 0

        done: bool = await self._writer.run_sync(op)
        return done

    async def renew_slots(
        self, owner: str, now: float, lease_until: float, ids: Collection[int]
    ) -> int:
        """Extend the leases of ``owner``'s holds ``ids`` (the calls still running)."""
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0

        def op(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                f"UPDATE provider_slots SET lease_until = ? WHERE owner = ?"
                f" AND id IN ({','.join('?' * len(wanted))})",
                (lease_until, owner, *wanted),
            )
            return cur.rowcount

        renewed: int = await self._writer.run_sync(op)
        return renewed

    async def swarm_load(self, now: float) -> list[LoadRow]:
        """What runs on every provider and model, by owner and agent: running attempts (a
        row per agent) and live holds (``agent`` empty)."""
        return load_rows(await self._rows(LOAD_SQL, (now,)))
