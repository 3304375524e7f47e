"""Claiming queued tasks: a whole scheduling pass in one transaction.

A claim moves a task ``queued -> running`` and opens its next attempt, fenced on the state:
a task someone else moved first (another process, a cancel, an earlier claim in the same
batch) is not claimed, and the other claims of the batch still apply. A claim with a budget
hold (``store/holds.py``) is admitted only if its worst case fits every limit, counting what
every process and host holds, and its hold is written in the same transaction.
A provider or an agent with a limit (``max_concurrent``: :attr:`Ledger.provider_limits`,
:attr:`Ledger.agent_limits`) takes no claim beyond it, counting what runs on it in every
process and on every host (``store/claim_room.py``): the write transaction is the ledger's
only one at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from swarm_tui.domain.models import Attempt
from swarm_tui.store.claim_room import room_sync
from swarm_tui.store.holds import HoldAsk, HoldBook, book_sync, put_hold_sync
from swarm_tui.store.records import write_event_sync
from swarm_tui.store.rows import attempt_from_row
from swarm_tui.store.spend import day_start
from swarm_tui.store.writer import GroupWriter

__all__ = ["Claim", "Claims"]


@dataclass(frozen=True, slots=True)
class Claim:
    """One task to start, on the model the router chose, with its reason in words."""

    task_id: int
    agent: str
    provider: str
    model: str
    reason: str
    hold: HoldAsk | None = field(default=None, compare=False)
    """The budget hold to take with it (None: no budget check in the ledger)."""


def _claim_one(
    conn: sqlite3.Connection, claim: Claim, owner: str, now: float, lease_until: float,
    book: HoldBook | None,
) -> Attempt | None:  # fmt: skip
    ask = claim.hold
    if ask is not None and book is not None:
        ask.why = book.why_not(claim.agent, claim.task_id, ask)
        if ask.why is not None:
            return None
    cur = conn.execute(
        """UPDATE tasks SET state = 'running', attempts = attempts + 1, pin = NULL,
           started_at = COALESCE(started_at, ?), updated_at = ?
           WHERE id = ? AND state = 'queued'
           RETURNING attempts""",
        (now, now, claim.task_id),
    )
    moved = cur.fetchone()
    cur.close()
    if moved is None:
        return None
    cur = conn.execute(
        """INSERT INTO attempts (task_id, number, agent, provider, model, state, owner,
           lease_until, heartbeat_at, routing_reason, started_at)
           VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?) RETURNING *""",
        (claim.task_id, moved[0], claim.agent, claim.provider, claim.model, owner,
         lease_until, now, claim.reason, now),
    )  # fmt: skip
    row = cur.fetchone()
    cur.close()
    attempt = attempt_from_row(row)
    if ask is not None and book is not None:
        put_hold_sync(conn, attempt.id, owner, claim.agent, claim.task_id, ask.amount, now)
        book.add(claim.agent, claim.task_id, ask.amount)
    write_event_sync(
        conn,
        now,
        "attempt_started",
        claim.task_id,
        attempt.id,
        {
            "number": attempt.number,
            "agent": claim.agent,
            "model": f"{claim.provider}/{claim.model}",
            "reason": claim.reason,
        },
    )
    return attempt


class Claims:
    def __init__(
        self,
        writer: GroupWriter,
        limits: Callable[[], Mapping[str, int]] = dict,
        agent_limits: Callable[[], Mapping[str, int]] = dict,
    ) -> None:
        self.writer = writer
        self._limits = limits
        """Per provider, how many attempts may run on it at once across every process."""
        self._agent_limits = agent_limits
        """Per agent, how many of its attempts may run at once across every process."""

    async def claim_many(
        self, claims: Sequence[Claim], *, owner: str, now: float, lease_until: float
    ) -> list[Attempt | None]:
        """Claim every task of ``claims`` in one transaction, in order. Each result is the new
        attempt, or None where the task was no longer queued (so a task listed twice is
        claimed once) or its budget hold did not fit (the hold's ``why`` says so). A
        reassigned agent (``pin_agent``) sticks for every later attempt; a pinned model
        (``pin``) is used once, then the agent's mix and fallbacks apply again. A claim
        beyond its provider's or its agent's limit (counting every owner) is None too."""
        if not claims:
            return []
        batch = list(claims)
        held = [c.task_id for c in batch if c.hold is not None]
        limits, agent_limits = dict(self._limits()), dict(self._agent_limits())
        providers, agents = {c.provider for c in batch}, {c.agent for c in batch}

        def op(conn: sqlite3.Connection) -> list[Attempt | None]:
            book = book_sync(conn, owner, day_start(now), held) if held else None
            room = room_sync(conn, limits, agent_limits, providers, agents, now)
            out: list[Attempt | None] = []
            for claim in batch:
                if not room.fits(claim.provider, claim.agent):
                    out.append(None)
                    continue
                attempt = _claim_one(conn, claim, owner, now, lease_until, book)
                if attempt is not None:
                    room.take(claim.provider, claim.agent)
                out.append(attempt)
            return out

        claimed: list[Attempt | None] = await self.writer.run_sync(op)
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
        """queued -> running with a new attempt; None if someone else moved the task first
        (or ``hold`` did not fit: its ``why`` says why)."""
        [attempt] = await self.claim_many(
            [Claim(task_id, agent, provider, model, reason, hold)],
            owner=owner,
            now=now,
            lease_until=lease_until,
        )
        return attempt
