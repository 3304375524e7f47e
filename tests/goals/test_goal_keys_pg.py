"""A task file's goal submitted by two hosts at once on one PostgreSQL ledger is kept once:
both get the same goal back, neither an error (SQLite has one writer, so only PostgreSQL can
race here)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarm_tui.domain.goals import GoalState
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget

NOW = 1_000_000.0


async def test_two_hosts_inserting_one_keyed_goal_keep_one(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    hosts = [
        await PgLedger.open(pg_target, tmp_path / "ledger.db", commit_interval=0.005)
        for _ in range(2)
    ]
    try:
        keys = [f"goal-{i}" for i in range(20)]

        async def submit(led: PgLedger, request: str) -> list[int]:
            made = []
            for key in keys:
                goal = await led.insert_goal(request, GoalState.PLANNING, NOW, key=key)
                made.append(goal.id)
            return made

        a, b = await asyncio.gather(submit(hosts[0], "from a"), submit(hosts[1], "from b"))
        assert a == b  # the same goal for each key, whichever host made it
        goals = await hosts[0].list_goals()
        assert len(goals) == len(keys) and sorted(g.id for g in goals) == sorted(a)
        assert {g.request for g in goals} <= {"from a", "from b"}
    finally:
        for led in hosts:
            await led.close()
