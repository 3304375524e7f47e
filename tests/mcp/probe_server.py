"""A small stdio MCP server for fault injection (run as a script by the tests).

Tools: ``env_names`` (the child's environment variable names), ``record`` (appends to the
file named by PROBE_MARKER: proof that a call arrived), ``slow`` (writes its pid to
PROBE_PID, counts its runs in PROBE_SLOW_LOG, then sleeps), ``pid`` (this process's id: a
test can kill or stop it), ``echo``, and with PROBE_ODD set ``get.item`` / ``get_item`` (two
names that meet once made safe for models). ``echo``'s description comes from PROBE_DESC,
so a test can change a tool's definition between runs.
"""

from __future__ import annotations

import asyncio
import os
import time
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
    """Sleep (after writing the pid file, and a line to PROBE_SLOW_LOG when set)."""
    Path(os.environ["PROBE_PID"]).write_text(str(os.getpid()))
    if "PROBE_SLOW_LOG" in os.environ:
        with Path(os.environ["PROBE_SLOW_LOG"]).open("a") as f:
            f.write(f"{seconds}\n")
    await asyncio.sleep(seconds)
    return "slept"


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


@server.tool(description=os.environ.get("PROBE_DESC", "Echo the text back."))
def echo(text: str) -> str:
    return text


def get_item_dotted(key: str) -> str:
    """The item by its dotted name."""
    return f"dotted {key}"


def get_item_plain(key: str) -> str:
    """The item by its plain name."""
    return f"plain {key}"


if os.environ.get("PROBE_ODD"):
    server.tool(name="get.item")(get_item_dotted)
    server.tool(name="get_item")(get_item_plain)


if __name__ == "__main__":
    time.sleep(float(os.environ.get("PROBE_START_DELAY", "0")))  # a slow start, on purpose
    server.run()
