"""``swarm-tui mcp-serve`` and ``swarm-tui mcp import FILE`` (``mcp list|tools|call``: see
:mod:`swarm_tui.cli.mcp_inspect`)."""

from __future__ import annotations

import argparse
import sys

from swarm_tui.cli.mcp_args import INSPECT_ACTIONS
from swarm_tui.cli.mcp_import import cmd_mcp_import
from swarm_tui.cli.mcp_inspect import cmd_inspect
from swarm_tui.core.opening import open_store
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.mcp.serve import build_swarm_server
from swarm_tui.mcp.serve_http import serve_http
from swarm_tui.mcp.serve_token import TokenError, ensure_token, token_path
from swarm_tui.runtime import db_path, settings_from_args

__all__ = ["cmd_mcp", "cmd_mcp_serve"]


async def cmd_mcp_serve(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    ledger = await open_store(settings, path)
    try:
        server = build_swarm_server(
            settings, ledger, project=args.project or DEFAULT_PROJECT, author=args.author
        )
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
