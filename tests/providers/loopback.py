"""A scripted HTTP/1.1 server on 127.0.0.1 for provider tests.

Each route answers with a :class:`Reply`: a status, headers and body pieces written one by one
with chunked transfer encoding (optionally with a pause between them: a slow drip), and
optionally cut off without the final chunk (a dropped connection). Requests are recorded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LoopbackServer", "Recorded", "Reply", "json_reply", "named_sse", "ndjson", "sse"]


@dataclass
class Reply:
    status: int = 200
    pieces: list[bytes] = field(default_factory=list)
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False
    """Close the connection without the terminating chunk."""
    drip: float = 0.0
    """Seconds to wait before each piece."""
    reset: bool = False
    """After the pieces, reset the connection (TCP RST) instead of ending the body."""
    hang: bool = False
    """After the pieces, send nothing more and keep the connection open (a stalled server)."""


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    query: str = ""

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


def sse(*objects: object, done: bool = True, comments: tuple[str, ...] = ()) -> list[bytes]:
    """SSE pieces: comment lines first, one ``data:`` event per object, then ``[DONE]``."""
    pieces = [f": {c}\n\n".encode() for c in comments]
    pieces += [f"data: {json.dumps(o)}\n\n".encode() for o in objects]
    if done:
        pieces.append(b"data: [DONE]\n\n")
    return pieces


def named_sse(*events: tuple[str, object]) -> list[bytes]:
    """SSE pieces with ``event:`` names (Anthropic's shape)."""
    return [f"event: {name}\ndata: {json.dumps(obj)}\n\n".encode() for name, obj in events]


def ndjson(*objects: object) -> list[bytes]:
    return [(json.dumps(o) + "\n").encode() for o in objects]


def json_reply(status: int, obj: object, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, [json.dumps(obj).encode()], "application/json", headers or {})


class LoopbackServer:
    """``async with LoopbackServer() as srv: srv.route("POST", "/x", Reply(...))``."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.choosers: dict[tuple[str, str], Callable[[Recorded], Reply]] = {}
        self.requests: list[Recorded] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def route(self, method: str, path: str, *replies: Reply) -> None:
        """Answer with the replies in turn; the last one repeats."""
        self.routes[(method, path)] = list(replies)

    def choose(self, method: str, path: str, pick: Callable[[Recorded], Reply]) -> None:
        """Answer each request with ``pick(request)`` (a reply that depends on the body)."""
        self.choosers[(method, path)] = pick

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._on_connect, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        path, _, query = target.partition("?")
        self.requests.append(Recorded(method, path, headers, body, query))
        replies = self.routes.get((method, path))
        pick = self.choosers.get((method, path))
        if pick is not None:
            reply = pick(self.requests[-1])
        elif not replies:
            reply = json_reply(404, {"error": f"no route {method} {path}"})
        else:
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
        lines = [f"HTTP/1.1 {reply.status} X", f"Content-Type: {reply.content_type}"]
        lines += ["Transfer-Encoding: chunked", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in reply.headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        for piece in reply.pieces:
            if reply.drip:
                await asyncio.sleep(reply.drip)
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
        if reply.hang:
            await asyncio.Event().wait()
        if reply.reset:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if not reply.cut:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
