"""One MCP server connection, owned by one task for its whole life.

The SDK's transports and sessions are anyio contexts that must be entered and left in the
same task, so an owner task holds the ``async with`` until told to stop, and other tasks only
call tools on the live session. A dead or hung server (connection closed, a ping unanswered)
marks the session broken; the owner leaves its contexts and starts the server again with
back-off. Every request runs under ``timeout_s``. How a server is opened (its environment,
log, headers and roots) is :mod:`swarm_tui.mcp.opening`; a server refused there (a header
variable unset) is never started.

A tool call past ``timeout_s`` is cancelled and comes back as a tool error when the server
still answers a ping (a slow tool is not a dead server); only a server that then fails the
ping, or whose connection closed, is restarted. An error the server answered with is a tool
error too.

Health checks: a server that has been idle (no call in flight, none for ``ping_interval_s``)
is pinged by its owner (``send_ping``, under ``timeout_s``); a server that died
or hung while nobody used it fails the ping, is marked unhealthy and restarted the same way,
with a notice, before an agent's call runs into it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, NoReturn

import mcp.types as mt
from mcp import MCPError
from mcp.types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from swarm_tui.mcp.opening import (
    Opener,
    ServerUnavailable,
    Session,
    child_env,
    open_session,
    root_dirs,
    unset_headers,
)

__all__ = [
    "MCPConnection",
    "Opener",
    "ServerUnavailable",
    "Session",
    "child_env",
    "open_session",
    "root_dirs",
    "tool_error",
    "unset_headers",
]

log = logging.getLogger("swarm_tui.mcp")

MAX_BACKOFF = 30.0


class MCPConnection:
    """A server's owner task, its live session and its cached tool list."""

    def __init__(
        self,
        name: str,
        opener: Opener,
        timeout_s: float,
        *,
        ping_interval_s: float = 0.0,
        notify: Callable[[str], None] | None = None,
        refused: str | None = None,
        start_timeout_s: float | None = None,
    ) -> None:
        self.name = name
        self.refused = refused
        """Why this server is never started (a configuration problem), or None."""
        self.timeout_s = timeout_s
        self.start_timeout_s = timeout_s if start_timeout_s is None else start_timeout_s
        """Longest a start may take (spawn, initialize, list tools)."""
        self.ping_interval_s = ping_interval_s
        """Ping the server after this long idle (0: never)."""
        self._notify = notify
        self._opener = opener
        self._session: Session | None = None
        self.tools: list[mt.Tool] | None = None
        """The tool list of the last live session (cached; refreshed on every restart)."""
        self.failure: str | None = None
        self.starts = 0
        self.pings = 0
        """Health checks answered."""
        self.unhealthy: str | None = None
        """Why the last health check failed (None once the server is up again)."""
        self.health_failures = 0
        """Health checks failed (each one restarted the server)."""
        self._in_flight = 0
        self._last_active = 0.0
        self._changed = asyncio.Event()
        self._broken = asyncio.Event()
        self._stop = asyncio.Event()
        self._owner: asyncio.Task[None] | None = None

    @property
    def up(self) -> bool:
        return self._session is not None

    def start(self) -> None:
        if self.refused is not None:
            self.failure = self.refused
            return
        if self._owner is None or self._owner.done():
            self._stop.clear()
            self._owner = asyncio.create_task(self._own(), name=f"mcp-{self.name}")

    async def ensure(self) -> Session:
        """The live session, starting the server if needed; raises if it is not up in time."""
        if self.refused is not None:
            raise ServerUnavailable(f"MCP server {self.name!r} is not started: {self.refused}")
        self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout_s
        starts = self.starts
        while self._session is None:
            if self.failure is not None and self.starts > starts:
                raise ServerUnavailable(f"MCP server {self.name!r} failed: {self.failure}")
            left = deadline - loop.time()
            if left <= 0:
                raise ServerUnavailable(
                    f"MCP server {self.name!r} did not start within"
                    f" {self.start_timeout_s:g} s (its start_timeout_s)"
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
        self._in_flight += 1
        try:
            return await session.call_tool(
                tool, arguments, read_timeout_seconds=self.timeout_s, meta=meta
            )
        except asyncio.CancelledError:
            raise
        except MCPError as exc:
            if exc.code == REQUEST_TIMEOUT:
                return await self._timed_out(session, tool)
            if exc.code != CONNECTION_CLOSED:  # the server answered: it is alive
                return tool_error(f"{tool} failed on MCP server {self.name!r}: {_describe(exc)}")
            self._gone(session, tool, exc)
        except Exception as exc:  # closed streams, a broken pipe: the server is gone
            self._gone(session, tool, exc)
        finally:
            self._in_flight -= 1
            self._touch()

    def _gone(self, session: Session, tool: str, exc: BaseException) -> NoReturn:
        message = (
            f"MCP server {self.name!r} failed during {tool}: {_describe(exc)};"
            " it is being restarted"
        )
        self._restart(session, message)
        raise ServerUnavailable(message) from None

    async def _ping(self, session: Session) -> None:
        """A ping answered within ``timeout_s`` (the session's own read timeout covers a
        slow start, which may be longer)."""
        try:
            await asyncio.wait_for(session.send_ping(), self.timeout_s)
        except TimeoutError:
            raise TimeoutError(
                f"no answer to a ping within {self.timeout_s:g} s (its timeout_s)"
            ) from None

    async def _timed_out(self, session: Session, tool: str) -> mt.CallToolResult:
        """A call ran past ``timeout_s``: a tool error when the server still answers a ping
        (the tool is slow, not the server), a restart when it does not (hung or dead)."""
        late = f"{tool} did not finish within {self.timeout_s:g} s (its server's timeout_s)"
        try:
            await self._ping(session)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            message = (
                f"MCP server {self.name!r}: {late}, and then did not answer a ping"
                f" ({_describe(exc)}); it is being restarted"
            )
            self._restart(session, message)
            raise ServerUnavailable(message) from None
        self.pings += 1
        log.info("MCP server %s: %s; the server is alive", self.name, late)
        return tool_error(
            f"{late}; the call was cancelled and the server is still running."
            " Try it with less work, or do without it."
        )

    def _touch(self) -> None:
        self._last_active = asyncio.get_running_loop().time()

    def _restart(self, session: Session, message: str) -> None:
        """Mark ``session`` broken (the owner restarts the server) and tell people, once."""
        if self._session is not session:
            return  # already being restarted
        self._session = None  # callers wait for the restarted one
        self._broken.set()
        log.warning("%s", message)
        if self._notify is not None:
            self._notify(message)

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
                    self.tools, self.failure, self.unhealthy = tools, None, None
                    self._session = session
                    self.starts += 1
                    delay = 0.5
                    self._touch()
                    self._signal()
                    await self._watch(session)
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

    async def _watch(self, session: Session) -> None:
        """Hold the live session until stop or broken, pinging it whenever it sits idle."""
        loop = asyncio.get_running_loop()
        while not (self._stop.is_set() or self._broken.is_set()):
            if self.ping_interval_s <= 0:
                await _first(self._stop, self._broken)
                return
            left = self._last_active + self.ping_interval_s - loop.time()
            if left > 0 or self._in_flight:  # not idle yet, or busy (a call is a sign of life)
                wait = left if left > 0 else self.ping_interval_s
                await _first(self._stop, self._broken, within=wait)
                continue
            try:
                await self._ping(session)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # dead (connection closed) or hung (request timeout)
                self.unhealthy = _describe(exc)
                self.health_failures += 1
                message = (
                    f"MCP server {self.name!r} failed its health check while idle:"
                    f" {self.unhealthy}; it is being restarted"
                )
                self._restart(session, message)
                return
            self.pings += 1
            self._touch()


async def _first(*events: asyncio.Event, within: float | None = None) -> None:
    """Until one of ``events`` is set (or ``within`` seconds passed)."""
    waits = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


def tool_error(text: str) -> mt.CallToolResult:
    """A failed call as the model sees it: an ``isError`` result with ``text``."""
    return mt.CallToolResult(content=[mt.TextContent(type="text", text=text)], is_error=True)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(e) for e in exc.exceptions)
    error = getattr(exc, "error", None)
    if isinstance(error, mt.ErrorData):
        return f"{error.message} (MCP error {error.code})"
    return f"{type(exc).__name__}: {str(exc) or 'no detail'}"
