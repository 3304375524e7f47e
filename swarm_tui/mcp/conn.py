"""One MCP server connection, owned by one task for its whole life.

The SDK's transports and sessions are anyio contexts that must be entered and left in the
same task, so an owner task holds the ``async with`` until told to stop, and other tasks only
call tools on the live session. A dead or wedged server (connection closed, a call timing
out) marks the session broken; the owner leaves its contexts and starts the server again with
back-off. Every request runs under ``timeout_s``; a stdio child's stderr goes to a log file,
and the child gets only its configured environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import mcp.types as mt
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import PaginatedRequestParams

from swarm_tui.config import MCPServerConfig
from swarm_tui.core.toolloop import ToolHostError

__all__ = ["MCPConnection", "ServerUnavailable", "child_env", "open_session"]

log = logging.getLogger("swarm_tui.mcp")

MAX_BACKOFF = 30.0


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


def open_session(
    config: MCPServerConfig, log_path: Path, env_source: Mapping[str, str] | None = None
) -> Opener:
    """The opener of a configured stdio or streamable-HTTP server."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[tuple[Session, list[mt.Tool]]]:
        source = os.environ if env_source is None else env_source
        timeout = config.timeout_s
        cwd = os.path.expanduser(config.cwd) if config.cwd else None  # noqa: ASYNC240
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("a", encoding="utf-8") as errlog:
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

                headers = {h: source.get(env, "") for h, env in config.headers.items()}
                client = httpx2.AsyncClient(headers=headers, timeout=timeout)
                transport = streamable_http_client(config.url or "", http_client=client)
            async with (
                transport as streams,
                ClientSession(streams[0], streams[1], read_timeout_seconds=timeout) as session,
            ):
                await session.initialize()
                yield session, await _all_tools(session)

    return opened


class MCPConnection:
    """A server's owner task, its live session and its cached tool list."""

    def __init__(self, name: str, opener: Opener, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._opener = opener
        self._session: Session | None = None
        self.tools: list[mt.Tool] | None = None
        """The tool list of the last live session (cached; refreshed on every restart)."""
        self.failure: str | None = None
        self.starts = 0
        self._changed = asyncio.Event()
        self._broken = asyncio.Event()
        self._stop = asyncio.Event()
        self._owner: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._session is not None

    def start(self) -> None:
        if self._owner is None or self._owner.done():
            self._stop.clear()
            self._owner = asyncio.create_task(self._own(), name=f"mcp-{self.name}")

    async def ensure(self) -> Session:
        """The live session, starting the server if needed; raises if it is not up in time."""
        self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        starts = self.starts
        while self._session is None:
            if self.failure is not None and self.starts > starts:
                raise ServerUnavailable(f"MCP server {self.name!r} failed: {self.failure}")
            left = deadline - loop.time()
            if left <= 0:
                raise ServerUnavailable(
                    f"MCP server {self.name!r} did not start within {self.timeout_s:g} s"
                    + (f" (last failure: {self.failure})" if self.failure else "")
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return self._session

    async def call(
        self, tool: str, arguments: dict[str, Any], meta: dict[str, Any] | None = None
    ) -> mt.CallToolResult:
        session = await self.ensure()
        try:
            return await session.call_tool(
                tool, arguments, read_timeout_seconds=self.timeout_s, meta=meta
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # MCPError, closed streams: the server is gone or wedged
            if self._session is session:
                self._session = None  # callers wait for the restarted one
            self._broken.set()
            raise ServerUnavailable(
                f"MCP server {self.name!r} failed during {tool}: {_describe(exc)};"
                " it is being restarted"
            ) from None

    async def close(self) -> None:
        self._stop.set()
        self._changed.set()
        if self._owner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._owner
            self._owner = None

    def _signal(self) -> None:
        self._changed.set()

    async def _own(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            self._broken.clear()
            try:
                async with self._opener() as (session, tools):
                    self.tools, self.failure = tools, None
                    self._session = session
                    self.starts += 1
                    delay = 0.5
                    self._signal()
                    await _first(self._stop, self._broken)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                self.failure = _describe(exc)
                self.starts += 1
                log.warning("MCP server %s: %s", self.name, self.failure)
            finally:
                self._session = None
                self._signal()
            if self._stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            delay = min(delay * 2, MAX_BACKOFF)


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    error = getattr(exc, "error", None)
    if isinstance(error, mt.ErrorData):
        return f"{error.message} (MCP error {error.code})"
    return f"{type(exc).__name__}: {str(exc) or 'no detail'}"
