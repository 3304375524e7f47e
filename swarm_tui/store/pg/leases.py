"""This ledger's own running attempts, whose leases are renewed first thing after the server
was away.

An outage longer than ``lease_seconds`` leaves every lease behind the server's clock when it
comes back. The heartbeat would renew them, but another host's recovery may reach the server
first and take them for expired. So the writer's first batch on a new connection renews them
before anything else it sends (:meth:`OwnLeases.renew_first`), on the server's own clock: the
attempts the heartbeat last named, and those claimed since. An attempt another host took
meanwhile is not renewed (it is no longer ``running``); the heartbeat sees it and stops it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from swarm_tui.store.pg.connect import PgConn

__all__ = ["OwnLeases"]


class OwnLeases:
    def __init__(self) -> None:
        self.owner: str | None = None
        self.seconds = 0.0
        """How long a lease runs (as the last renewal or claim set it)."""
        self.ids: set[int] = set()
        self.renewed_first = 0
        """Leases renewed first thing on a new connection (all connections together)."""

    def renewed(self, owner: str, seconds: float, ids: Collection[int] | None) -> None:
        """The heartbeat renewed ``ids`` (None: all of ``owner``'s): they are ours now."""
        if owner != self.owner:
            self.owner, self.ids = owner, set()
        self.seconds = max(self.seconds, seconds) if ids is None else seconds
        if ids is not None:
            self.ids = {int(i) for i in ids}

    def claimed(self, owner: str, seconds: float, ids: Iterable[int]) -> None:
        if owner != self.owner:
            self.owner, self.ids = owner, set()
        self.seconds = max(self.seconds, seconds)
        self.ids.update(ids)

    def ended(self, attempt_id: int) -> None:
        self.ids.discard(attempt_id)

    async def renew_first(self, conn: PgConn) -> None:
        """The writer's first op on a new connection: our leases, on the server's clock."""
        if self.owner is None or not self.ids or self.seconds <= 0:
            return
        cur = await conn.execute(
            """UPDATE attempts SET heartbeat_at = EXTRACT(EPOCH FROM clock_timestamp()),
               lease_until = EXTRACT(EPOCH FROM clock_timestamp()) + %s
               WHERE owner = %s AND state = 'running' AND id = ANY(%s)""",
            (self.seconds, self.owner, sorted(self.ids)),
        )
        self.renewed_first += max(cur.rowcount, 0)
