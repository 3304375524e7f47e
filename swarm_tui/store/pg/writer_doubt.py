"""What became of a write transaction whose connection was lost while it committed.

PostgreSQL answers it by transaction id: ``txid_status(txid_current())`` is ``committed``,
``aborted`` or ``in progress`` (its session not yet gone on the server). A crash that lost the
commit's WAL makes the id one the server has not reached yet ("in the future"): not written.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from swarm_tui.store.pg.connect import PgConn

__all__ = ["DOUBT_WAIT_S", "Doubt", "outcome"]

DOUBT_WAIT_S = 10.0
"""How long the callers of a batch in doubt wait for its outcome before they are told it is
unknown (the outcome is still settled, before any other batch, once the server answers)."""


@dataclass(slots=True)
class Doubt:
    """A batch whose commit's outcome is not known yet."""

    txid: int
    ops: list[Any]
    """Its ``_Pending`` ops, in order."""
    chunks: dict[int, list[str]]
    results: list[tuple[Any, BaseException | None, Any]]
    since: float = field(default_factory=time.monotonic)
    told: bool = False
    """Its callers were already told the outcome is unknown."""


async def outcome(conn: PgConn, txid: int) -> bool | None:
    """True: committed; False: not (rolled back, or lost in a crash); None: not known yet."""
    try:
        cur = await conn.execute("SELECT txid_status(%s)", (txid,))
    except psycopg.errors.InvalidParameterValue:  # "in the future": its WAL was lost
        return False
    row = await cur.fetchone()
    status = None if row is None else row[0]
    if status == "committed":
        return True
    if status == "in progress":
        await asyncio.sleep(0.05)  # its old session is still being ended on the server
        return None
    return False  # aborted (NULL: too old to know, never the case for a batch just sent)
