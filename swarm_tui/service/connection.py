"""One client's connection to the service: its hello, its requests, its event stream."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import struct
from collections.abc import Callable
from typing import Any, Protocol

from swarm_tui.core.bus import Subscription
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.service.calls import CallFailed, call_control
from swarm_tui.service.goal_calls import GoalCalls, call_goal
from swarm_tui.service.live import LiveStreams
from swarm_tui.service.protocol import (
    GOAL_CALLS,
    MAX_LINE,
    ProtocolError,
    event_line,
    line,
    parse,
)


class Host(Protocol):
    """What a connection needs of the server that accepted it."""

    orch: Orchestrator
    on_shutdown: Callable[[], None]
    live: LiveStreams
    goals: GoalCalls

    def hello(self) -> dict[str, Any]: ...
    def status(self) -> dict[str, Any]: ...
    def set_interactive(self, delta: int) -> None: ...


__all__ = ["Connection", "peer_uid"]

log = logging.getLogger("swarm_tui.service")


def peer_uid(sock: socket.socket) -> int | None:
    """The user id of the process at the other end (None where the system does not say)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    size = struct.calcsize("3i")
    _pid, uid, _gid = struct.unpack(
        "3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, size)
    )
    return int(uid)


FLUSH_SECONDS = 5.0
"""How long a stopping service waits for a client to take the events still owed to it."""

IN_FLIGHT = 32
"""Requests of one connection carried out at once; it reads no more lines meanwhile."""


class Connection:
    def __init__(
        self, server: Host, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self._write = asyncio.Lock()
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._calls: set[asyncio.Task[None]] = set()
        self._sub: Subscription | None = None
        self._pump: asyncio.Task[None] | None = None
        self._interactive = False

    @property
    def subscribed(self) -> bool:
        return self._sub is not None

    async def send(self, message: bytes) -> None:
        async with self._write:
            if self.writer.is_closing():
                return
            self.writer.write(message)
            with contextlib.suppress(ConnectionError):
                await self.writer.drain()

    async def serve(self) -> None:
        try:
            uid = peer_uid(self.writer.get_extra_info("socket"))
            if uid is not None and uid != os.getuid():
                log.warning(
                    "refused a connection from uid %d (the service runs as %d)", uid, os.getuid()
                )
                await self._refuse(f"refused: this service belongs to uid {os.getuid()}")
                return
            await self.send(line(self.server.hello()))
            await self._read_requests()
        except ProtocolError as exc:
            log.warning("closed a client connection: %s", exc)
            await self._refuse(str(exc))
        except ConnectionError:
            pass
        finally:
            await self._end()

    async def _refuse(self, text: str) -> None:
        with contextlib.suppress(ConnectionError):
            await self.send(line({"error": {"kind": "protocol", "message": text}}))

    async def _read_requests(self) -> None:
        while True:
            try:
                raw = await self.reader.readline()
            except ValueError:  # the line outgrew the reader's limit
                raise ProtocolError(f"line longer than {MAX_LINE} bytes") from None
            if not raw.endswith(b"\n"):
                return  # end of input (a half line at the end is dropped)
            message = parse(raw)
            request_id, call, args = message.get("id"), message.get("call"), message.get("args", {})
            if not isinstance(request_id, (int, str)) or isinstance(request_id, bool):
                raise ProtocolError('a request needs an "id" (a number or a string)')
            if not isinstance(call, str) or not isinstance(args, dict):
                raise ProtocolError('a request needs "call" (a string) and "args" (an object)')
            await self._slots.acquire()
            job = asyncio.create_task(self._answer(request_id, call, args))
            self._calls.add(job)
            job.add_done_callback(self._calls.discard)

    async def _answer(self, request_id: int | str, call: str, args: dict[str, Any]) -> None:
        try:
            try:
                result = await self._carry_out(call, args)
                reply = {"id": request_id, "result": result}
            except CallFailed as exc:
                reply = {"id": request_id, "error": {"kind": exc.kind, "message": str(exc)}}
            except Exception as exc:  # a bug here must not leave the client waiting forever
                log.exception("service request %s failed", call)
                text = self.server.orch.redactor(f"{call} failed: {exc}")
                reply = {"id": request_id, "error": {"kind": "internal", "message": text}}
            await self.send(line(reply))
        finally:
            self._slots.release()

    async def _carry_out(self, call: str, args: dict[str, Any]) -> Any:
        if call == "subscribe":
            await self._subscribe(bool(args.get("interactive", False)))
            return None
        if call == "unsubscribe":
            await self._unsubscribe()
            return None
        if call == "flags":
            return dict(self.server.orch.flags)
        if call == "service":
            return self.server.status()
        if call == "shutdown":
            self.server.on_shutdown()
            return None
        if call in GOAL_CALLS:
            return await call_goal(self.server.goals, call, args)
        return await call_control(self.server.orch, call, args)

    async def _subscribe(self, interactive: bool) -> None:
        if self._sub is None:
            # One step: the subscription and the live streams as they stand (nothing between
            # them is missed or sent twice); those go first, then every event from now on.
            self._sub = self.server.orch.bus.subscribe()
            for event in self.server.live.snapshot():
                await self.send(event_line(event))
            self._pump = asyncio.create_task(self._stream(self._sub), name="service-events")
        if interactive and not self._interactive:
            self._interactive = True
            self.server.set_interactive(+1)

    async def _stream(self, sub: Subscription) -> None:
        while batch := await sub.get():
            for event in batch:
                await self.send(event_line(event))

    async def _unsubscribe(self) -> None:
        if self._interactive:
            self._interactive = False
            self.server.set_interactive(-1)
        sub, pump, self._sub, self._pump = self._sub, self._pump, None, None
        if sub is not None:
            sub.close()
        if pump is not None:
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await pump

    async def finish(self) -> None:
        """The service stops: events published so far are sent, then the line is closed."""
        if self._sub is not None:
            self._sub.close()  # the pump sends what is queued, then ends
        if self._pump is not None:
            try:
                await asyncio.wait_for(self._pump, FLUSH_SECONDS)
            except (TimeoutError, ConnectionError, asyncio.CancelledError):
                self.writer.transport.abort()  # a client that reads nothing holds up no stop
        self.writer.close()

    async def _end(self) -> None:
        # A command already sent is carried out even when its client is gone (its answer is
        # dropped): a person's cancel or decision is not undone by a dropped link.
        await asyncio.gather(*self._calls, return_exceptions=True)
        await self._unsubscribe()
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()
