"""Shared memory as MCP tools, with the names and semantics of Serena's memory tools.

``write_memory``, ``read_memory``, ``list_memories``, ``delete_memory``, ``edit_memory``
(``literal`` or ``regex``) and ``rename_memory`` over a project's memory book
(``memory_books``): the ledger's ``memories`` table, or, for a project whose repository has
Serena's ``.serena/memories`` folder, those files (the ledger kept in step), so agents that
use Serena directly and the swarm's agents share one memory. The project is the server's,
unless the request's ``_meta`` names another (:data:`PROJECT_META`). Each write records its
author: the calling agent (the hub passes it in the request's ``_meta``) or, for outside
clients, the client's name. A call that cannot do what it was asked (no such memory, a
needle that is not there, content over ``max_chars``, an empty name) is a tool error
(``isError``), its message saying why.
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

from swarm_tui.core.memory_books import MemoryBook, MemoryBooks, MemoryNameError
from swarm_tui.mcp.tooldef import declare
from swarm_tui.store.tools import ToolStore

__all__ = [
    "AGENT_META",
    "PROJECT_META",
    "MemoryList",
    "check_memory_name",
    "memory_server",
    "memory_tools",
]

AGENT_META = "swarm_tui/agent"
"""``_meta`` key naming the calling agent (recorded as the author of a write)."""
PROJECT_META = "swarm_tui/project"
"""``_meta`` key naming the project whose memory a call is about (the calling agent's task's
project); without it, the server's own project."""

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


def _meta(ctx: Context[Any, Any] | None, key: str, default: str) -> str:
    if ctx is None:
        return default
    try:
        meta: Any = ctx.request_context.meta
    except (ValueError, AttributeError):
        return default
    value = None
    if isinstance(meta, dict):
        value = meta.get(key)
    elif meta is not None:
        value = (getattr(meta, "model_extra", None) or {}).get(key)
    return str(value) if value else default


def _author(ctx: Context[Any, Any] | None, default: str) -> str:
    return _meta(ctx, AGENT_META, default)


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
    books: MemoryBooks | None = None,
) -> list[Tool]:
    """The six memory tools over ``project``'s memory (in ``books``; without them, the
    ledger's memories of ``project``)."""
    shelf = books or MemoryBooks(store, default_project=project, clock=clock)

    def book(ctx: Context[Any, Any] | None) -> MemoryBook:
        return shelf.book(_meta(ctx, PROJECT_META, project))

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
        try:
            await book(ctx).put(memory_name, content, _author(ctx, author))
        except MemoryNameError as exc:
            raise ToolError(f"{exc}. Nothing was written.") from None
        return f"Memory {memory_name} written."

    async def read_memory(memory_name: Name, ctx: Context[Any, Any]) -> str:
        """Read the content of a memory. Read one only when it is relevant to the task."""
        entry = await book(ctx).get(memory_name)
        if entry is None:
            raise _not_found(memory_name)
        return entry.content

    async def list_memories(
        ctx: Context[Any, Any],
        topic: Annotated[str, Field(description="Only names under this topic, e.g. 'design'")] = "",
    ) -> MemoryList:
        """List the names of the memories (optionally only those under a topic prefix)."""
        prefix = topic.rstrip("/") + "/" if topic else ""
        return MemoryList(memories=[e.name for e in await book(ctx).entries(prefix)])

    async def delete_memory(memory_name: Name, ctx: Context[Any, Any]) -> str:
        """Delete a memory. Only when asked to, or when it is clearly obsolete."""
        if not await book(ctx).delete(memory_name):
            raise _not_found(memory_name)
        return f"Memory {memory_name} deleted."

    async def rename_memory(
        old_name: Name,
        new_name: Annotated[str, Field(description="The new name, e.g. 'design/notes'")],
        ctx: Context[Any, Any],
    ) -> str:
        """Rename (move) a memory, e.g. into a topic: 'notes' -> 'design/notes'."""
        check_memory_name(new_name)
        try:
            problem = await book(ctx).rename(old_name, new_name, _author(ctx, author))
        except MemoryNameError as exc:
            problem = str(exc)
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

        try:
            done = await book(ctx).update(memory_name, change, _author(ctx, author))
        except MemoryNameError:
            done = False
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
