"""The socket side of a service's client: open the connection (the service's hello checked),
send a request and await its answer by id, read the lines the service sends (answers, events),
and fail what is in flight when the connection goes (:attr:`SocketClient.lost`).
:meth:`SocketClient.reconnect` opens the ledger's socket again for the same client.

What a call answers is decoded by the return type of the client's method of that name
(:func:`return_type`). The classes above this one keep state from the events
(``client_state``) and offer the calls (``client``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import typing
from pathlib import Path
from typing import Any, Self

from swarm_tui.core.errors import ControlError
from swarm_tui.service.codec import CodecError, decode, encode
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.protocol import ProtocolError, line, parse, refusal

__all__ = ["READ_LIMIT", "REFUSED", "ServiceError", "SocketClient", "return_type"]

READ_LIMIT = 1 << 30
"""Longest reply line taken from the service (``tasks()`` of a big ledger is one line)."""

REFUSED = frozenset({"control", "invalid", "submit", "request"})
"""The error kinds that are the API's refusals (:class:`ControlError`), not a failure."""


class ServiceError(ConnectionError):
    """The service cannot be reached, went away, or failed a call on its side."""


def _room_types() -> dict[str, Any]:
    """Types only the room's calls return, whose modules load the config models (pydantic):
    imported when such a call is first decoded, so a one-line command does not load them."""
    from swarm_tui.core.approvals import PendingApproval
    from swarm_tui.core.budget import Line

    return {"PendingApproval": PendingApproval, "Line": Line}


_RETURNS: dict[tuple[type, str], Any] = {}


def return_type(owner: type, name: str) -> Any:
    """The return type of ``owner.name`` (what the call ``name`` answers is decoded to)."""
    key = (owner, name)
    if key not in _RETURNS:
        method = getattr(owner, name)
        try:
            _RETURNS[key] = typing.get_type_hints(method)["return"]
        except NameError:
            _RETURNS[key] = typing.get_type_hints(method, localns=_room_types())["return"]
    return _RETURNS[key]


async def _open(
    ledger: Path, wait: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, dict[str, Any]]:
    paths = ServicePaths(ledger)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(paths.socket_address(), limit=READ_LIMIT), wait
        )
    except (OSError, TimeoutError, ValueError) as exc:
        raise ServiceError(f"no service answers on {paths.socket}: {exc}") from None
    try:
        greeting = parse(await asyncio.wait_for(reader.readline(), wait))
    except (OSError, TimeoutError, ProtocolError, ValueError) as exc:
        writer.close()
        raise ServiceError(f"no service answers on {paths.socket}: {exc}") from None
    refused = refusal(greeting)
    if refused is not None:
        writer.close()
        raise ServiceError(f"{paths.socket}: {refused}")
    return reader, writer, greeting


class SocketClient:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        hello: dict[str, Any],
        ledger: Path | None = None,
    ) -> None:
        self.hello = hello
        self.ledger = ledger if ledger is not None else Path(str(hello.get("ledger", "")))
        self.data_dir = self.ledger.parent
        """The ledger's folder (its log, the socket, the projects' worktrees)."""
        self.lost = asyncio.Event()
        self.lost_reason = ""
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._reader, self._writer = reader, writer
        self._job = asyncio.create_task(self._read(), name="service-client")

    @classmethod
    async def connect(cls, ledger: Path, *, wait: float = 10.0) -> Self:
        """Attach to the service of ``ledger``; :class:`ServiceError` when none answers."""
        reader, writer, greeting = await _open(ledger, wait)
        return cls(reader, writer, greeting, ledger)

    async def reconnect(self, *, wait: float = 10.0) -> None:
        """After :attr:`lost`: attach to the ledger's service again (:class:`ServiceError`
        while none answers)."""
        if not self.lost.is_set():
            return
        reader, writer, greeting = await _open(self.ledger, wait)
        self._reader, self._writer, self.hello = reader, writer, greeting
        self.lost_reason = ""
        self.lost.clear()
        self._reattached()
        self._job = asyncio.create_task(self._read(), name="service-client")

    # ------------------------------------------------------------------ what the classes above add
    def _on_event(self, message: dict[str, Any]) -> None:
        """An ``event`` line from the service."""

    def _on_lost(self, reason: str) -> None:
        """The connection went (every call in flight failed already)."""

    def _reattached(self) -> None:
        """:meth:`reconnect` opened a new connection."""

    # ------------------------------------------------------------------ reading and calling
    async def _read(self) -> None:
        reason = "the service closed the connection"
        try:
            while raw := await self._reader.readline():
                message = parse(raw)
                request_id = message.get("id")
                future = self._waiting.pop(request_id) if request_id in self._waiting else None
                if "event" in message:
                    self._on_event(message)
                elif future is not None:
                    if not future.done():
                        future.set_result(message)
                elif "error" in message:
                    reason = f"the service refused this client: {message['error'].get('message')}"
                    break
        except (OSError, ValueError) as exc:
            reason = f"the connection to the service broke: {exc}"
        finally:
            self._gone(reason)

    def _gone(self, reason: str) -> None:
        self.lost_reason = reason
        self.lost.set()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ServiceError(reason))
        self._waiting.clear()
        self._writer.close()
        self._on_lost(reason)

    async def call(self, name: str, /, **args: Any) -> Any:
        """Send one request; its result as JSON (a refusal raises :class:`ControlError`)."""
        if self.lost.is_set():
            raise ServiceError(self.lost_reason)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        message = {"id": request_id, "call": name, "args": {k: encode(v) for k, v in args.items()}}
        try:
            self._writer.write(line(message))
            await self._writer.drain()
        except OSError as exc:
            self._waiting.pop(request_id, None)
            raise ServiceError(f"the connection to the service broke: {exc}") from None
        reply = await future
        error = reply.get("error")
        if error is not None:
            text = str(error.get("message"))
            raise ControlError(text) if error.get("kind") in REFUSED else ServiceError(text)
        return reply.get("result")

    async def _typed(self, name: str, /, **args: Any) -> Any:
        """:meth:`call`, its answer decoded by the return type of this client's ``name``."""
        try:
            return decode(return_type(type(self), name), await self.call(name, **args), name)
        except CodecError as exc:
            raise ServiceError(f"the service's answer to {name} does not fit: {exc}") from None

    async def close(self) -> None:
        self._writer.close()
        self._job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._job
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
