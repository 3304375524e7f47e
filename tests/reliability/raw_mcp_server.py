"""A hand-written stdio MCP server (newline-delimited JSON-RPC) that misbehaves on purpose.

The SDK's own server cannot advertise a broken tool list, so this one speaks the wire format
itself. ``RAW_MODE`` picks the fault:

- ``bad_schema``: ``tools/list`` has a tool whose ``inputSchema`` is a string and one with no
  name, next to a good ``echo``;
- ``odd_schema``: one tool whose ``inputSchema`` is an object but not a usable JSON Schema;
- ``huge``: ``echo`` answers with ``RAW_HUGE`` characters (default 3,000,000);
- ``noisy``: banners and half lines on stdout between the real messages;
- ``die_in_init``: reads ``initialize`` and exits with code 7 before answering.

Every mode answers ``echo`` calls it can; calls are appended to ``RAW_MARKER`` when set.
"""

from __future__ import annotations

import json
import os
import sys

MODE = os.environ.get("RAW_MODE", "")
ECHO = {
    "name": "echo",
    "description": "Echo the text back.",
    "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}},
}


def tools() -> list[object]:
    if MODE == "bad_schema":
        return [ECHO, {"name": "broken", "inputSchema": "not a schema"}, {"inputSchema": {}}]
    if MODE == "odd_schema":
        return [{"name": "odd", "inputSchema": {"type": 42, "properties": "nope"}}]
    return [ECHO]


def send(obj: object) -> None:
    if MODE == "noisy":
        sys.stdout.write("server banner: starting up...\n{half a line\n")
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def answer(request: dict[str, object]) -> object:
    method = request.get("method")
    params = request.get("params") if isinstance(request.get("params"), dict) else {}
    assert isinstance(params, dict)
    if method == "initialize":
        if MODE == "die_in_init":
            sys.stderr.write("raw server: cannot load my plugins, giving up\n")
            sys.exit(7)
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": "raw", "version": "0.1"},
        }
    if method == "tools/list":
        return {"tools": tools()}
    if method == "tools/call":
        marker = os.environ.get("RAW_MARKER")
        if marker:
            with open(marker, "a") as f:
                f.write(json.dumps(params) + "\n")
        args = params.get("arguments") if isinstance(params.get("arguments"), dict) else {}
        assert isinstance(args, dict)
        text = str(args.get("text", ""))
        if MODE == "huge":
            text = "x" * int(os.environ.get("RAW_HUGE", "3000000"))
        return {"content": [{"type": "text", "text": text}], "isError": False}
    if method == "ping":
        return {}
    raise LookupError(str(method))


def main() -> None:
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        if not isinstance(request, dict) or "id" not in request:
            continue  # a notification
        try:
            send({"jsonrpc": "2.0", "id": request["id"], "result": answer(request)})
        except LookupError as exc:
            error = {"code": -32601, "message": f"method not found: {exc}"}
            send({"jsonrpc": "2.0", "id": request["id"], "error": error})


if __name__ == "__main__":
    main()
