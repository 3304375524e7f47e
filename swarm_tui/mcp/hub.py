"""The MCP hub: every configured server (plus the swarm's own memory) behind one interface.

Offers each agent the tools its ``mcp_servers`` allow, namespaced ``server__tool``, and runs
calls on the right server. Tool output is turned into text for the model: structured
content (as JSON) when the server sent it, else the text items joined.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp.types as mt
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult

from swarm_tui.config import MCPConfig
from swarm_tui.core.events import Notice
from swarm_tui.core.toolcontrol import ToolControl
from swarm_tui.core.toolloop import OfferedTool, ToolHostError, ToolOutput
from swarm_tui.mcp.conn import MCPConnection, Opener, ServerUnavailable, Session, open_session
from swarm_tui.mcp.memory import AGENT_META, memory_server
from swarm_tui.mcp.names import allowed, definition_hash, namespaced

__all__ = ["MEMORY_SERVER", "MCPHub", "attach_hub", "render_result"]

log = logging.getLogger("swarm_tui.mcp")

MEMORY_SERVER = "swarm"


def render_result(result: CallToolResult) -> str:
    structured = result.structured_content
    texts = [c for c in result.content if isinstance(c, mt.TextContent)]
    if structured is not None and not (list(structured) == ["result"] and texts):
        return json.dumps(structured, ensure_ascii=False)
    parts: list[str] = []
    for item in result.content:
        if isinstance(item, mt.TextContent):
            parts.append(item.text)
        else:
            parts.append(f"[{item.type} content not shown]")
    return "\n".join(parts)


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
    ) -> None:
        """``notify`` hears of every restart after a failed call or health check."""
        self.config = config
        self.conns: dict[str, MCPConnection] = {}
        for name, server in config.servers.items():
            opener = open_session(server, log_dir / f"mcp-{name}.log", env_source)
            self.conns[name] = MCPConnection(
                name,
                opener,
                server.timeout_s,
                ping_interval_s=config.ping_interval_s,
                notify=notify,
            )
        if memory is not None and config.memory:
            self.conns[MEMORY_SERVER] = MCPConnection(MEMORY_SERVER, in_process(memory, 30.0), 30.0)

    def start(self) -> None:
        """Start the servers configured ``start = "boot"`` (and the in-process memory)."""
        for name, conn in self.conns.items():
            server = self.config.servers.get(name)
            if server is None or server.start == "boot":
                conn.start()

    async def close(self) -> None:
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
            for tool in conn.tools or []:
                name = namespaced(server, tool.name)
                if not allowed(entries, server, name):
                    continue
                schema: dict[str, object] = dict(tool.input_schema or {}) or {
                    "type": "object",
                    "properties": {},
                }
                offered.append(
                    OfferedTool(
                        name,
                        server,
                        tool.name,
                        tool.description or "",
                        schema,
                        definition_hash(tool.description, tool.input_schema),
                    )
                )
        return offered

    async def call(self, tool: OfferedTool, arguments: dict[str, object], agent: str) -> ToolOutput:
        conn = self.conns.get(tool.server)
        if conn is None:
            raise ToolHostError(f"MCP server {tool.server!r} is not configured")
        meta: dict[str, Any] | None = {AGENT_META: agent} if tool.server == MEMORY_SERVER else None
        result = await conn.call(tool.tool, dict(arguments), meta)
        return ToolOutput(render_result(result), bool(result.is_error))


def attach_hub(orchestrator: ToolControl, log_dir: Path, *, interactive: bool = False) -> MCPHub:
    """Build the hub for ``orchestrator``'s settings (with the shared memory on its ledger),
    start the boot-time servers and attach it. The caller closes it after the orchestrator.
    Restarts of failed servers are published as warning notices on its bus."""
    memory = memory_server(orchestrator.ledger, orchestrator.project, clock=orchestrator.clock)
    bus, redact = orchestrator.bus, orchestrator.redactor
    hub = MCPHub(
        orchestrator.settings.mcp,
        log_dir,
        memory=memory,
        notify=lambda text: bus.publish(Notice("warning", redact(text))),
    )
    orchestrator.attach_tools(hub, interactive=interactive)
    hub.start()
    return hub
