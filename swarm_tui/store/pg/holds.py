"""Budget holds (``store/holds.py``) in PostgreSQL's dialect: the figures a batch of claims
is checked against and the holds' rows, read and written inside the claiming transaction,
which holds the feed's advisory lock (``schema.FEED_LOCK``) from its first statement: every
host's claims are checked one transaction after another, each seeing the holds before it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from swarm_tui.store.holds import LIVE, HoldBook
from swarm_tui.store.pg.connect import PgConn

__all__ = ["pg_book", "pg_put_holds"]


async def pg_book(conn: PgConn, owner: str, day_from: float, task_ids: Iterable[int]) -> HoldBook:
    book = HoldBook(owner)
    cur = await conn.execute(
        "SELECT COALESCE(SUM(cost_usd), 0)::float8 FROM usage WHERE ts >= %s", (day_from,)
    )
    row = await cur.fetchone()
    book.day = float(row[0]) if row is not None else 0.0
    cur = await conn.execute(
        "SELECT agent, COALESCE(SUM(cost_usd), 0)::float8 FROM attempts WHERE owner = %s"
        " GROUP BY agent",
        (owner,),
    )
    book.run_by_agent = {str(r[0]): float(r[1]) for r in await cur.fetchall()}
    ids = sorted({int(i) for i in task_ids})
    if ids:
        cur = await conn.execute(
            "SELECT task_id, COALESCE(SUM(cost_usd), 0)::float8 FROM attempts"
            " WHERE task_id = ANY(%s) GROUP BY task_id",
            (ids,),
        )
        book.by_task = {int(r[0]): float(r[1]) for r in await cur.fetchall()}
    cur = await conn.execute(LIVE)
    book.holds = [(str(r[0]), str(r[1]), int(r[2]), float(r[3])) for r in await cur.fetchall()]
    return book


async def pg_put_holds(
    conn: PgConn, holds: Sequence[tuple[int, str, str, int, float, float]]
) -> None:
    """Insert ``(attempt_id, owner, agent, task_id, amount, created)`` rows."""
    if not holds:
        return
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO budget_holds (attempt_id, owner, agent, task_id, amount, created)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            list(holds),
        )
