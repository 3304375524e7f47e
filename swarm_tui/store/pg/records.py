"""Flags, tool calls, approvals, shared memory, consensus records and spend reads
(``store/flags.py``, ``tools.py``, ``consensus.py``, ``spend.py`` in PostgreSQL's dialect),
returning the same records."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from swarm_tui.domain.reads import AttemptFigures, ConsensusRow, ModelFigures, ReportFigures, Totals
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.evals import PgEvals
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.task_writes import pg_event
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.spend import HELD_ELSEWHERE, Spent, day_start
from swarm_tui.store.tools import Approval, MemoryEntry, ToolCallRecord

__all__ = ["PgConsensus", "PgFlags", "PgSpend", "PgTools"]

_HELD_ELSEWHERE = HELD_ELSEWHERE.replace("?", "%s")


class PgFlags:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self._writer = writer

    async def flags(self) -> dict[str, str]:
        return {str(r[0]): str(r[1]) for r in await self._rows("SELECT name, value FROM flags")}

    async def set_flag(self, name: str, value: str | None, now: float) -> None:
        async def op(conn: PgConn) -> None:
            if value is None:
                await conn.execute("DELETE FROM flags WHERE name = %s", (name,))
            else:
                await conn.execute(
                    "INSERT INTO flags (name, value) VALUES (%s, %s) ON CONFLICT (name)"
                    " DO UPDATE SET value = excluded.value",
                    (name, value),
                )
            await pg_event(conn, now, "flag", None, data={"name": name, "value": value})

        await self._writer.run(op)


class PgTools:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def record_tool_call(self, rec: ToolCallRecord) -> None:
        async def op(conn: PgConn) -> None:
            await conn.execute(
                "INSERT INTO tool_calls (ts, task_id, attempt_id, call_id, tool, arguments,"
                " outcome, result_chars, duration_ms, approved_by, error)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (rec.ts, rec.task_id, rec.attempt_id, rec.call_id, rec.tool,
                 json.dumps(rec.arguments, sort_keys=True), rec.outcome, rec.result_chars,
                 rec.duration_ms, rec.approved_by, rec.error),
            )  # fmt: skip

        await self.writer.run(op)

    async def tool_calls(
        self, *, task_id: int | None = None, attempt_id: int | None = None
    ) -> list[ToolCallRecord]:
        where: list[str] = []
        args: list[Any] = []
        if task_id is not None:
            where.append("task_id = %s")
            args.append(task_id)
        if attempt_id is not None:
            where.append("attempt_id = %s")
            args.append(attempt_id)
        sql = (
            "SELECT task_id, attempt_id, call_id, tool, arguments, outcome, result_chars,"
            " duration_ms, approved_by, error, ts FROM tool_calls"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self._rows(sql + " ORDER BY id", args)
        return [
            ToolCallRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), *tuple(r[5:])) for r in rows
        ]

    async def approval(self, agent: str, tool: str) -> Approval | None:
        rows = await self._rows(
            "SELECT agent, tool, def_hash, decision, decided_by, ts FROM tool_approvals"
            " WHERE agent = %s AND tool = %s",
            (agent, tool),
        )
        return Approval(*rows[0]) if rows else None

    async def set_approval(self, approval: Approval) -> None:
        async def op(conn: PgConn) -> None:
            await conn.execute(
                "INSERT INTO tool_approvals (agent, tool, def_hash, decision, decided_by, ts)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (agent, tool) DO UPDATE SET"
                " def_hash = excluded.def_hash, decision = excluded.decision,"
                " decided_by = excluded.decided_by, ts = excluded.ts",
                (approval.agent, approval.tool, approval.def_hash, approval.decision,
                 approval.decided_by, approval.ts),
            )  # fmt: skip

        await self.writer.run(op)

    async def memory(self, project: str, name: str) -> MemoryEntry | None:
        rows = await self._rows(
            "SELECT project, name, content, author, created_at, updated_at FROM memories"
            " WHERE project = %s AND name = %s",
            (project, name),
        )
        return MemoryEntry(*rows[0]) if rows else None

    async def memories(self, project: str, prefix: str = "") -> list[MemoryEntry]:
        rows = await self._rows(
            "SELECT project, name, content, author, created_at, updated_at FROM memories"
            ' WHERE project = %s AND left(name, %s) = %s ORDER BY name COLLATE "C"',
            (project, len(prefix), prefix),
        )
        return [MemoryEntry(*r) for r in rows]

    async def put_memory(
        self, project: str, name: str, content: str, author: str, now: float
    ) -> None:
        async def op(conn: PgConn) -> None:
            await conn.execute(
                "INSERT INTO memories (project, name, content, author, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (project, name) DO UPDATE SET"
                " content = excluded.content, author = excluded.author,"
                " updated_at = excluded.updated_at",
                (project, name, content, author, now, now),
            )

        await self.writer.run(op)

    async def update_memory(
        self, project: str, name: str, change: Callable[[str], str], author: str, now: float
    ) -> bool:
        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                "SELECT content FROM memories WHERE project = %s AND name = %s FOR UPDATE",
                (project, name),
            )
            row = await cur.fetchone()
            if row is None:
                return False
            await conn.execute(
                "UPDATE memories SET content = %s, author = %s, updated_at = %s"
                " WHERE project = %s AND name = %s",
                (change(str(row[0])), author, now, project, name),
            )
            return True

        return bool(await self.writer.run(op))

    async def delete_memory(self, project: str, name: str) -> bool:
        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                "DELETE FROM memories WHERE project = %s AND name = %s", (project, name)
            )
            return cur.rowcount > 0

        return bool(await self.writer.run(op))

    async def rename_memory(
        self, project: str, old: str, new: str, author: str, now: float
    ) -> str | None:
        async def op(conn: PgConn) -> str | None:
            cur = await conn.execute(
                "SELECT 1 FROM memories WHERE project = %s AND name = %s", (project, new)
            )
            if await cur.fetchone() is not None:
                return f"memory {new!r} already exists"
            cur = await conn.execute(
                "UPDATE memories SET name = %s, author = %s, updated_at = %s"
                " WHERE project = %s AND name = %s",
                (new, author, now, project, old),
            )
            return None if cur.rowcount > 0 else f"no memory named {old!r}"

        result: str | None = await self.writer.run(op)
        return result


_UPSERT = """INSERT INTO consensus (task_id, attempt_id, mode, status, decided_by, winner,
    margin, cost_usd, record, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (task_id) DO UPDATE SET attempt_id = excluded.attempt_id, mode = excluded.mode,
    status = excluded.status, decided_by = excluded.decided_by, winner = excluded.winner,
    margin = excluded.margin, cost_usd = excluded.cost_usd, record = excluded.record,
    updated_at = excluded.updated_at"""

_COLUMNS = "task_id, attempt_id, mode, status, decided_by, winner, margin, cost_usd, record"


async def _save(conn: PgConn, row: ConsensusRow, now: float) -> None:
    await conn.execute(
        _UPSERT,
        (row.task_id, row.attempt_id, row.mode, row.status, row.decided_by, row.winner,
         row.margin, row.cost_usd, row.record, now, now),
    )  # fmt: skip
    await conn.execute("DELETE FROM consensus_models WHERE task_id = %s", (row.task_id,))
    if row.models:
        async with conn.cursor() as cur:
            await cur.executemany(
                """INSERT INTO consensus_models (task_id, model, answers, won, votes, score,
                   reviews, cost_usd, ts) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [(row.task_id, m.model, m.answers, m.won, m.votes, m.score, m.reviews,
                  m.cost_usd, now) for m in row.models],
            )  # fmt: skip


def _row(r: Sequence[Any]) -> ConsensusRow:
    return ConsensusRow(
        int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6], float(r[7]), r[8], updated_at=r[9]
    )


class PgConsensus:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    async def save_consensus(self, row: ConsensusRow, now: float) -> None:
        async def op(conn: PgConn) -> None:
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
        if to_state not in ("succeeded", "needs_review"):
            raise ValueError(
                f"a settled conflict goes to succeeded or needs_review, not {to_state}"
            )

        async def op(conn: PgConn) -> bool:
            if result is None:
                cur = await conn.execute(
                    "SELECT 1 FROM tasks WHERE id = %s AND state = 'needs_vote'", (row.task_id,)
                )
                if await cur.fetchone() is None:
                    return False
            else:
                cur = await conn.execute(
                    """UPDATE tasks SET state = %s, result = %s, error = NULL,
                       updated_at = %s, finished_at = %s WHERE id = %s AND state = 'needs_vote'""",
                    (to_state, result, now, now, row.task_id),
                )
                if cur.rowcount == 0:
                    return False
            await _save(conn, row, now)
            if extra_cost:
                await conn.execute(
                    "UPDATE attempts SET cost_usd = cost_usd + %s WHERE id = %s",
                    (extra_cost, row.attempt_id),
                )
                await conn.execute(
                    """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                       cost_usd, source) VALUES (%s, %s, %s, %s, 'consensus', %s, %s, 'unknown')""",
                    (now, row.task_id, row.attempt_id, agent, row.mode, extra_cost),
                )
            to = to_state if result is not None else "needs_vote"
            data = {"to": to, "by": row.decided_by, "winner": row.winner}
            await pg_event(conn, now, event, row.task_id, row.attempt_id, data=data)
            return True

        done: bool = await self.writer.run(op)
        return done

    async def consensus(self, task_id: int) -> ConsensusRow | None:
        rows = await self._rows(
            f"SELECT {_COLUMNS}, updated_at FROM consensus WHERE task_id = %s", (task_id,)
        )
        return _row(rows[0]) if rows else None

    async def waiting_consensus(self) -> list[ConsensusRow]:
        rows = await self._rows(
            f"""SELECT {", ".join("c." + c for c in _COLUMNS.split(", "))}, c.updated_at
                FROM consensus c JOIN tasks t ON t.id = c.task_id
                WHERE c.status = 'needs_human' AND t.state = 'needs_vote' ORDER BY c.task_id"""
        )
        return [_row(r) for r in rows]

    async def consensus_since(self, since: float) -> list[ConsensusRow]:
        rows = await self._rows(
            f"SELECT {_COLUMNS}, updated_at FROM consensus WHERE updated_at >= %s ORDER BY task_id",
            (since,),
        )
        out = [_row(r) for r in rows]
        figures = await self._rows(
            """SELECT m.task_id, m.model, m.answers, m.won, m.votes, m.score, m.reviews,
                      m.cost_usd FROM consensus_models m JOIN consensus c ON c.task_id = m.task_id
               WHERE c.updated_at >= %s ORDER BY m.task_id, m.model COLLATE "C\"""",
            (since,),
        )
        by_task: dict[int, list[ModelFigures]] = {}
        for f in figures:
            by_task.setdefault(int(f[0]), []).append(ModelFigures(*tuple(f[1:])))
        return [dataclasses.replace(r, models=tuple(by_task.get(r.task_id, ()))) for r in out]

    async def model_standing(self, models: Sequence[str], window: int) -> dict[str, float]:
        if not models:
            return {}
        rows = await self._rows(
            """SELECT model, SUM(answers)::bigint, SUM(won)::bigint FROM (
                  SELECT m.model, m.answers, m.won, ROW_NUMBER() OVER (
                    PARTITION BY m.model ORDER BY m.ts DESC) AS n
                  FROM consensus_models m JOIN consensus c ON c.task_id = m.task_id
                  WHERE m.model = ANY(%s) AND m.answers > 0 AND c.status = 'decided'
                    AND c.mode = 'consensus') AS recent
                WHERE n <= %s GROUP BY model""",
            (list(models), window),
        )
        return {str(r[0]): int(r[2]) / int(r[1]) for r in rows if r[1]}


_ENDED_ATTEMPTS = """
SELECT a.id, a.task_id, a.agent, a.provider, a.model, t.role, a.state, a.tokens_in,
       a.tokens_out, a.tokens_cached, a.cost_usd, a.ttft_ms, a.duration_ms, a.started_at,
       a.usage_source
FROM attempts a JOIN tasks t ON t.id = a.task_id
WHERE a.state != 'running' AND a.started_at >= %s ORDER BY a.id"""


class PgSpend:
    def __init__(
        self, reader: PgReader, consensus: PgConsensus, evals: PgEvals | None = None
    ) -> None:
        self._rows = reader.rows
        self._consensus = consensus
        self._evals = evals

    async def totals(self) -> Totals:
        states = await self._rows("SELECT state, COUNT(*) FROM tasks GROUP BY state")
        usage = await self._rows(
            "SELECT COALESCE(SUM(tokens_in), 0)::bigint, COALESCE(SUM(tokens_out), 0)::bigint,"
            " COALESCE(SUM(cost_usd), 0)::float8 FROM attempts"
        )
        return Totals(
            by_state={str(r[0]): int(r[1]) for r in states},
            tokens_in=int(usage[0][0]),
            tokens_out=int(usage[0][1]),
            cost_usd=float(usage[0][2]),
        )

    async def spent(self, owner: str, now: float) -> Spent:
        run = await self._rows(
            "SELECT agent, COALESCE(SUM(cost_usd), 0)::float8 FROM attempts WHERE owner = %s"
            " GROUP BY agent",
            (owner,),
        )
        day = await self._rows(
            "SELECT COALESCE(SUM(cost_usd), 0)::float8 FROM usage WHERE ts >= %s",
            (day_start(now),),
        )
        held = await self._rows(_HELD_ELSEWHERE, (owner,))
        by_agent = {str(r[0]): float(r[1]) for r in run}
        return Spent(sum(by_agent.values()), float(day[0][0]), by_agent, float(held[0][0]))

    async def report_figures(self, since: float | None) -> ReportFigures:
        rows = await self._rows(_ENDED_ATTEMPTS, (since or 0.0,))
        attempts = tuple(
            AttemptFigures(
                attempt_id=int(r["id"]), task_id=int(r["task_id"]), agent=str(r["agent"]),
                provider=str(r["provider"]), model=str(r["model"]), role=str(r["role"]),
                state=str(r["state"]), tokens_in=r["tokens_in"], tokens_out=r["tokens_out"],
                tokens_cached=r["tokens_cached"], cost_usd=float(r["cost_usd"] or 0.0),
                ttft_ms=r["ttft_ms"], duration_ms=r["duration_ms"],
                started_at=float(r["started_at"]), usage_source=str(r["usage_source"]),
            )
            for r in rows
        )  # fmt: skip
        runs = await self._consensus.consensus_since(since or 0.0)
        shadow = await self._evals.shadow_samples(since) if self._evals is not None else []
        return ReportFigures(since, attempts, tuple(runs), tuple(shadow))
