"""Blocking one-shot talk with a service, for commands that need no event loop (``up``
waits for its hello, ``down`` asks it to stop)."""

from __future__ import annotations

import json
import socket
from typing import Any

from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.protocol import line, refusal

__all__ = ["ServiceUnreachable", "hello", "request"]


class ServiceUnreachable(ConnectionError):
    """No service answers on the socket (none runs, or it is starting or stopping)."""


def _read_line(conn: socket.socket, buffer: bytearray) -> dict[str, Any]:
    while b"\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            raise ServiceUnreachable("the service closed the connection")
        buffer += chunk
    raw, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    message = json.loads(raw)
    if not isinstance(message, dict):
        raise ServiceUnreachable("the service answered something else than JSON objects")
    return message


def _connect(
    paths: ServicePaths, timeout: float
) -> tuple[socket.socket, dict[str, Any], bytearray]:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(paths.socket_address())
        buffer = bytearray()
        greeting = _read_line(conn, buffer)
    except (OSError, ValueError) as exc:
        conn.close()
        raise ServiceUnreachable(f"{paths.socket}: {exc}") from None
    refused = refusal(greeting)
    if refused is not None:
        conn.close()
        raise ServiceUnreachable(f"{paths.socket}: {refused}")
    return conn, greeting, buffer


def hello(paths: ServicePaths, timeout: float = 2.0) -> dict[str, Any]:
    """The service's hello (pid, version, ledger); :class:`ServiceUnreachable` if none."""
    conn, greeting, _ = _connect(paths, timeout)
    conn.close()
    return greeting


def request(paths: ServicePaths, call: str, args: dict[str, Any], timeout: float = 10.0) -> Any:
    """One call and its result (a refusal raises :class:`ServiceUnreachable` with its text)."""
    conn, _, buffer = _connect(paths, timeout)
    try:
        conn.sendall(line({"id": 1, "call": call, "args": args}))
        while True:
            try:
                reply = _read_line(conn, buffer)
            except (OSError, ValueError) as exc:
                raise ServiceUnreachable(f"{paths.socket}: {exc}") from None
            if reply.get("id") == 1:
                break
        if "error" in reply:
            raise ServiceUnreachable(str(reply["error"].get("message")))
        return reply.get("result")
    finally:
        conn.close()
