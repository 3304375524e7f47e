"""Ledger writes. Each is one op on the group-commit writer and is durable when it returns.

Writes from an attempt are fenced: they apply only while that attempt is ``running`` and is
its task's newest attempt, so an attempt already given up can never overwrite anything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection
from typing import Any

from swarm_tui.domain.models import Attempt, AttemptState, Task, TaskState
from swarm_tui.store.holds import SWEEP
from swarm_tui.store.records import NewTask, write_event_sync
from swarm_tui.store.rows import attempt_from_row, new_task_from_row
from swarm_tui.store.slots import drop_stale_slots_sync
from swarm_tui.store.writer import GroupWriter

__all__ = ["AttemptEnd", "TaskWrites"]

Conn = sqlite3.Connection


class AttemptEnd:
    """How an attempt ended, and what its task becomes."""

    def __init__(
        self,
        state: AttemptState,
        *,
        task_state: TaskState | None,
        error: str | None = None,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        tokens_cached: int | None = None,
        usage_source: str = "unknown",
        cost_usd: float = 0.0,
        ttft_ms: float | None = None,
        duration_ms: float | None = None,
        not_before: float = 0.0,
        result_from_output: bool = False,
        result: str | None = None,
    ) -> None:
        self.state = state
        self.task_state = task_state
        self.error = error
        self.tokens_in = tokens_in
        self.tokens_out = tokens_out
        self.tokens_cached = tokens_cached
        self.usage_source = usage_source
        self.cost_usd = cost_usd
        self.ttft_ms = ttft_ms
        self.duration_ms = duration_ms
        self.not_before = not_before
        self.result_from_output = result_from_output
        self.result = result
        """The task's result when it is not the attempt's output (a consensus decision)."""


class TaskWrites:
    """Writes of tasks and attempts (claims are :class:`~swarm_tui.store.claims.Claims`)."""

    def __init__(self, writer: GroupWriter) -> None:
        self.writer = writer

    async def insert_tasks(self, batch: list[NewTask], now: float) -> list[tuple[int, bool]]:
        """Insert in order; a task whose key exists is not added. Returns (id, created)."""
        return [(task_id, task is not None) for task_id, task in await self.add_tasks(batch, now)]

    async def add_tasks(self, batch: list[NewTask], now: float) -> list[tuple[int, Task | None]]:
        """:meth:`insert_tasks` returning each new task as inserted (``RETURNING``: no read
        back); ``None`` for a task whose key already existed."""

        def op(conn: Conn) -> list[tuple[int, Task | None]]:
            out: list[tuple[int, Task | None]] = []
            for item in batch:
                if item.key is not None:
                    row = conn.execute("SELECT id FROM tasks WHERE key = ?", (item.key,)).fetchone()
                    if row is not None:
                        out.append((int(row[0]), None))
                        continue
                cur = conn.execute(
                    """INSERT INTO tasks (title, prompt, role, priority, mode, state, tags, key,
                       created_at, updated_at, goal_id, step, output_schema, project)
                       VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)
                       RETURNING *""",
                    (
                        item.title,
                        item.prompt,
                        item.role,
                        item.priority,
                        item.mode,
                        json.dumps(list(item.tags)),
                        item.key,
                        now,
                        now,
                        item.goal_id,
                        item.step,
                        item.output_schema,
                        item.project,
                    ),
                )
                inserted = cur.fetchone()
                cur.close()
                task_id = int(inserted["id"])
                deps = sorted(set(item.after_ids) | {out[i][0] for i in item.after_batch})
                for dep in deps:
                    if conn.execute("SELECT 1 FROM tasks WHERE id = ?", (dep,)).fetchone() is None:
                        raise ValueError(f"dependency #{dep} does not exist")
                    conn.execute(
                        "INSERT INTO task_deps (task_id, dep_id) VALUES (?, ?)", (task_id, dep)
                    )
                write_event_sync(conn, now, "submitted", task_id, data={"role": item.role})
                out.append((task_id, new_task_from_row(inserted, deps)))
            return out

        result: list[tuple[int, Task | None]] = await self.writer.run_sync(op)
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
        """Move a task between states if it is in one of ``allowed_from``."""
        sets = {"state": to.value, "updated_at": now, **(fields or {})}
        if to.terminal:
            sets.setdefault("finished_at", now)
        assignments = ", ".join(f"{k} = ?" for k in sets)
        marks = ",".join("?" * len(allowed_from))

        def op(conn: Conn) -> bool:
            cur = conn.execute(
                f"UPDATE tasks SET {assignments} WHERE id = ? AND state IN ({marks})",
                (*sets.values(), task_id, *(s.value for s in allowed_from)),
            )
            if cur.rowcount == 0:
                return False
            write_event_sync(conn, now, event, task_id, data={"to": to.value, **(data or {})})
            return True

        done: bool = await self.writer.run_sync(op)
        return done

    async def update_task(self, task_id: int, now: float, event: str, **fields: Any) -> bool:
        assignments = ", ".join(f"{k} = ?" for k in fields)

        def op(conn: Conn) -> bool:
            cur = conn.execute(
                f"UPDATE tasks SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), now, task_id),
            )
            if cur.rowcount:
                write_event_sync(conn, now, event, task_id, data=fields)
            return cur.rowcount > 0

        done: bool = await self.writer.run_sync(op)
        return done

    async def finish_attempt(self, attempt: Attempt, end: AttemptEnd, now: float) -> bool:
        """Record how an attempt ended and move its task; False if the attempt was fenced."""

        def op(conn: Conn) -> bool:
            cur = conn.execute(
                """UPDATE attempts SET state = ?, error = ?, tokens_in = ?, tokens_out = ?,
                   tokens_cached = ?, usage_source = ?, cost_usd = ?, ttft_ms = ?,
                   duration_ms = ?, finished_at = ? WHERE id = ? AND state = 'running'""",
                (
                    end.state.value,
                    end.error,
                    end.tokens_in,
                    end.tokens_out,
                    end.tokens_cached,
                    end.usage_source,
                    end.cost_usd,
                    end.ttft_ms,
                    end.duration_ms,
                    now,
                    attempt.id,
                ),
            )
            if cur.rowcount == 0:
                return False
            # Its cost is settled below: its budget hold goes in the same transaction.
            conn.execute("DELETE FROM budget_holds WHERE attempt_id = ?", (attempt.id,))
            # It ended in a live process: its task did not bring the process down.
            conn.execute(
                "UPDATE tasks SET abandoned = 0 WHERE id = ? AND abandoned != 0",
                (attempt.task_id,),
            )
            if end.tokens_in is not None or end.tokens_out is not None or end.cost_usd:
                conn.execute(
                    """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                       tokens_in, tokens_out, tokens_cached, cost_usd, source)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        now,
                        attempt.task_id,
                        attempt.id,
                        attempt.agent,
                        attempt.provider,
                        attempt.model,
                        end.tokens_in,
                        end.tokens_out,
                        end.tokens_cached,
                        end.cost_usd,
                        end.usage_source,
                    ),
                )
            if end.task_state is not None:
                finished = now if end.task_state.terminal else None
                result_sql = (
                    "(SELECT output FROM attempts WHERE id = ?)" if end.result_from_output else "?"
                )
                result_arg: Any = attempt.id if end.result_from_output else end.result
                conn.execute(
                    f"""UPDATE tasks SET state = ?, updated_at = ?, finished_at = ?,
                        result = COALESCE({result_sql}, result), error = ?, not_before = ?
                        WHERE id = ? AND attempts = ? AND state = 'running'""",
                    (
                        end.task_state.value,
                        now,
                        finished,
                        result_arg,
                        end.error,
                        end.not_before,
                        attempt.task_id,
                        attempt.number,
                    ),
                )
            write_event_sync(
                conn,
                now,
                "attempt_" + end.state.value,
                attempt.task_id,
                attempt.id,
                {
                    "number": attempt.number,
                    "task": end.task_state.value if end.task_state else None,
                    "error": end.error,
                },
            )
            return True

        done: bool = await self.writer.run_sync(op)
        return done

    async def renew_leases(
        self, owner: str, now: float, lease_until: float, ids: Collection[int] | None = None
    ) -> int:
        """Extend the leases of ``owner``'s running attempts (only ``ids`` when given: an
        attempt whose job is gone must be left to expire)."""
        only = "" if ids is None else f" AND id IN ({','.join(str(int(i)) for i in ids) or 'NULL'})"

        def op(conn: Conn) -> int:
            cur = conn.execute(
                """UPDATE attempts SET lease_until = ?, heartbeat_at = ?
                   WHERE owner = ? AND state = 'running'"""
                + only,
                (lease_until, now, owner),
            )
            return cur.rowcount

        renewed: int = await self.writer.run_sync(op)
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
        """Give up attempts whose lease expired or whose owner died, and the ``orphans`` (their
        job ended without recording it, e.g. the ledger was locked): keep their partial output,
        put their tasks back in the queue, release their budget holds, drop provider slot
        holds whose lease is past or whose owner is gone. A task whose ``hold_after``-th
        attempt in a row is abandoned so (it may be what brings the process down) is held
        instead: paused, with the reason in ``held``. ``keep``: attempts the caller itself
        still runs (alive: it renews them): never given up here, whatever their lease says
        (another process may still take them once their lease lapsed). Returns the attempts
        given up."""
        spared = {int(i) for i in keep if i not in orphans}

        def op(conn: Conn) -> list[Attempt]:
            cur = conn.execute("SELECT * FROM attempts WHERE state = 'running'")
            rows = [attempt_from_row(r) for r in cur.fetchall()]
            lost = [
                a
                for a in rows
                if a.id in orphans
                or (a.id not in spared and (a.lease_until < now or is_dead(a.owner)))
            ]
            for a in lost:
                why = "its orchestrator stopped" if is_dead(a.owner) else "its lease expired"
                if a.id in orphans:
                    why = "its end could not be recorded"
                conn.execute(
                    """UPDATE attempts SET state = 'abandoned', error = ?, finished_at = ?
                       WHERE id = ? AND state = 'running'""",
                    (f"abandoned: {why}; partial output kept", now, a.id),
                )
                write_event_sync(conn, now, "attempt_abandoned", a.task_id, a.id, {"why": why})
                # An orphan ended in this live process (only its record failed): not counted.
                _requeue_or_hold(conn, a, now, why, hold_after, counts=a.id not in orphans)
            # The holds of the attempts given up (and of any other that no longer runs) go.
            conn.execute(SWEEP)
            drop_stale_slots_sync(conn, is_dead, now)  # provider slots of a dead owner too
            # A running task with no running attempt cannot make progress: queue it again.
            conn.execute(
                """UPDATE tasks SET state = 'queued', updated_at = ? WHERE state = 'running'
                   AND NOT EXISTS (SELECT 1 FROM attempts a
                                   WHERE a.task_id = tasks.id AND a.state = 'running')""",
                (now,),
            )
            return lost

        lost: list[Attempt] = await self.writer.run_sync(op)
        return lost

    async def charge_abandoned(
        self, attempt_id: int, tokens_in: int, tokens_out: int, cost: float, now: float
    ) -> bool:
        """Record an estimate of what an abandoned attempt was billed (its process died before
        any usage was recorded), marked ``estimated``; once only. False if already charged."""

        def op(conn: Conn) -> bool:
            cur = conn.execute(
                """UPDATE attempts SET tokens_in = ?, tokens_out = ?, cost_usd = ?,
                   usage_source = 'estimated' WHERE id = ? AND state = 'abandoned'
                   AND usage_source = 'unknown' AND tokens_in IS NULL AND tokens_out IS NULL
                   RETURNING task_id, agent, provider, model""",
                (tokens_in, tokens_out, cost, attempt_id),
            )
            row = cur.fetchone()
            cur.close()
            if row is None:
                return False
            conn.execute(
                """INSERT INTO usage (ts, task_id, attempt_id, agent, provider, model,
                   tokens_in, tokens_out, tokens_cached, cost_usd, source)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 'estimated')""",
                (now, row[0], attempt_id, row[1], row[2], row[3], tokens_in, tokens_out, cost),
            )
            return True

        charged: bool = await self.writer.run_sync(op)
        return charged

    def append_output(self, attempt_id: int, text: str) -> None:
        self.writer.append_output(attempt_id, text)


def _requeue_or_hold(
    conn: Conn, a: Attempt, now: float, why: str, hold_after: int, *, counts: bool
) -> None:
    """Count the abandonment on the task (if ``a`` is its newest attempt and ``counts``) and
    queue the task again, or hold it once ``hold_after`` attempts in a row were abandoned."""
    cur = conn.execute(
        """UPDATE tasks SET abandoned = abandoned + ?, updated_at = ?
           WHERE id = ? AND attempts = ? AND state = 'running' RETURNING abandoned""",
        (int(counts), now, a.task_id, a.number),
    )
    row = cur.fetchone()
    cur.close()
    if row is None:
        return
    streak = int(row[0])
    if not hold_after or streak < hold_after:
        conn.execute("UPDATE tasks SET state = 'queued' WHERE id = ?", (a.task_id,))
        return
    reason = (
        f"held after {streak} abandoned attempts in a row (the last: {why}): it may be what"
        " brings the process down, so it is not run again by itself; resume it to run it again"
    )
    conn.execute("UPDATE tasks SET state = 'paused', held = ? WHERE id = ?", (reason, a.task_id))
    write_event_sync(
        conn, now, "task_held", a.task_id, a.id, {"abandoned": streak, "reason": reason}
    )
