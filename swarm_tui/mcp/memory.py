"""Shared memory as MCP tools, with the names and semantics of Serena's memory tools.

``write_memory``, ``read_memory``, ``list_memories``, ``delete_memory``, ``edit_memory``
(``literal`` or ``regex``) and ``rename_memory`` over the ledger's ``memories`` table, per
project. Each write records its author: the calling agent (the hub passes it in the
request's ``_meta``) or, for outside clients, the client's name.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Literal

from mcp.server.mcpserver import Context, MCPServer

from swarm_tui.store.tools import ToolRecords

__all__ = ["AGENT_META", "add_memory_tools", "memory_server"]

AGENT_META = "swarm_tui/agent"
"""``_meta`` key naming the calling agent (recorded as the author of a write)."""


def _author(ctx: Context[Any, Any] | None, default: str) -> str:
    if ctx is None:
        return default
    try:
        meta: Any = ctx.request_context.meta
    except (ValueError, AttributeError):
        return default
    value = None
    if isinstance(meta, dict):
        value = meta.get(AGENT_META)
    elif meta is not None:
        value = (getattr(meta, "model_extra", None) or {}).get(AGENT_META)
    return str(value) if value else default


def add_memory_tools(
    server: MCPServer,
    store: ToolRecords,
    project: str,
    *,
    author: str = "mcp-client",
    clock: Callable[[], float] = time.time,
) -> None:
    @server.tool()
    async def write_memory(
        memory_name: str, content: str, ctx: Context[Any, Any], max_chars: int = -1
    ) -> str:
        """Write information (markdown) about this project to a named memory that any agent
        can read later. Overwrites a memory of the same name. Names may use '/' for topics."""
        if max_chars >= 0 and len(content) > max_chars:
            return (
                f"Content for {memory_name} is too long ({len(content)} characters, max"
                f" {max_chars}); shorten it."
            )
        await store.put_memory(project, memory_name, content, _author(ctx, author), clock())
        return f"Memory {memory_name} written."

    @server.tool()
    async def read_memory(memory_name: str) -> str:
        """Read the content of a memory. Read one only when it is relevant to the task."""
        entry = await store.memory(project, memory_name)
        if entry is None:
            return (
                f"Memory file {memory_name} not found, consider creating it with the"
                " `write_memory` tool if you need it."
            )
        return entry.content

    @server.tool()
    async def list_memories(topic: str = "") -> dict[str, list[str]]:
        """List the names of the memories (optionally only those under a topic prefix)."""
        prefix = topic.rstrip("/") + "/" if topic else ""
        return {"memories": [e.name for e in await store.memories(project, prefix)]}

    @server.tool()
    async def delete_memory(memory_name: str) -> str:
        """Delete a memory. Only when asked to, or when it is clearly obsolete."""
        if await store.delete_memory(project, memory_name):
            return f"Memory {memory_name} deleted."
        return f"Memory {memory_name} not found."

    @server.tool()
    async def rename_memory(old_name: str, new_name: str, ctx: Context[Any, Any]) -> str:
        """Rename (move) a memory, e.g. into a topic: 'notes' -> 'design/notes'."""
        problem = await store.rename_memory(
            project, old_name, new_name, _author(ctx, author), clock()
        )
        return problem or f"Memory {old_name} renamed to {new_name}."

    @server.tool()
    async def edit_memory(
        memory_name: str,
        needle: str,
        repl: str,
        ctx: Context[Any, Any],
        mode: Literal["literal", "regex"] = "literal",
        allow_multiple_occurrences: bool = False,
    ) -> str:
        """Replace text in a memory: ``needle`` is a literal string or a Python regex (mode
        'regex', DOTALL and MULTILINE on). Fails if it matches nowhere, or more than once
        unless allow_multiple_occurrences."""
        pattern = re.compile(
            re.escape(needle) if mode == "literal" else needle, re.DOTALL | re.MULTILINE
        )

        def change(text: str) -> str:
            found = len(pattern.findall(text))
            if found == 0:
                raise ValueError(f"{needle!r} does not occur in memory {memory_name}")
            if found > 1 and not allow_multiple_occurrences:
                raise ValueError(
                    f"{needle!r} occurs {found} times in memory {memory_name}; set"
                    " allow_multiple_occurrences or make the needle more specific"
                )
            replacement = repl if mode == "regex" else repl.replace("\\", "\\\\")
            return pattern.sub(replacement, text)

        try:
            done = await store.update_memory(
                project, memory_name, change, _author(ctx, author), clock()
            )
        except (ValueError, re.error) as exc:
            return f"Error: {exc}"
        return "OK" if done else f"Memory {memory_name} not found."


def memory_server(store: ToolRecords, project: str, **kwargs: Any) -> MCPServer:
    """An in-process MCP server offering the shared memory of ``project``."""
    server = MCPServer("swarm-memory", instructions="Shared memory of the swarm's agents.")
    add_memory_tools(server, store, project, **kwargs)
    return server
