"""``swarm-tui mcp-serve`` and ``swarm-tui mcp import FILE`` (``mcp list|tools|call``: see
:mod:`swarm_tui.cli.mcp_inspect`)."""

from __future__ import annotations

import argparse
import sys

from swarm_tui.cli.argtypes import port
from swarm_tui.cli.mcp_import import cmd_mcp_import
from swarm_tui.cli.mcp_inspect import INSPECT_ACTIONS, add_inspect_arguments, cmd_inspect
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.mcp.serve import build_swarm_server
from swarm_tui.mcp.serve_http import serve_http
from swarm_tui.mcp.serve_token import TokenError, ensure_token, token_path
from swarm_tui.runtime import db_path, settings_from_args
from swarm_tui.store.ledger import Ledger

__all__ = ["add_mcp_arguments", "cmd_mcp", "cmd_mcp_serve"]


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
    serve.add_argument("--project", default=DEFAULT_PROJECT, help="memory namespace")
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


async def cmd_mcp_serve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    ledger = await Ledger.open(path)
    try:
        server = build_swarm_server(settings, ledger, project=args.project, author=args.author)
        if args.http is None:
            await server.run_stdio_async()
            return 0
        try:
            token, where = ensure_token(token_path(path))
        except TokenError as exc:
            print(f"swarm-tui mcp-serve: {exc}", file=sys.stderr)
            return 2
        return await serve_http(server, args.host, args.http, token, where, args.allow_host)
    finally:
        await ledger.close()


def cmd_mcp(args: argparse.Namespace) -> int:
    if args.mcp_command in INSPECT_ACTIONS:
        return cmd_inspect(args)
    return cmd_mcp_import(args)
