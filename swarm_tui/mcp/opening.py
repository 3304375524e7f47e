"""How a configured MCP server is opened: a stdio child with only its configured
environment (stderr to a 0600 log) or a streamable-HTTP endpoint with its headers from the
environment, a client session that declares roots, and the server's whole tool list.

A server whose header variables are unset or empty is refused (no anonymous requests).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import mcp.types as mt
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.context import ClientRequestContext
from mcp.client.session import ListRootsFnT
from mcp.types import PaginatedRequestParams

from swarm_tui.config import MCPServerConfig
from swarm_tui.core.toolloop import ToolHostError
from swarm_tui.domain.private_files import open_append
from swarm_tui.mcp.envrefs import header_values, unset_header_variables

__all__ = [
    "Opener",
    "ServerUnavailable",
    "Session",
    "child_env",
    "open_session",
    "root_dirs",
    "roots_answer",
    "unset_headers",
]


class ServerUnavailable(ToolHostError):
    """The server could not start, died, or did not answer in time."""


class Session(Protocol):
    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        read_timeout_seconds: float | None = None,
        *,
        meta: Any = None,
    ) -> mt.CallToolResult: ...

    async def send_ping(self) -> mt.EmptyResult: ...


Opener = Callable[[], AbstractAsyncContextManager[tuple[Session, list[mt.Tool]]]]


def child_env(entries: list[str], source: Mapping[str, str] | None = None) -> dict[str, str]:
    """``"NAME"`` copies that variable from ``source`` (if set), ``"NAME=value"`` sets it."""
    source = os.environ if source is None else source
    env: dict[str, str] = {}
    for entry in entries:
        name, eq, value = entry.partition("=")
        if eq:
            env[name] = value
        elif name in source:
            env[name] = source[name]
    return env


async def _all_tools(session: ClientSession) -> list[mt.Tool]:
    tools: list[mt.Tool] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor))
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            return tools


def unset_headers(config: MCPServerConfig, source: Mapping[str, str] | None = None) -> str | None:
    """Why the server must not start (a header's variable is unset or empty), or None.

    An empty ``Authorization`` would reach the server as an anonymous request."""
    source = os.environ if source is None else source
    unset = unset_header_variables(config.headers, source)
    if not unset:
        return None
    return f"header {', '.join(unset)} has no value (set the variable)"


def root_dirs(config: MCPServerConfig) -> list[Path]:
    """The directories declared to the server as its roots: ``roots``, else its ``cwd``."""
    listed = config.roots if config.roots is not None else [config.cwd] if config.cwd else []
    return [Path(os.path.expanduser(d)).resolve() for d in listed]


def roots_answer(directories: list[Path]) -> ListRootsFnT:
    """The ``roots/list`` callback: the directories the server may work in."""
    result = mt.ListRootsResult(
        roots=[mt.Root(uri=d.as_uri(), name=d.name or str(d)) for d in directories]
    )

    async def list_roots(context: ClientRequestContext) -> mt.ListRootsResult | mt.ErrorData:
        return result

    return list_roots


def open_session(
    config: MCPServerConfig, log_path: Path, env_source: Mapping[str, str] | None = None
) -> Opener:
    """The opener of a configured stdio or streamable-HTTP server (declaring roots)."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[tuple[Session, list[mt.Tool]]]:
        source = os.environ if env_source is None else env_source
        refused = unset_headers(config, source)
        if refused is not None:
            raise ServerUnavailable(f"not started: {refused}")
        timeout = config.timeout_s
        cwd = os.path.expanduser(config.cwd) if config.cwd else None  # noqa: ASYNC240
        with open_append(log_path) as errlog:
            if config.command is not None:
                params = StdioServerParameters(
                    command=config.command,
                    args=list(config.args),
                    env=child_env(config.env, source),
                    cwd=cwd,
                )
                transport: AbstractAsyncContextManager[Any] = stdio_client(params, errlog=errlog)
            else:
                import httpx2
                from mcp.client.streamable_http import streamable_http_client

                headers = header_values(config.headers, source)
                client = httpx2.AsyncClient(headers=headers, timeout=timeout)
                transport = streamable_http_client(config.url or "", http_client=client)
            async with (
                transport as streams,
                ClientSession(
                    streams[0],
                    streams[1],
                    # start-up answers (initialize, tools) may take start_timeout_s; calls
                    # and pings pass timeout_s themselves (conn.py)
                    read_timeout_seconds=max(timeout, config.start_timeout_s),
                    list_roots_callback=roots_answer(root_dirs(config)),
                ) as session,
            ):
                await session.initialize()
                yield session, await _all_tools(session)

    return opened
