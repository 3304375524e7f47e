"""Ledger records of the MCP hub: tool calls per attempt, tool approvals, shared memory.

Writes go through the ledger's group-commit writer (durable when the call returns), reads use
its read connection. :class:`ToolStore` is what the tool loop, approvals and the memory server
use of it (the ledger and this part both are one).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import aiosqlite

from swarm_tui.store.reader import Reader
from swarm_tui.store.writer import GroupWriter

__all__ = ["Approval", "MemoryEntry", "ToolCallRecord", "ToolRecords", "ToolStore"]


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """One tool call an attempt made, however it ended."""

    task_id: int
    attempt_id: int
    call_id: str
    tool: str
    """Namespaced: ``server__tool``."""
    arguments: dict[str, object]
    outcome: str
    """``ok``, ``tool_error`` (the tool said is_error), ``failed`` (transport), ``denied``."""
    result_chars: int = 0
    duration_ms: float | None = None
    approved_by: str = ""
    """``policy:auto``, ``human:once``, ``human:always``, ``stored``, ``policy:deny``..."""
    error: str | None = None
    ts: float = 0.0


@dataclass(frozen=True, slots=True)
class Approval:
    agent: str
    tool: str
    def_hash: str
    decision: str
    """``always`` (approved until the definition changes) or ``deny``."""
    decided_by: str
    ts: float


@dataclass(frozen=True, slots=True)
class MemoryEntry:
    project: str
    name: str
    content: str
    author: str
    created_at: float
    updated_at: float


class ToolStore(Protocol):
    """Tool calls, approvals and shared memory as the MCP side uses them."""

    async def record_tool_call(self, rec: ToolCallRecord) -> None: ...

    async def tool_calls(
        self, *, task_id: int | None = None, attempt_id: int | None = None
    ) -> list[ToolCallRecord]: ...

    async def approval(self, agent: str, tool: str) -> Approval | None: ...

    async def set_approval(self, approval: Approval) -> None: ...

    async def memory(self, project: str, name: str) -> MemoryEntry | None: ...

    async def memories(self, project: str, prefix: str = "") -> list[MemoryEntry]: ...

    async def put_memory(
        self, project: str, name: str, content: str, author: str, now: float
    ) -> None: ...

    async def update_memory(
        self, project: str, name: str, change: Callable[[str], str], author: str, now: float
    ) -> bool: ...

    async def delete_memory(self, project: str, name: str) -> bool: ...

    async def rename_memory(
        self, project: str, old: str, new: str, author: str, now: float
    ) -> str | None: ...


class ToolRecords:
    def __init__(self, reader: Reader, writer: GroupWriter) -> None:
        self._rows = reader.rows
        self.writer = writer

    # ------------------------------------------------------------------ tool calls
    async def record_tool_call(self, rec: ToolCallRecord) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO tool_calls (ts, task_id, attempt_id, call_id, tool, arguments,"
                " outcome, result_chars, duration_ms, approved_by, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.ts,
                    rec.task_id,
                    rec.attempt_id,
                    rec.call_id,
                    rec.tool,
                    json.dumps(rec.arguments, sort_keys=True),
                    rec.outcome,
                    rec.result_chars,
                    rec.duration_ms,
                    rec.approved_by,
                    rec.error,
                ),
            )

        await self.writer.run(op)

    async def tool_calls(
        self, *, task_id: int | None = None, attempt_id: int | None = None
    ) -> list[ToolCallRecord]:
        where, args = [], []
        if task_id is not None:
            where.append("task_id = ?")
            args.append(task_id)
        if attempt_id is not None:
            where.append("attempt_id = ?")
            args.append(attempt_id)
        sql = (
            "SELECT task_id, attempt_id, call_id, tool, arguments, outcome, result_chars,"
            " duration_ms, approved_by, error, ts FROM tool_calls"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows: Sequence[Any] = await self._rows(sql + " ORDER BY id", args)
        return [
            ToolCallRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), *tuple(r[5:])) for r in rows
        ]

    # ------------------------------------------------------------------ approvals
    async def approval(self, agent: str, tool: str) -> Approval | None:
        rows = await self._rows(
            "SELECT agent, tool, def_hash, decision, decided_by, ts FROM tool_approvals"
            " WHERE agent = ? AND tool = ?",
            (agent, tool),
        )
        return Approval(*rows[0]) if rows else None

    async def set_approval(self, approval: Approval) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT OR REPLACE INTO tool_approvals"
                " (agent, tool, def_hash, decision, decided_by, ts) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    approval.agent,
                    approval.tool,
                    approval.def_hash,
                    approval.decision,
                    approval.decided_by,
                    approval.ts,
                ),
            )

        await self.writer.run(op)

    # ------------------------------------------------------------------ shared memory
    async def memory(self, project: str, name: str) -> MemoryEntry | None:
        rows = await self._rows(
            "SELECT project, name, content, author, created_at, updated_at FROM memories"
            " WHERE project = ? AND name = ?",
            (project, name),
        )
        return MemoryEntry(*rows[0]) if rows else None

    async def memories(self, project: str, prefix: str = "") -> list[MemoryEntry]:
        rows = await self._rows(
            "SELECT project, name, content, author, created_at, updated_at FROM memories"
            " WHERE project = ? AND substr(name, 1, ?) = ? ORDER BY name",
            (project, len(prefix), prefix),
        )
        return [MemoryEntry(*r) for r in rows]

    async def put_memory(
        self, project: str, name: str, content: str, author: str, now: float
    ) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO memories (project, name, content, author, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (project, name) DO UPDATE SET"
                " content = excluded.content, author = excluded.author,"
                " updated_at = excluded.updated_at",
                (project, name, content, author, now, now),
            )

        await self.writer.run(op)

    async def update_memory(
        self,
        project: str,
        name: str,
        change: Callable[[str], str],
        author: str,
        now: float,
    ) -> bool:
        """Read-modify-write in one transaction; ``change`` may raise to abort. False: none."""

        async def op(conn: aiosqlite.Connection) -> bool:
            async with conn.execute(
                "SELECT content FROM memories WHERE project = ? AND name = ?", (project, name)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await conn.execute(
                "UPDATE memories SET content = ?, author = ?, updated_at = ?"
                " WHERE project = ? AND name = ?",
                (change(str(row[0])), author, now, project, name),
            )
            return True

        return bool(await self.writer.run(op))

    async def delete_memory(self, project: str, name: str) -> bool:
        async def op(conn: aiosqlite.Connection) -> bool:
            cur = await conn.execute(
                "DELETE FROM memories WHERE project = ? AND name = ?", (project, name)
            )
            return cur.rowcount > 0

        return bool(await self.writer.run(op))

    async def rename_memory(
        self, project: str, old: str, new: str, author: str, now: float
    ) -> str | None:
        """None when renamed, else why not."""

        async def op(conn: aiosqlite.Connection) -> str | None:
            async with conn.execute(
                "SELECT 1 FROM memories WHERE project = ? AND name = ?", (project, new)
            ) as cur:
                if await cur.fetchone() is not None:
                    return f"memory {new!r} already exists"
            cur2 = await conn.execute(
                "UPDATE memories SET name = ?, author = ?, updated_at = ?"
                " WHERE project = ? AND name = ?",
                (new, author, now, project, old),
            )
            return None if cur2.rowcount > 0 else f"no memory named {old!r}"

        result: str | None = await self.writer.run(op)
        return result
