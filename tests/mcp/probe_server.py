"""A small stdio MCP server for fault injection (run as a script by the tests).

Tools: ``env_names`` (the child's environment variable names), ``record`` (appends to the
file named by PROBE_MARKER: proof that a call arrived), ``slow`` (writes its pid to
PROBE_PID, then sleeps), ``pid`` (this process's id: a test can kill or stop it), ``echo``.
``echo``'s description comes from PROBE_DESC, so a test can change a tool's definition
between runs.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

server = MCPServer("probe")


@server.tool()
def env_names() -> list[str]:
    """The names of this process's environment variables."""
    return sorted(os.environ)


@server.tool()
def record(text: str) -> str:
    """Append text to the marker file."""
    with Path(os.environ["PROBE_MARKER"]).open("a") as f:
        f.write(text + "\n")
    return "recorded"


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep (after writing the pid file)."""
    Path(os.environ["PROBE_PID"]).write_text(str(os.getpid()))
    await asyncio.sleep(seconds)
    return "slept"


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


@server.tool(description=os.environ.get("PROBE_DESC", "Echo the text back."))
def echo(text: str) -> str:
    return text


if __name__ == "__main__":
    server.run()
