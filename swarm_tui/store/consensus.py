"""Ledger records of consensus and review runs: the whole record per task (JSON) with its
decision in columns, and the figures each model earned in it (answers, votes won, review
scores, cost) for ``report`` and for routing's quality score.

Writes go through the ledger's group-commit writer (durable when the call returns), reads use
its read connection. The records themselves are plain values in ``domain/reads.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import aiosqlite

from swarm_tui.domain.reads import ConsensusRow, ModelFigures
from swarm_tui.store.reader import Reader
from swarm_tui.store.records import write_event
from swarm_tui.store.writer import GroupWriter

__all__ = ["ConsensusRecords", "ConsensusRow", "ModelFigures"]


_UPSERT = """INSERT INTO consensus (task_id, attempt_id, mode, status, decided_by, winner, margin,
    cost_usd, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (task_id) DO UPDATE SET attempt_id = excluded.attempt_id, mode = excluded.mode,
    status = excluded.status, decided_by = excluded.decided_by, winner = excluded.winner,
    margin = excluded.margin, cost_usd = excluded.cost_usd, record = excluded.record,
    updated_at = excluded.updated_at"""

_COLUMNS = "task_id, attempt_id, mode, status, decided_by, winner, margin, cost_usd, record"


async def _save(conn: aiosqlite.Connection, row: ConsensusRow, now: float) -> None:
    await conn.execute(
        _UPSERT,
        (
            row.task_id,
            row.attempt_id,
            row.mode,
            row.status,
            row.decided_by,
            row.winner,
            row.margin,
            row.cost_usd,
            row.record,
            now,
            now,
        ),
    )
    await conn.execute("DELETE FROM consensus_models WHERE task_id = ?", (row.task_id,))
    await conn.executemany(
        """INSERT INTO consensus_models (task_id, model, answers, won, votes, score, reviews,
           cost_usd, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (row.task_id, m.model, m.answers, m.won, m.votes, m.score, m.reviews, m.cost_usd, now)
            for m in row.models
        ],
    )


class ConsensusRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def save_consensus(self, row: ConsensusRow, now: float) -> None:
        """Insert or replace the record of ``row.task_id`` (a re-run replaces the last one)."""

        async def op(conn: aiosqlite.Connection) -> None:
            await _save(conn, row, now)

        await self.writer.run(op)

    async def settle_consensus(
        self,
        row: ConsensusRow,
        result: str | None,
        now: float,
        *,
        extra_cost: float = 0.0,
        agent: str = "",
        event: str = "vote",
        to_state: str = "succeeded",
    ) -> bool:
        """A waiting run changed after its attempt ended (the human or the arbiter spoke):
        in one transaction the record is replaced, the task moves from ``needs_vote`` to
        ``to_state`` (``succeeded``; ``needs_review`` for consensus over code, whose chosen
        candidate waits for review) with ``result`` (None: it keeps waiting), and a late call's
        ``extra_cost`` is added to the run's attempt and the usage ledger. False (nothing
        written) when the task no longer waits."""

        if to_state not in ("succeeded", "needs_review"):
            raise ValueError(
                f"a settled conflict goes to succeeded or needs_review, not {to_state}"
            )

        async def op(conn: aiosqlite.Connection) -> bool:
            if result is None:
                async with conn.execute(
                    "SELECT 1 FROM tasks WHERE id = ? AND state = 'needs_vote'", (row.task_id,)
                ) as cur:
                    if await cur.fetchone() is None:
                        return False
            else:
                cur = await conn.execute(
                    """UPDATE tasks SET state = ?, result = ?, error = NULL,
                       updated_at = ?, finished_at = ? WHERE id = ? AND state = 'needs_vote'""",
                    (to_state, result, now, now, row.task_id),
                )
                if cur.rowcount == 0:
                    return False
            await _save(conn, row, now)
            if extra_cost:
                await conn.execute(
                    "UPDATE attempts SET cost_usd = cost_usd + ? WHERE id = ?",
                    (extra_cost, row.attempt_id),
                )
                await conn.execute(
                    """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                       cost_usd, source) VALUES (?, ?, ?, ?, 'consensus', ?, ?, 'unknown')""",
                    (now, row.task_id, row.attempt_id, agent, row.mode, extra_cost),
                )
            to = to_state if result is not None else "needs_vote"
            data = {"to": to, "by": row.decided_by, "winner": row.winner}
            await write_event(conn, now, event, row.task_id, row.attempt_id, data=data)
            return True

        done: bool = await self.writer.run(op)
        return done

    async def consensus(self, task_id: int) -> ConsensusRow | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS}, updated_at FROM consensus WHERE task_id = ?", (task_id,)
        )
        return _row(rows[0]) if rows else None

    async def waiting_consensus(self) -> list[ConsensusRow]:
        """Runs that wait for the human, oldest task first (their tasks are ``needs_vote``)."""
        rows = await self._rows(
            f"""SELECT {", ".join("c." + c for c in _COLUMNS.split(", "))}, c.updated_at
                FROM consensus c JOIN tasks t ON t.id = c.task_id
                WHERE c.status = 'needs_human' AND t.state = 'needs_vote' ORDER BY c.task_id"""
        )
        return [_row(r) for r in rows]

    async def consensus_since(self, since: float) -> list[ConsensusRow]:
        rows = await self._rows(
            f"SELECT {_COLUMNS}, updated_at FROM consensus WHERE updated_at >= ? ORDER BY task_id",
            (since,),
        )
        out = [_row(r) for r in rows]
        figures = await self._rows(
            """SELECT m.task_id, m.model, m.answers, m.won, m.votes, m.score, m.reviews,
                      m.cost_usd FROM consensus_models m JOIN consensus c ON c.task_id = m.task_id
               WHERE c.updated_at >= ? ORDER BY m.task_id, m.model""",
            (since,),
        )
        by_task: dict[int, list[ModelFigures]] = {}
        for f in figures:
            by_task.setdefault(int(f[0]), []).append(ModelFigures(*tuple(f[1:])))
        return [_with_models(r, by_task.get(r.task_id, ())) for r in out]

    async def model_standing(self, models: Sequence[str], window: int) -> dict[str, float]:
        """Per model: the share of its last ``window`` decided answers that won (0..1);
        models with no decided answer yet are left out."""
        if not models:
            return {}
        marks = ",".join("?" * len(models))
        rows = await self._rows(
            f"""SELECT model, SUM(answers), SUM(won) FROM (
                  SELECT m.model, m.answers, m.won, ROW_NUMBER() OVER (
                    PARTITION BY m.model ORDER BY m.ts DESC) AS n
                  FROM consensus_models m JOIN consensus c ON c.task_id = m.task_id
                  WHERE m.model IN ({marks}) AND m.answers > 0 AND c.status = 'decided'
                    AND c.mode = 'consensus')
                WHERE n <= ? GROUP BY model""",
            (*models, window),
        )
        return {str(r[0]): int(r[2]) / int(r[1]) for r in rows if r[1]}


def _row(r: Sequence[Any]) -> ConsensusRow:
    return ConsensusRow(
        int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6], float(r[7]), r[8], updated_at=r[9]
    )


def _with_models(row: ConsensusRow, models: Sequence[ModelFigures]) -> ConsensusRow:
    return dataclasses.replace(row, models=tuple(models))
