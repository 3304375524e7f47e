"""A loopback OpenAI-compatible streaming server with a fixed token rate, for bench/overhead.py.

``POST /v1/chat/completions`` answers every request the same way, on an absolute schedule
from the moment the request was read: ``--prefill-ms`` until the first token, then one
``chat.completion.chunk`` per ``--interval-ms`` until ``--tokens`` tokens, a final chunk with
``finish_reason: "stop"``, a usage chunk (``choices: []``) and ``data: [DONE]`` (the wire shape of
/work/shared/reference/protocols.md §2). HTTP/1.1 keep-alive, chunked transfer encoding, one
event per HTTP chunk. ``GET /v1/models`` lists the model. It runs in its own process so that it
never shares the event loop being measured; it prints ``PORT <n>`` once it listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time


def event(obj: object) -> bytes:
    data = f"data: {json.dumps(obj, separators=(',', ':'))}\n\n".encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class Server:
    def __init__(self, tokens: int, interval: float, prefill: float, model: str) -> None:
        self.tokens = tokens
        self.interval = interval
        self.prefill = prefill
        base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "model": model}
        created = int(time.time())

        def chunk(delta: dict[str, str], finish: str | None) -> bytes:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return event({**base, "created": created, "choices": [choice]})

        self.first = chunk({"role": "assistant", "content": " tok"}, None)
        self.token = chunk({"content": " tok"}, None)
        usage = {"prompt_tokens": 20, "completion_tokens": tokens, "total_tokens": 20 + tokens}
        self.tail = (
            chunk({}, "stop")
            + event({**base, "created": created, "choices": [], "usage": usage})
            + event_raw(b"data: [DONE]\n\n")
            + b"0\r\n\r\n"
        )
        models = json.dumps({"object": "list", "data": [{"id": model, "object": "model"}]})
        self.models = models.encode()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                received = asyncio.get_running_loop().time()
                length = 0
                lines = head.split(b"\r\n")
                for line in lines[1:]:
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                if lines[0].startswith(b"GET /v1/models"):
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(self.models) + self.models
                    )
                    await writer.drain()
                    continue
                await self.stream(writer, received)
        writer.close()

    async def stream(self, writer: asyncio.StreamWriter, received: float) -> None:
        loop = asyncio.get_running_loop()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        due = received + self.prefill
        for i in range(self.tokens):
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(self.first if i == 0 else self.token)
            await writer.drain()
            due += self.interval
        writer.write(self.tail)
        await writer.drain()


def event_raw(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


async def main_async(args: argparse.Namespace) -> None:
    server = Server(args.tokens, args.interval_ms / 1000, args.prefill_ms / 1000, args.model)
    srv = await asyncio.start_server(server.handle, "127.0.0.1", args.port, backlog=1024)
    port = srv.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with srv:
        await srv.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tokens", type=int, default=32, help="tokens per reply")
    parser.add_argument("--interval-ms", type=float, default=20.0, help="between tokens")
    parser.add_argument("--prefill-ms", type=float, default=20.0, help="until the first token")
    parser.add_argument("--model", default="bench")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(args))
    sys.exit(0)


if __name__ == "__main__":
    main()
