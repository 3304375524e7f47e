"""The service's Unix socket: several clients at once, each on its own connection.

The socket is made 0600 (no moment when it is open to others) and a peer of another user is
refused by its credentials (``SO_PEERCRED``) where the system tells them. A connection that
breaks the protocol is told why and closed; the other connections and the swarm go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

from swarm_tui import __version__
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.service.connection import Connection
from swarm_tui.service.goal_calls import GoalCalls
from swarm_tui.service.live import LiveStreams
from swarm_tui.service.paths import ServicePaths, SocketPathError
from swarm_tui.service.protocol import MAX_LINE, PROTOCOL

__all__ = ["ServiceServer"]

log = logging.getLogger("swarm_tui.service")


def _bind_private(address: str) -> socket.socket:
    """A listening socket at ``address``, 0600 from the start (umask 177 while it binds)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(old)
    os.chmod(address, 0o600)
    sock.listen(64)
    sock.setblocking(False)
    return sock


class ServiceServer:
    def __init__(
        self, orch: Orchestrator, paths: ServicePaths, *, on_shutdown: Callable[[], None]
    ) -> None:
        self.orch = orch
        self.paths = paths
        self.on_shutdown = on_shutdown
        self.started_at = time.time()
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self._keep_live: asyncio.Task[None] | None = None
        self.interactive = 0
        """Subscribers that say a person can answer approvals (a room)."""
        self.live = LiveStreams(orch.bus)
        """The attempts streaming now and their text so far (for a room that attaches)."""
        self.goals = GoalCalls(orch)
        """The goals' calls (:data:`~swarm_tui.service.protocol.GOAL_CALLS`)."""

    def hello(self) -> dict[str, Any]:
        return {
            "hello": "swarm-tui",
            "protocol": PROTOCOL,
            "version": __version__,
            "pid": os.getpid(),
            "ledger": str(self.paths.ledger),
        }

    def status(self) -> dict[str, Any]:
        return {
            **self.hello(),
            "started_at": self.started_at,
            "clients": len(self.connections),
            "subscribers": sum(1 for c in self.connections if c.subscribed),
            "running": len(self.orch.running),
        }

    def set_interactive(self, delta: int) -> None:
        self.interactive += delta
        self.orch.set_interactive(self.interactive > 0)

    async def start(self) -> None:
        """Listen on the socket beside the ledger (a stale one, left by a killed service, is
        replaced: the lock says nobody else serves this ledger)."""
        address = self.paths.socket_address()
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(address)
            sock = _bind_private(address)
        except OSError as exc:
            raise SocketPathError(f"cannot listen on {address}: {exc.strerror or exc}") from None
        self._server = await asyncio.start_unix_server(self._accept, sock=sock, limit=MAX_LINE)
        self._keep_live = asyncio.create_task(self._follow_live(), name="service-live")
        log.info("listening on %s", address)

    async def _follow_live(self) -> None:
        while batch := await self.live.sub.get():
            for event in batch:
                self.live.take(event)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        job = asyncio.current_task()
        assert job is not None
        self._jobs.add(job)
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.serve()
        finally:
            self.connections.discard(connection)
            self._jobs.discard(job)

    async def stop_listening(self) -> None:
        """No new clients (the socket file goes); the connected ones stay until :meth:`close`."""
        if self._server is not None:
            self._server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.paths.socket)

    async def close(self) -> None:
        """Flush what the connected clients are owed, then close their connections."""
        await self.stop_listening()
        await asyncio.gather(*(c.finish() for c in list(self.connections)))
        for job in list(self._jobs):
            job.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        self.live.close()
        if self._keep_live is not None:
            await asyncio.gather(self._keep_live, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
