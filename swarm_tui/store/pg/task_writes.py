"""Writes of tasks and attempts (``store/writes.py`` in PostgreSQL's dialect; the claims are
``pg/claims.py``), each one op on the group-commit writer, durable when it returns.

Leases and heartbeats are kept on the server's clock: each host's times are moved by its
measured offset to the server's, so a host whose clock is wrong neither steals leases nor
loses its own. Owners carry their host (``core/owner.py``); an owner on another host is
never declared dead by pid, its lease expires instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.store.holds import SWEEP
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.leases import OwnLeases
from swarm_tui.store.pg.slots import pg_drop_stale_slots
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.records import NewTask
from swarm_tui.store.rows import attempt_from_row, new_task_from_row
from swarm_tui.store.writes import AttemptEnd

__all__ = ["PgTaskWrites", "pg_event"]

_EVENT = "INSERT INTO events (ts, kind, task_id, attempt_id, data) VALUES (%s, %s, %s, %s, %s)"


async def pg_event(
    conn: PgConn,
    ts: float,
    kind: str,
    task_id: int | None,
    attempt_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        _EVENT, (ts, kind, task_id, attempt_id, json.dumps(data or {}, sort_keys=True))
    )


def _attempt(row: Any) -> Attempt:
    return attempt_from_row(row)


class PgTaskWrites:
    def __init__(
        self, writer: PgWriter, offset: Callable[[], float], leases: OwnLeases | None = None
    ) -> None:
        self.writer = writer
        self._offset = offset
        self._leases = leases or OwnLeases()

    async def insert_tasks(self, batch: list[NewTask], now: float) -> list[tuple[int, bool]]:
        return [(task_id, task is not None) for task_id, task in await self.add_tasks(batch, now)]

    async def add_tasks(self, batch: list[NewTask], now: float) -> list[tuple[int, Task | None]]:
        async def op(conn: PgConn) -> list[tuple[int, Task | None]]:
            out: list[tuple[int, Task | None]] = []
            for item in batch:
                if item.key is not None:
                    cur = await conn.execute("SELECT id FROM tasks WHERE key = %s", (item.key,))
                    row = await cur.fetchone()
                    if row is not None:
                        out.append((int(row[0]), None))
                        continue
                cur = await conn.execute(
                    """INSERT INTO tasks (title, prompt, role, priority, mode, state, tags, key,
                       created_at, updated_at, goal_id, step, output_schema, project)
                       VALUES (%s, %s, %s, %s, %s, 'queued', %s, %s, %s, %s, %s, %s, %s, %s)
                       RETURNING *""",
                    (item.title, item.prompt, item.role, item.priority, item.mode,
                     json.dumps(list(item.tags)), item.key, now, now, item.goal_id, item.step,
                     item.output_schema, item.project),
                )  # fmt: skip
                inserted = await cur.fetchone()
                assert inserted is not None
                task_id = int(inserted["id"])
                deps = sorted(set(item.after_ids) | {out[i][0] for i in item.after_batch})
                for dep in deps:
                    cur = await conn.execute("SELECT 1 FROM tasks WHERE id = %s", (dep,))
                    if await cur.fetchone() is None:
                        raise ValueError(f"dependency #{dep} does not exist")
                    await conn.execute(
                        "INSERT INTO task_deps (task_id, dep_id) VALUES (%s, %s)", (task_id, dep)
                    )
                await pg_event(conn, now, "submitted", task_id, data={"role": item.role})
                out.append((task_id, new_task_from_row(inserted, deps)))  # type: ignore[arg-type]
            return out

        result: list[tuple[int, Task | None]] = await self.writer.run(op)
        return result

    async def transition(
        self,
        task_id: int,
        to: TaskState,
        allowed_from: set[TaskState],
        now: float,
        *,
        event: str,
        fields: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool:
        sets = {"state": to.value, "updated_at": now, **(fields or {})}
        if to.terminal:
            sets.setdefault("finished_at", now)
        assignments = ", ".join(f"{k} = %s" for k in sets)

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                f"UPDATE tasks SET {assignments} WHERE id = %s AND state = ANY(%s)",
                (*sets.values(), task_id, [s.value for s in allowed_from]),
            )
            if cur.rowcount == 0:
                return False
            await pg_event(conn, now, event, task_id, data={"to": to.value, **(data or {})})
            return True

        done: bool = await self.writer.run(op)
        return done

    async def update_task(self, task_id: int, now: float, event: str, **fields: Any) -> bool:
        assignments = ", ".join(f"{k} = %s" for k in fields)

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                f"UPDATE tasks SET {assignments}, updated_at = %s WHERE id = %s",
                (*fields.values(), now, task_id),
            )
            if cur.rowcount:
                await pg_event(conn, now, event, task_id, data=fields)
            return cur.rowcount > 0

        done: bool = await self.writer.run(op)
        return done

    async def finish_attempt(self, attempt: Attempt, end: AttemptEnd, now: float) -> bool:
        """As the SQLite ledger's; a lost connection does not fail it: the writer keeps it
        and writes it once the server is back (its task ends with this attempt's result,
        never run again for want of its end)."""

        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                """UPDATE attempts SET state = %s, error = %s, tokens_in = %s, tokens_out = %s,
                   tokens_cached = %s, usage_source = %s, cost_usd = %s, ttft_ms = %s,
                   duration_ms = %s, finished_at = %s WHERE id = %s AND state = 'running'""",
                (end.state.value, end.error, end.tokens_in, end.tokens_out, end.tokens_cached,
                 end.usage_source, end.cost_usd, end.ttft_ms, end.duration_ms, now, attempt.id),
            )  # fmt: skip
            if cur.rowcount == 0:
                return False
            await conn.execute("DELETE FROM budget_holds WHERE attempt_id = %s", (attempt.id,))
            await conn.execute(
                "UPDATE tasks SET abandoned = 0 WHERE id = %s AND abandoned != 0",
                (attempt.task_id,),
            )
            if end.tokens_in is not None or end.tokens_out is not None or end.cost_usd:
                await conn.execute(
                    """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                       tokens_in, tokens_out, tokens_cached, cost_usd, source)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                    (now, attempt.task_id, attempt.id, attempt.agent, attempt.provider,
                     attempt.model, end.tokens_in, end.tokens_out, end.tokens_cached,
                     end.cost_usd, end.usage_source),
                )  # fmt: skip
            if end.task_state is not None:
                finished = now if end.task_state.terminal else None
                result_sql = (
                    "(SELECT output FROM attempts WHERE id = %s)"
                    if end.result_from_output
                    else "%s::text"
                )
                result_arg: Any = attempt.id if end.result_from_output else end.result
                await conn.execute(
                    f"""UPDATE tasks SET state = %s, updated_at = %s, finished_at = %s,
                        result = COALESCE({result_sql}, result), error = %s, not_before = %s
                        WHERE id = %s AND attempts = %s AND state = 'running'""",
                    (end.task_state.value, now, finished, result_arg, end.error,
                     end.not_before, attempt.task_id, attempt.number),
                )  # fmt: skip
            await pg_event(
                conn, now, "attempt_" + end.state.value, attempt.task_id, attempt.id,
                {"number": attempt.number,
                 "task": end.task_state.value if end.task_state else None, "error": end.error},
            )  # fmt: skip
            return True

        try:
            done: bool = await self.writer.run(op, keep=True)
        finally:
            self._leases.ended(attempt.id)
        return done

    async def renew_leases(
        self, owner: str, now: float, lease_until: float, ids: Collection[int] | None = None
    ) -> int:
        shift = self._offset()
        only = "" if ids is None else " AND id = ANY(%s)"
        args: tuple[Any, ...] = (lease_until + shift, now + shift, owner)
        if ids is not None:
            args += ([int(i) for i in ids],)

        async def op(conn: PgConn) -> int:
            cur = await conn.execute(
                "UPDATE attempts SET lease_until = %s, heartbeat_at = %s"
                " WHERE owner = %s AND state = 'running'" + only,
                args,
            )
            return cur.rowcount

        renewed: int = await self.writer.run(op)
        self._leases.renewed(owner, lease_until - now, ids)
        return renewed

    async def recover(
        self,
        is_dead: Callable[[str], bool],
        now: float,
        orphans: Collection[int] = (),
        *,
        hold_after: int = 0,
        keep: Collection[int] = (),
    ) -> list[Attempt]:
        """As the SQLite ledger's; a lease has expired when it is behind ``now`` moved to
        the server's clock. The running attempts are locked while they are judged; ``keep``
        (the caller's own, still running) are never given up here."""
        server_now = now + self._offset()
        spared = {int(i) for i in keep if i not in orphans}

        async def op(conn: PgConn) -> list[Attempt]:
            cur = await conn.execute(
                "SELECT * FROM attempts WHERE state = 'running' ORDER BY id FOR UPDATE"
            )
            rows = [_attempt(r) for r in await cur.fetchall()]
            lost = [
                a
                for a in rows
                if a.id in orphans
                or (a.id not in spared and (a.lease_until < server_now or is_dead(a.owner)))
            ]
            for a in lost:
                why = "its orchestrator stopped" if is_dead(a.owner) else "its lease expired"
                if a.id in orphans:
                    why = "its end could not be recorded"
                await conn.execute(
                    """UPDATE attempts SET state = 'abandoned', error = %s, finished_at = %s
                       WHERE id = %s AND state = 'running'""",
                    (f"abandoned: {why}; partial output kept", now, a.id),
                )
                await pg_event(conn, now, "attempt_abandoned", a.task_id, a.id, {"why": why})
                await _requeue_or_hold(conn, a, now, why, hold_after, counts=a.id not in orphans)
            await conn.execute(SWEEP)
            await pg_drop_stale_slots(conn, is_dead, server_now)  # a dead owner's holds too
            await conn.execute(
                """UPDATE tasks SET state = 'queued', updated_at = %s WHERE state = 'running'
                   AND NOT EXISTS (SELECT 1 FROM attempts a
                                   WHERE a.task_id = tasks.id AND a.state = 'running')""",
                (now,),
            )
            return lost

        lost: list[Attempt] = await self.writer.run(op)
        return lost

    async def charge_abandoned(
        self, attempt_id: int, tokens_in: int, tokens_out: int, cost: float, now: float
    ) -> bool:
        async def op(conn: PgConn) -> bool:
            cur = await conn.execute(
                """UPDATE attempts SET tokens_in = %s, tokens_out = %s, cost_usd = %s,
                   usage_source = 'estimated' WHERE id = %s AND state = 'abandoned'
                   AND usage_source = 'unknown' AND tokens_in IS NULL AND tokens_out IS NULL
                   RETURNING task_id, agent, provider, model""",
                (tokens_in, tokens_out, cost, attempt_id),
            )
            row = await cur.fetchone()
            if row is None:
                return False
            await conn.execute(
                """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                   tokens_in, tokens_out, tokens_cached, cost_usd, source)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, 'estimated')""",
                (now, row[0], attempt_id, row[1], row[2], row[3], tokens_in, tokens_out, cost),
            )
            return True

        charged: bool = await self.writer.run(op)
        return charged

    def append_output(self, attempt_id: int, text: str) -> None:
        self.writer.append_output(attempt_id, text)


async def _requeue_or_hold(
    conn: PgConn, a: Attempt, now: float, why: str, hold_after: int, *, counts: bool
) -> None:
    cur = await conn.execute(
        """UPDATE tasks SET abandoned = abandoned + %s, updated_at = %s
           WHERE id = %s AND attempts = %s AND state = 'running' RETURNING abandoned""",
        (int(counts), now, a.task_id, a.number),
    )
    row = await cur.fetchone()
    if row is None:
        return
    streak = int(row[0])
    if not hold_after or streak < hold_after:
        await conn.execute("UPDATE tasks SET state = 'queued' WHERE id = %s", (a.task_id,))
        return
    reason = (
        f"held after {streak} abandoned attempts in a row (the last: {why}): it may be what"
        " brings the process down, so it is not run again by itself; resume it to run it again"
    )
    await conn.execute(
        "UPDATE tasks SET state = 'paused', held = %s WHERE id = %s", (reason, a.task_id)
    )
    await pg_event(conn, now, "task_held", a.task_id, a.id, {"abandoned": streak, "reason": reason})
