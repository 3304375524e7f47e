"""Rows to core models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite

from swarm_tui.domain.models import Attempt, AttemptState, Task, TaskMode, TaskState, UsageSource

__all__ = ["TASK_SELECT", "attempt_from_row", "new_task_from_row", "task_from_row"]

TASK_SELECT = """
SELECT t.*,
       (SELECT group_concat(dep_id) FROM task_deps d WHERE d.task_id = t.id) AS deps,
       (SELECT COALESCE(SUM(a.tokens_in), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_in,
       (SELECT COALESCE(SUM(a.tokens_out), 0) FROM attempts a WHERE a.task_id = t.id)
           AS sum_out,
       (SELECT COALESCE(SUM(a.cost_usd), 0) FROM attempts a WHERE a.task_id = t.id) AS sum_cost,
       la.agent AS la_agent, la.provider AS la_provider, la.model AS la_model,
       la.finished_at AS la_finished_at
FROM tasks t
LEFT JOIN attempts la ON la.task_id = t.id AND la.number = t.attempts
"""
"""Per-task totals as correlated subqueries on the ``attempts_by_task`` index: reading one
task touches only its own attempts (a GROUP BY over all attempts was materialised on every
query, so one ``get_task`` cost a scan of the whole table)."""


def new_task_from_row(row: aiosqlite.Row, deps: Sequence[int]) -> Task:
    """A task just inserted (its ``tasks`` row from ``RETURNING *``): no attempts yet."""
    values: dict[str, Any] = {key: row[key] for key in row.keys()}  # noqa: SIM118 - Row
    values.update(deps=",".join(str(d) for d in deps), sum_in=0, sum_out=0, sum_cost=0.0,
                  la_agent=None, la_provider=None, la_model=None,
                  la_finished_at=None)  # fmt: skip
    return task_from_row(values)


def task_from_row(r: aiosqlite.Row | dict[str, Any]) -> Task:
    deps = r["deps"]
    return Task(
        id=r["id"],
        title=r["title"],
        prompt=r["prompt"],
        role=r["role"],
        priority=r["priority"],
        state=TaskState(r["state"]),
        mode=TaskMode(r["mode"]),
        after=tuple(sorted(int(d) for d in deps.split(","))) if deps else (),
        tags=tuple(json.loads(r["tags"])),
        key=r["key"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        attempts=r["attempts"],
        result=r["result"],
        error=r["error"],
        pin=r["pin"],
        pin_agent=r["pin_agent"],
        not_before=r["not_before"],
        tokens_in=r["sum_in"],
        tokens_out=r["sum_out"],
        cost_usd=r["sum_cost"],
        agent=r["la_agent"],
        provider=r["la_provider"],
        model=r["la_model"],
        abandoned=r["abandoned"],
        held=r["held"],
        last_ended_at=r["la_finished_at"],
        goal_id=_opt(r, "goal_id"),
        step=_opt(r, "step"),
        output_schema=_opt(r, "output_schema"),
        project=r["project"],
    )


def _opt(r: aiosqlite.Row | dict[str, Any], name: str) -> Any:
    """A column a row may lack (a read that selects named columns only)."""
    return r[name] if name in r.keys() else None  # noqa: SIM118 - Row


def attempt_from_row(r: aiosqlite.Row) -> Attempt:
    return Attempt(
        id=r["id"],
        task_id=r["task_id"],
        number=r["number"],
        agent=r["agent"],
        provider=r["provider"],
        model=r["model"],
        state=AttemptState(r["state"]),
        owner=r["owner"],
        lease_until=r["lease_until"],
        heartbeat_at=r["heartbeat_at"],
        routing_reason=r["routing_reason"],
        output=r["output"],
        error=r["error"],
        tokens_in=r["tokens_in"],
        tokens_out=r["tokens_out"],
        tokens_cached=r["tokens_cached"],
        usage_source=UsageSource(r["usage_source"]),
        cost_usd=r["cost_usd"],
        ttft_ms=r["ttft_ms"],
        duration_ms=r["duration_ms"],
        started_at=r["started_at"],
        finished_at=r["finished_at"],
    )
