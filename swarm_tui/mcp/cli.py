"""``swarm-tui mcp-serve`` and ``swarm-tui mcp import FILE`` (``mcp list|tools|call``: see
:mod:`swarm_tui.mcp.inspect_cli`)."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from swarm_tui.config import find_config, load_settings
from swarm_tui.config_errors import ConfigError
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.mcp.importer import import_servers, to_toml
from swarm_tui.mcp.inspect_cli import INSPECT_ACTIONS, add_inspect_arguments, cmd_inspect
from swarm_tui.mcp.serve import build_swarm_server
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
    serve.add_argument("--http", type=int, metavar="PORT", help="streamable HTTP on PORT")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address for --http (default 127.0.0.1, loopback)"
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
    path.parent.mkdir(parents=True, exist_ok=True)
    ledger = await Ledger.open(path)
    try:
        server = build_swarm_server(settings, ledger, project=args.project, author=args.author)
        if args.http is not None:
            await server.run_streamable_http_async(host=args.host, port=args.http)
        else:
            await server.run_stdio_async()
    finally:
        await ledger.close()
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    if args.mcp_command in INSPECT_ACTIONS:
        return cmd_inspect(args)
    imported = import_servers(Path(args.file).expanduser())
    text = to_toml(imported)
    if not args.write:
        print(text, end="")
        return 0
    target = find_config(args.config)
    if target is None:
        raise ConfigError("--write: no config file in use; pass --config PATH")
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    known = tomllib.loads(existing).get("mcp", {}).get("servers", {}) if existing else {}
    clash = sorted(set(imported.tables) & set(known))
    if clash:
        raise ConfigError(f"{target}: already defines mcp.servers {', '.join(clash)}")
    target.write_text(existing.rstrip("\n") + "\n\n" + text, encoding="utf-8")
    try:
        load_settings(target)  # the result must still validate
    except ConfigError:
        target.write_text(existing, encoding="utf-8")
        raise
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"added {len(imported.tables)} server(s) to {target}", file=sys.stderr)
    return 0
