"""Shared memory as MCP tools, with the names and semantics of Serena's memory tools.

``write_memory``, ``read_memory``, ``list_memories``, ``delete_memory``, ``edit_memory``
(``literal`` or ``regex``) and ``rename_memory`` over the ledger's ``memories`` table, per
project. Each write records its author: the calling agent (the hub passes it in the
request's ``_meta``) or, for outside clients, the client's name. A call that cannot do what
it was asked (no such memory, a needle that is not there, content over ``max_chars``, an
empty name) is a tool error (``isError``), its message saying why.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import BaseModel, Field

from swarm_tui.mcp.tooldef import declare
from swarm_tui.store.tools import ToolStore

__all__ = ["AGENT_META", "MemoryList", "check_memory_name", "memory_server", "memory_tools"]

AGENT_META = "swarm_tui/agent"
"""``_meta`` key naming the calling agent (recorded as the author of a write)."""

Name = Annotated[str, Field(description="The memory's name; '/' separates topics: 'design/api'")]


class MemoryList(BaseModel):
    """The result of list_memories."""

    memories: list[str] = Field(description="Memory names, sorted")


def check_memory_name(name: str) -> str:
    """``name`` if it can name a memory, else a :class:`ToolError` saying why not."""
    if not name.strip():
        raise ToolError("the memory name is empty; name it, e.g. 'design/api'")
    if name != name.strip() or any(c < " " for c in name):
        raise ToolError(f"memory name {name!r} has leading/trailing spaces or control characters")
    if "" in name.split("/"):
        raise ToolError(f"memory name {name!r} has an empty topic (a leading, trailing or '//')")
    return name


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


def _not_found(name: str) -> ToolError:
    return ToolError(
        f"Memory {name} not found; list_memories shows the names, write_memory creates one."
    )


def memory_tools(
    store: ToolStore,
    project: str,
    *,
    author: str = "mcp-client",
    clock: Callable[[], float] = time.time,
) -> list[Tool]:
    """The six memory tools over ``store``'s memories of ``project``."""

    async def write_memory(
        memory_name: Name,
        content: Annotated[str, Field(description="Markdown; replaces what was there")],
        ctx: Context[Any, Any],
        max_chars: Annotated[
            int, Field(description="Refuse content longer than this; -1: no limit")
        ] = -1,
    ) -> str:
        """Write information (markdown) about this project to a named memory that any agent
        can read later. Overwrites a memory of the same name. Names may use '/' for topics."""
        check_memory_name(memory_name)
        if max_chars >= 0 and len(content) > max_chars:
            raise ToolError(
                f"Content for {memory_name} is too long ({len(content)} characters, max"
                f" {max_chars}); shorten it. Nothing was written."
            )
        await store.put_memory(project, memory_name, content, _author(ctx, author), clock())
        return f"Memory {memory_name} written."

    async def read_memory(memory_name: Name) -> str:
        """Read the content of a memory. Read one only when it is relevant to the task."""
        entry = await store.memory(project, memory_name)
        if entry is None:
            raise _not_found(memory_name)
        return entry.content

    async def list_memories(
        topic: Annotated[str, Field(description="Only names under this topic, e.g. 'design'")] = "",
    ) -> MemoryList:
        """List the names of the memories (optionally only those under a topic prefix)."""
        prefix = topic.rstrip("/") + "/" if topic else ""
        return MemoryList(memories=[e.name for e in await store.memories(project, prefix)])

    async def delete_memory(memory_name: Name) -> str:
        """Delete a memory. Only when asked to, or when it is clearly obsolete."""
        if not await store.delete_memory(project, memory_name):
            raise _not_found(memory_name)
        return f"Memory {memory_name} deleted."

    async def rename_memory(
        old_name: Name,
        new_name: Annotated[str, Field(description="The new name, e.g. 'design/notes'")],
        ctx: Context[Any, Any],
    ) -> str:
        """Rename (move) a memory, e.g. into a topic: 'notes' -> 'design/notes'."""
        check_memory_name(new_name)
        problem = await store.rename_memory(
            project, old_name, new_name, _author(ctx, author), clock()
        )
        if problem:
            raise ToolError(f"{problem}; nothing was renamed")
        return f"Memory {old_name} renamed to {new_name}."

    async def edit_memory(
        memory_name: Name,
        needle: Annotated[str, Field(description="The text (or regex) to replace")],
        repl: Annotated[str, Field(description="The replacement (regex: may use \\1)")],
        ctx: Context[Any, Any],
        mode: Literal["literal", "regex"] = "literal",
        allow_multiple_occurrences: bool = False,
    ) -> str:
        """Replace text in a memory: ``needle`` is a literal string or a Python regex (mode
        'regex', DOTALL and MULTILINE on). Fails if it matches nowhere, or more than once
        unless allow_multiple_occurrences."""
        try:
            pattern = re.compile(
                re.escape(needle) if mode == "literal" else needle, re.DOTALL | re.MULTILINE
            )
        except re.error as exc:
            raise ToolError(f"needle is not a valid regex: {exc}") from exc

        def change(text: str) -> str:
            found = len(pattern.findall(text))
            if found == 0:
                raise ToolError(f"{needle!r} does not occur in memory {memory_name}")
            if found > 1 and not allow_multiple_occurrences:
                raise ToolError(
                    f"{needle!r} occurs {found} times in memory {memory_name}; set"
                    " allow_multiple_occurrences or make the needle more specific"
                )
            replacement = repl if mode == "regex" else repl.replace("\\", "\\\\")
            try:
                return pattern.sub(replacement, text)
            except re.error as exc:  # a bad group reference in repl
                raise ToolError(f"repl is not a valid replacement: {exc}") from exc

        done = await store.update_memory(
            project, memory_name, change, _author(ctx, author), clock()
        )
        if not done:
            raise _not_found(memory_name)
        return "OK"

    return [
        declare(write_memory, title="Write memory", destructive=True, idempotent=True),
        declare(read_memory, title="Read memory", read_only=True),
        declare(list_memories, title="List memories", read_only=True),
        declare(delete_memory, title="Delete memory", destructive=True, idempotent=True),
        declare(rename_memory, title="Rename memory"),
        declare(edit_memory, title="Edit memory", destructive=True),
    ]


def memory_server(store: ToolStore, project: str, **kwargs: Any) -> MCPServer:
    """An in-process MCP server offering the shared memory of ``project``."""
    return MCPServer(
        "swarm-memory",
        instructions="Shared memory of the swarm's agents.",
        tools=memory_tools(store, project, **kwargs),
    )
