"""Plain records the ledger takes and returns, and the event-log insert."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiosqlite

from swarm_tui.domain.reads import Totals

__all__ = ["NewTask", "Totals", "write_event", "write_event_sync"]

EVENT_INSERT = "INSERT INTO events (ts, kind, task_id, attempt_id, data) VALUES (?, ?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class NewTask:
    """A validated task ready to insert; ``after_batch`` points at earlier items of its batch."""

    title: str
    prompt: str
    role: str
    priority: int
    mode: str
    tags: tuple[str, ...]
    key: str | None
    after_ids: tuple[int, ...]
    after_batch: tuple[int, ...] = ()
    goal_id: int | None = None
    step: str | None = None
    output_schema: str | None = None
    project: str | None = None


async def write_event(
    conn: aiosqlite.Connection,
    ts: float,
    kind: str,
    task_id: int | None,
    attempt_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        EVENT_INSERT, (ts, kind, task_id, attempt_id, json.dumps(data or {}, sort_keys=True))
    )


def write_event_sync(
    conn: sqlite3.Connection,
    ts: float,
    kind: str,
    task_id: int | None,
    attempt_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """:func:`write_event` for a sync op (``GroupWriter.run_sync``)."""
    conn.execute(
        EVENT_INSERT, (ts, kind, task_id, attempt_id, json.dumps(data or {}, sort_keys=True))
    )
