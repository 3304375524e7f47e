"""Goals on PostgreSQL (``store/goals.py`` in PostgreSQL's dialect): the same records."""

from __future__ import annotations

from typing import Any

from swarm_tui.domain.goals import Goal, GoalState
from swarm_tui.domain.models import Task
from swarm_tui.store.goals import GOAL_FIELDS, goal_from_row
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.reader import PgReader
from swarm_tui.store.pg.task_reads import PG_TASK_SELECT
from swarm_tui.store.pg.task_writes import pg_event
from swarm_tui.store.pg.writer import PgWriter
from swarm_tui.store.rows import task_from_row

__all__ = ["PgGoals"]


async def _goal_with_key(conn: PgConn, key: str) -> int | None:
    cur = await conn.execute("SELECT id FROM goals WHERE key = %s", (key,))
    row = await cur.fetchone()
    return None if row is None else int(row[0])


class PgGoals:
    def __init__(self, reader: PgReader, writer: PgWriter) -> None:
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

        async def op(conn: PgConn) -> int:
            if key is not None:
                found = await _goal_with_key(conn, key)
                if found is not None:
                    return found
            # another host may add the same key between the look and the insert: its goal
            # is kept (ON CONFLICT), as SQLite's single writer would have kept it
            cur = await conn.execute(
                """INSERT INTO goals (request, state, plan, workflow, pass_mark, max_rounds,
                   approved, created_at, updated_at, key)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING RETURNING id""",
                (request, state.value, plan, workflow, pass_mark, max_rounds, int(approved),
                 now, now, key),
            )  # fmt: skip
            made = await cur.fetchone()
            if made is None:
                assert key is not None
                found = await _goal_with_key(conn, key)
                assert found is not None
                return found
            goal_id = int(made[0])
            await pg_event(conn, now, "goal", None, data={"goal": goal_id, "state": state.value})
            return goal_id

        goal_id: int = await self._writer.run(op)
        goal = await self.get_goal(goal_id)
        assert goal is not None
        return goal

    async def update_goal(self, goal_id: int, now: float, **fields: Any) -> None:
        """Set ``fields`` (names in :data:`GOAL_FIELDS`); a state change is also logged."""
        bad = set(fields) - GOAL_FIELDS
        if bad:
            raise ValueError(f"not goal fields: {', '.join(sorted(bad))}")
        values = {k: (v.value if isinstance(v, GoalState) else v) for k, v in fields.items()}
        values = {k: (int(v) if isinstance(v, bool) else v) for k, v in values.items()}

        async def op(conn: PgConn) -> None:
            sets = ", ".join(f"{k} = %s" for k in values)
            await conn.execute(
                f"UPDATE goals SET {sets}, updated_at = %s WHERE id = %s",
                (*values.values(), now, goal_id),
            )
            if "state" in values:
                data = {"goal": goal_id, "state": values["state"], "reason": values.get("reason")}
                await pg_event(conn, now, "goal", None, data=data)

        await self._writer.run(op)

    async def get_goal(self, goal_id: int) -> Goal | None:
        rows = await self._rows("SELECT * FROM goals WHERE id = %s", (goal_id,))
        return goal_from_row(rows[0]) if rows else None  # type: ignore[arg-type]

    async def goal_by_key(self, key: str) -> Goal | None:
        rows = await self._rows("SELECT * FROM goals WHERE key = %s", (key,))
        return goal_from_row(rows[0]) if rows else None  # type: ignore[arg-type]

    async def list_goals(self, states: tuple[GoalState, ...] = ()) -> list[Goal]:
        """Goals, newest first; ``states``: only those."""
        if states:
            rows = await self._rows(
                "SELECT * FROM goals WHERE state = ANY(%s) ORDER BY id DESC",
                ([s.value for s in states],),
            )
        else:
            rows = await self._rows("SELECT * FROM goals ORDER BY id DESC")
        return [goal_from_row(r) for r in rows]  # type: ignore[arg-type]

    async def goal_tasks(self, goal_id: int) -> list[Task]:
        """Every task the goal spawned, oldest first."""
        rows = await self._rows(PG_TASK_SELECT + " WHERE t.goal_id = %s ORDER BY t.id", (goal_id,))
        return [task_from_row(r) for r in rows]  # type: ignore[arg-type]
