"""Claims (``store/claims.py`` in PostgreSQL's dialect): one pass's tasks in one transaction,
their rows locked ``FOR UPDATE SKIP LOCKED`` (a task another transaction holds is skipped,
never waited for), each moved only from ``queued`` (fenced on state), so two hosts never
claim one task. A provider's and an agent's ``max_concurrent`` hold across every host: the
claim counts what runs on them everywhere (``store/claim_room.py``) under the feed's
advisory lock, which every write transaction takes first. Leases are kept on the server's
clock (each host's times moved by its measured offset).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from swarm_tui.domain.models import Attempt
from swarm_tui.store.claim_room import ClaimRoom
from swarm_tui.store.claims import Claim
from swarm_tui.store.holds import HoldAsk
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.holds import pg_book, pg_put_holds
from swarm_tui.store.pg.leases import OwnLeases
from swarm_tui.store.pg.slots import pg_busy
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.rows import attempt_from_row
from swarm_tui.store.spend import day_start

__all__ = ["PgClaims", "pg_agents_busy"]


def _attempt(row: Any) -> Attempt:
    return attempt_from_row(row)


class PgClaims:
    def __init__(
        self,
        writer: PgWriter,
        offset: Callable[[], float],
        limits: Callable[[], Mapping[str, int]] = dict,
        agent_limits: Callable[[], Mapping[str, int]] = dict,
        leases: OwnLeases | None = None,
    ) -> None:
        self.writer = writer
        self._offset = offset
        self._limits = limits
        """Per provider, how many attempts may run on it at once across every host."""
        self._agent_limits = agent_limits
        """Per agent, how many of its attempts may run at once across every host."""
        self._leases = leases or OwnLeases()
        """The attempts this ledger claimed, renewed first on a new connection."""

    async def claim_many(
        self, claims: Sequence[Claim], *, owner: str, now: float, lease_until: float
    ) -> list[Attempt | None]:
        """As the SQLite ledger's: each result the new attempt, or None where the task was
        no longer queued (or is being moved by another transaction right now), or beyond
        its provider's or its agent's limit on every host."""
        if not claims:
            return []
        batch = list(claims)
        shift = self._offset()
        limits, agent_limits = dict(self._limits()), dict(self._agent_limits())
        providers, agents = {c.provider for c in batch}, {c.agent for c in batch}
        held = [c.task_id for c in batch if c.hold is not None]

        async def op(conn: PgConn) -> list[Attempt | None]:
            cur = await conn.execute(
                "SELECT id FROM tasks WHERE id = ANY(%s) AND state = 'queued'"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                (sorted({c.task_id for c in batch}),),
            )
            free = {int(r[0]) for r in await cur.fetchall()}
            room = await _room(conn, limits, agent_limits, providers, agents, now + shift)
            book = await pg_book(conn, owner, day_start(now), held) if held else None
            # Each task locked here and still queued is claimed by its first claim of the
            # batch: the outcome is known before the statements run, so they go out in one
            # pipeline (one round trip for the pass, not one per claim).
            chosen: list[Claim | None] = []
            for claim in batch:
                if claim.task_id not in free or not room.fits(claim.provider, claim.agent):
                    chosen.append(None)
                    continue
                if claim.hold is not None and book is not None:
                    claim.hold.why = book.why_not(claim.agent, claim.task_id, claim.hold)
                    if claim.hold.why is not None:
                        chosen.append(None)
                        continue
                    book.add(claim.agent, claim.task_id, claim.hold.amount)
                free.discard(claim.task_id)
                room.take(claim.provider, claim.agent)
                chosen.append(claim)
            async with conn.pipeline():
                sent = [
                    None if c is None
                    else await conn.execute(*_claim_args(c, owner, now, lease_until + shift,
                                                         now + shift))
                    for c in chosen
                ]  # fmt: skip
            out: list[Attempt | None] = []
            for result in sent:
                row = None if result is None else await result.fetchone()
                out.append(None if row is None else _attempt(row))
            await pg_put_holds(conn, [
                (a.id, owner, c.agent, c.task_id, c.hold.amount, now)
                for c, a in zip(chosen, out, strict=True)
                if c is not None and c.hold is not None and a is not None
            ])  # fmt: skip
            return out

        claimed: list[Attempt | None] = await self.writer.run(op)
        self._leases.claimed(owner, lease_until - now, [a.id for a in claimed if a is not None])
        return claimed

    async def claim(
        self,
        task_id: int,
        *,
        agent: str,
        provider: str,
        model: str,
        reason: str,
        owner: str,
        now: float,
        lease_until: float,
        hold: HoldAsk | None = None,
    ) -> Attempt | None:
        [attempt] = await self.claim_many(
            [Claim(task_id, agent, provider, model, reason, hold)],
            owner=owner,
            now=now,
            lease_until=lease_until,
        )
        return attempt


async def pg_agents_busy(conn: PgConn, agents: Collection[str]) -> dict[str, int]:
    """Attempts running of each of ``agents``, across every host."""
    wanted = sorted(set(agents))
    if not wanted:
        return {}
    cur = await conn.execute(
        "SELECT agent, COUNT(*) FROM attempts WHERE state = 'running' AND agent = ANY(%s)"
        " GROUP BY agent",
        (wanted,),
    )
    busy = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
    return {a: busy.get(a, 0) for a in wanted}


async def _room(
    conn: PgConn,
    limits: Mapping[str, int],
    agent_limits: Mapping[str, int],
    providers: Collection[str],
    agents: Collection[str],
    server_now: float,
) -> ClaimRoom:
    """Free places per limited provider and agent: a provider's limit less the attempts
    running on it and the live slot holds on it, an agent's less its attempts running, on
    every host (write transactions are serialised, so no other claim or hold can slip in
    between this count and the claims)."""
    return ClaimRoom.of(
        limits,
        await pg_busy(conn, [p for p in providers if p in limits], server_now),
        agent_limits,
        await pg_agents_busy(conn, [a for a in agents if a in agent_limits]),
    )


_CLAIM = """
WITH moved AS (
    UPDATE tasks SET state = 'running', attempts = attempts + 1, pin = NULL,
           started_at = COALESCE(started_at, %(now)s), updated_at = %(now)s
    WHERE id = %(task)s AND state = 'queued' RETURNING id, attempts),
made AS (
    INSERT INTO attempts (task_id, number, agent, provider, model, state, owner, lease_until,
                          heartbeat_at, routing_reason, started_at)
    SELECT id, attempts, %(agent)s, %(provider)s, %(model)s, 'running', %(owner)s, %(lease)s,
           %(beat)s, %(reason)s, %(now)s FROM moved
    RETURNING *),
logged AS (
    INSERT INTO events (ts, kind, task_id, attempt_id, data)
    SELECT %(now)s, 'attempt_started', task_id, id, %(head)s || number || %(tail)s FROM made)
SELECT * FROM made"""
"""One claim in one round trip: the task moved (fenced on ``queued``), its attempt opened and
the event logged, its data the same JSON as ``json.dumps(..., sort_keys=True)``."""


def _claim_args(
    claim: Claim, owner: str, now: float, lease_until: float, beat: float
) -> tuple[str, dict[str, Any]]:
    model = f"{claim.provider}/{claim.model}"
    head = json.dumps({"agent": claim.agent, "model": model}, sort_keys=True)[:-1]
    return _CLAIM, {
        "now": now, "task": claim.task_id, "agent": claim.agent, "provider": claim.provider,
        "model": claim.model, "owner": owner, "lease": lease_until, "beat": beat,
        "reason": claim.reason, "head": head + ', "number": ',
        "tail": ', "reason": ' + json.dumps(claim.reason) + "}",
    }  # fmt: skip
