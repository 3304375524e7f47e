"""The MCP hub: every configured server (plus the swarm's own memory) behind one interface.

Offers each agent the tools its ``mcp_servers`` allow, namespaced ``server__tool`` (unique
per server: a clash is told apart and announced), and runs calls on the right server. Tools
that can only run as MCP tasks (``execution.taskSupport: "required"``) are left out with a
notice: the hub calls tools directly. Tool output becomes text for the model
(:mod:`swarm_tui.mcp.content`). A server whose header variables are unset is refused at once
(a notice names the variable) and never contacted.

What the hub declares to servers: ``roots`` (a server's ``roots``, default its ``cwd``). It
does not declare ``sampling`` or ``elicitation``: servers hide the tools that need them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp.types as mt
from mcp import Client
from mcp.server.mcpserver import MCPServer

from swarm_tui.config import MCPConfig
from swarm_tui.core.control import Control
from swarm_tui.core.toolloop import OfferedTool, ToolHostError, ToolOutput
from swarm_tui.domain.events import Notice
from swarm_tui.domain.toolnames import allowed, definition_hash, offered_names
from swarm_tui.mcp.conn import (
    MCPConnection,
    Opener,
    ServerUnavailable,
    Session,
    open_session,
    unset_headers,
)
from swarm_tui.mcp.content import render_for_model, render_result
from swarm_tui.mcp.memory import AGENT_META, PROJECT_META, memory_server
from swarm_tui.mcp.memory_sync import MemorySync

__all__ = ["MEMORY_SERVER", "MCPHub", "attach_hub", "needs_task", "render_result"]

log = logging.getLogger("swarm_tui.mcp")

MEMORY_SERVER = "swarm"


def needs_task(tool: mt.Tool) -> bool:
    """The tool can only be called as an MCP task (which the hub does not run)."""
    return tool.execution is not None and tool.execution.task_support == "required"


def in_process(server: MCPServer, timeout: float) -> Opener:
    @asynccontextmanager
    async def opened() -> AsyncIterator[tuple[Session, list[mt.Tool]]]:
        async with Client(server, read_timeout_seconds=timeout) as client:
            tools: list[mt.Tool] = []
            cursor: str | None = None
            while True:
                page = await client.list_tools(cursor=cursor)
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
            yield client, tools

    return opened


class MCPHub:
    def __init__(
        self,
        config: MCPConfig,
        log_dir: Path,
        *,
        memory: MCPServer | None = None,
        env_source: Mapping[str, str] | None = None,
        notify: Callable[[str], None] | None = None,
        memory_sync: MemorySync | None = None,
    ) -> None:
        """``notify`` hears of every restart after a failed call or health check, and (once
        each) of servers refused, tools renamed and tools left out."""
        self.config = config
        self.conns: dict[str, MCPConnection] = {}
        self._notify = notify
        self._told: set[str] = set()
        self.memory_sync = memory_sync
        """Keeps the ledger in step with projects' Serena memory files while the hub runs."""
        for name, server in config.servers.items():
            opener = open_session(server, log_dir / f"mcp-{name}.log", env_source)
            self.conns[name] = MCPConnection(
                name,
                opener,
                server.timeout_s,
                ping_interval_s=config.ping_interval_s,
                notify=notify,
                refused=unset_headers(server, env_source),
                start_timeout_s=server.start_timeout_s,
            )
        if memory is not None and config.memory:
            self.conns[MEMORY_SERVER] = MCPConnection(MEMORY_SERVER, in_process(memory, 30.0), 30.0)

    def tell(self, text: str) -> None:
        """Log ``text`` and pass it to ``notify``, once per hub."""
        if text in self._told:
            return
        self._told.add(text)
        log.warning("%s", text)
        if self._notify is not None:
            self._notify(text)

    def start(self) -> None:
        """Start the servers configured ``start = "boot"`` (and the in-process memory); say
        which servers are refused and why."""
        for name, conn in self.conns.items():
            if conn.refused is not None:
                self.tell(f"MCP server {name!r} is not started: {conn.refused}")
                continue
            server = self.config.servers.get(name)
            if server is None or server.start == "boot":
                conn.start()
        if self.memory_sync is not None:
            self.memory_sync.start()

    async def close(self) -> None:
        if self.memory_sync is not None:
            await self.memory_sync.stop()
        for conn in self.conns.values():
            await conn.close()

    def _servers_for(self, allow: Sequence[str]) -> list[str]:
        wanted = {entry.split("__", 1)[0] for entry in allow}
        if MEMORY_SERVER in self.conns:
            wanted.add(MEMORY_SERVER)
        return [name for name in self.conns if name in wanted]

    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]:
        """The tools ``agent`` may see; a server that cannot start is left out (logged)."""
        entries = [*allow, MEMORY_SERVER]
        offered: list[OfferedTool] = []
        for server in self._servers_for(allow):
            conn = self.conns[server]
            if conn.tools is None or not conn.up:
                try:
                    await conn.ensure()
                except ServerUnavailable as exc:
                    log.warning("%s: tools of %s not offered: %s", agent, server, exc)
                    if conn.tools is None:
                        continue
            for name, tool in self.server_tools(server):
                if allowed(entries, server, name):
                    offered.append(_offer(name, server, tool))
        return offered

    def server_tools(self, server: str) -> list[tuple[str, mt.Tool]]:
        """``server``'s cached tools the hub can call, with their offered names (notices for
        renamed and left-out tools)."""
        tools = self.conns[server].tools or []
        callable_tools = []
        for tool in tools:
            if needs_task(tool):
                self.tell(
                    f"MCP server {server!r}: tool {tool.name!r} is not offered: it runs only"
                    " as an MCP task (taskSupport required), which the hub does not support"
                )
            else:
                callable_tools.append(tool)
        names, notes = offered_names(server, [t.name for t in callable_tools])
        for note in notes:
            self.tell(note)
        return [(names[t.name], t) for t in callable_tools]

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        """Run one tool; ``project``: the calling task's project (whose memory the memory
        tools use)."""
        conn = self.conns.get(tool.server)
        if conn is None:
            raise ToolHostError(f"MCP server {tool.server!r} is not configured")
        meta: dict[str, Any] | None = None
        if tool.server == MEMORY_SERVER:
            meta = {AGENT_META: agent, **({PROJECT_META: project} if project else {})}
        result = await conn.call(tool.tool, dict(arguments), meta)
        text, images = render_for_model(result)
        return ToolOutput(text, bool(result.is_error), images)


def _offer(name: str, server: str, tool: mt.Tool) -> OfferedTool:
    schema: dict[str, object] = dict(tool.input_schema or {}) or {
        "type": "object",
        "properties": {},
    }
    return OfferedTool(
        name,
        server,
        tool.name,
        tool.description or "",
        schema,
        definition_hash(tool.description, tool.input_schema),
    )


def attach_hub(orchestrator: Control, log_dir: Path, *, interactive: bool = False) -> MCPHub:
    """Build the hub for ``orchestrator``'s settings (with the shared memory on its ledger),
    start the boot-time servers and attach it. The caller closes it after the orchestrator.
    Restarts of failed servers are published as warning notices on its bus."""
    bus, redact = orchestrator.bus, orchestrator.redactor
    books = orchestrator.memory_books  # the room's memory calls use the same books
    memory = memory_server(orchestrator.ledger, orchestrator.project, books=books)
    hub = MCPHub(
        orchestrator.settings.mcp,
        log_dir,
        memory=memory,
        notify=lambda text: bus.publish(Notice("warning", redact(text))),
        memory_sync=MemorySync(books),
    )
    orchestrator.attach_tools(hub, interactive=interactive)
    hub.start()
    return hub
