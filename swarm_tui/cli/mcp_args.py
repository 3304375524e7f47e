"""The arguments of ``swarm-tui mcp-serve`` and ``swarm-tui mcp import|list|tools|call`` (the
commands are in :mod:`swarm_tui.cli.mcp` and :mod:`swarm_tui.cli.mcp_inspect`): building the
parser loads nothing of the MCP SDK."""

from __future__ import annotations

import argparse

from swarm_tui.cli.argtypes import port

__all__ = ["INSPECT_ACTIONS", "add_inspect_arguments", "add_mcp_arguments"]

INSPECT_ACTIONS = frozenset({"list", "tools", "call"})


def add_mcp_arguments(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    serve = sub.add_parser(
        "mcp-serve",
        parents=[common],
        help="serve shared memory and task tools over MCP (stdio, or --http PORT)",
    )
    serve.add_argument(
        "--http",
        type=port,
        metavar="PORT",
        help="streamable HTTP on PORT (1-65535); clients need the bearer token it names",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address for --http (default 127.0.0.1, loopback)"
    )
    serve.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="--http: also answer requests whose Host is NAME (a proxy's name; repeatable)",
    )
    serve.add_argument("--project", help="memory namespace (default: default)")
    serve.add_argument(
        "--author",
        default="mcp-client",
        help="author recorded on memory writes (default mcp-client)",
    )
    mcp = sub.add_parser("mcp", parents=[common], help="MCP server definitions")
    mcp_sub = mcp.add_subparsers(dest="mcp_command", metavar="ACTION", required=True)
    imp = mcp_sub.add_parser(
        "import",
        parents=[common],
        help="print [mcp.servers] TOML for a Claude Desktop / Cursor / VS Code / mcporter file",
    )
    imp.add_argument("file", help="the JSON file to read")
    imp.add_argument(
        "--write", action="store_true", help="append the tables to the config file in use"
    )
    add_inspect_arguments(mcp_sub, common)


def add_inspect_arguments(
    mcp_sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``list``, ``tools`` and ``call`` under ``swarm-tui mcp``."""
    mcp_sub.add_parser(
        "list", parents=[common], help="start every configured server: state and tool count"
    )
    tools = mcp_sub.add_parser(
        "tools", parents=[common], help="a server's tools: names, descriptions, input schemas"
    )
    tools.add_argument("server", help="a name under [mcp.servers]")
    tools.add_argument("--json", action="store_true", help="print the tools as JSON")
    call = mcp_sub.add_parser(
        "call", parents=[common], help="call one tool and print what a model would read"
    )
    call.add_argument("server", help="a name under [mcp.servers]")
    call.add_argument("tool", help="the tool's name (as the server or as agents see it)")
    call.add_argument(
        "--args", default="{}", metavar="JSON", help='the arguments, a JSON object ({"a": 1})'
    )
