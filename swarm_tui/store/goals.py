"""Goals in the ledger: one row each (the plan as JSON), their tasks by ``goal_id``."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite

from swarm_tui.domain.goals import Goal, GoalState
from swarm_tui.domain.models import Task
from swarm_tui.store.reader import Reader
from swarm_tui.store.records import write_event_sync
from swarm_tui.store.rows import TASK_SELECT, task_from_row
from swarm_tui.store.writer import GroupWriter

__all__ = ["GOAL_FIELDS", "GoalRecords", "goal_from_row"]

GOAL_FIELDS = frozenset(
    {"state", "plan", "approved", "rounds", "score", "result", "reason", "finished_at"}
)
"""What :meth:`GoalRecords.update_goal` may change."""


def goal_from_row(r: aiosqlite.Row) -> Goal:
    return Goal(
        id=r["id"],
        request=r["request"],
        state=GoalState(r["state"]),
        plan=r["plan"],
        workflow=r["workflow"],
        pass_mark=r["pass_mark"],
        max_rounds=r["max_rounds"],
        approved=bool(r["approved"]),
        rounds=r["rounds"],
        score=r["score"],
        result=r["result"],
        reason=r["reason"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        finished_at=r["finished_at"],
    )


class GoalRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self._writer = writer

    async def insert_goal(
        self,
        request: str,
        state: GoalState,
        now: float,
        *,
        plan: str | None = None,
        workflow: str | None = None,
        pass_mark: int = 8,
        max_rounds: int = 2,
        approved: bool = False,
        key: str | None = None,
    ) -> Goal:
        """A new goal, durable when this returns; a goal whose ``key`` exists is returned
        as it is instead (nothing is added)."""

        def op(conn: sqlite3.Connection) -> int:
            if key is not None:
                row = conn.execute("SELECT id FROM goals WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    return int(row[0])
            cur = conn.execute(
                """INSERT INTO goals (request, state, plan, workflow, pass_mark, max_rounds,
                   approved, created_at, updated_at, key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (request, state.value, plan, workflow, pass_mark, max_rounds, int(approved),
                 now, now, key),
            )  # fmt: skip
            goal_id = int(cur.lastrowid or 0)
            write_event_sync(conn, now, "goal", None, data={"goal": goal_id, "state": state.value})
            return goal_id

        goal = await self.get_goal(await self._writer.run_sync(op))
        assert goal is not None
        return goal

    async def update_goal(self, goal_id: int, now: float, **fields: Any) -> None:
        """Set ``fields`` (names in :data:`GOAL_FIELDS`); a state change is also logged."""
        bad = set(fields) - GOAL_FIELDS
        if bad:
            raise ValueError(f"not goal fields: {', '.join(sorted(bad))}")
        values = {k: (v.value if isinstance(v, GoalState) else v) for k, v in fields.items()}
        values = {k: (int(v) if isinstance(v, bool) else v) for k, v in values.items()}

        def op(conn: sqlite3.Connection) -> None:
            sets = ", ".join(f"{k} = ?" for k in values)
            conn.execute(
                f"UPDATE goals SET {sets}, updated_at = ? WHERE id = ?",
                (*values.values(), now, goal_id),
            )
            if "state" in values:
                data = {"goal": goal_id, "state": values["state"], "reason": values.get("reason")}
                write_event_sync(conn, now, "goal", None, data=data)

        await self._writer.run_sync(op)

    async def get_goal(self, goal_id: int) -> Goal | None:
        rows = await self._rows("SELECT * FROM goals WHERE id = ?", (goal_id,))
        return goal_from_row(rows[0]) if rows else None

    async def goal_by_key(self, key: str) -> Goal | None:
        rows = await self._rows("SELECT * FROM goals WHERE key = ?", (key,))
        return goal_from_row(rows[0]) if rows else None

    async def list_goals(self, states: tuple[GoalState, ...] = ()) -> list[Goal]:
        """Goals, newest first; ``states``: only those."""
        if states:
            marks = ",".join("?" * len(states))
            sql = f"SELECT * FROM goals WHERE state IN ({marks}) ORDER BY id DESC"
            return [goal_from_row(r) for r in await self._rows(sql, [s.value for s in states])]
        return [goal_from_row(r) for r in await self._rows("SELECT * FROM goals ORDER BY id DESC")]

    async def goal_tasks(self, goal_id: int) -> list[Task]:
        """Every task the goal spawned, oldest first."""
        rows = await self._rows(TASK_SELECT + " WHERE t.goal_id = ? ORDER BY t.id", (goal_id,))
        return [task_from_row(r) for r in rows]
