"""``swarm-tui mcp list``, ``mcp tools SERVER``, ``mcp call SERVER TOOL --args JSON`` and the
MCP part of ``swarm-tui doctor``: the hub's servers as the agents would see them, no model.

Servers run exactly as in a swarm (same command, environment, timeout, roots); their stderr
goes to ``mcp-NAME.log`` beside the ledger. A call made here is the person's own: it does not
go through the tool approvals.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.config.errors import ConfigError
from swarm_tui.mcp.conn import ServerUnavailable
from swarm_tui.mcp.content import render_result
from swarm_tui.mcp.hub import MCPHub
from swarm_tui.mcp.inspect import NOT_DECLARED, ServerReport, inspect_servers
from swarm_tui.runtime import db_path, settings_from_args

__all__ = ["check_mcp_servers", "cmd_inspect"]


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """The hub's log warnings stay off the terminal: this command prints what matters."""
    logger = logging.getLogger("swarm_tui.mcp")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _server(settings: Settings, name: str) -> str:
    if name not in settings.mcp.servers:
        known = ", ".join(settings.mcp.servers) or "none configured"
        raise ConfigError(f"no MCP server {name!r} in [mcp.servers] (known: {known})")
    return name


def _state(report: ServerReport) -> str:
    if report.problems:
        return "not started: " + "; ".join(report.problems)
    if report.failure is not None:
        return f"failed: {report.failure}"
    return f"up, {len(report.tools)} tool(s)"


async def _list(settings: Settings, log_dir: Path) -> int:
    reports = await inspect_servers(settings.mcp, log_dir)
    for report in reports:
        server = settings.mcp.servers[report.name]
        how = server.command or server.url or ""
        print(f"{report.name:<16} {_state(report)}  [{how}]")
        for note in report.notes:
            print(f"  note: {note}")
    if not reports:
        print("no MCP servers configured ([mcp.servers])")
    memory = "on" if settings.mcp.memory else "off"
    print(f"swarm (built-in shared memory): {memory}")
    print(f"note: {NOT_DECLARED}")
    return 0 if all(r.ok for r in reports) else 1


async def _tools(settings: Settings, log_dir: Path, name: str, as_json: bool) -> int:
    [report] = await inspect_servers(settings.mcp, log_dir, [name])
    if not report.ok and not report.tools:
        print(f"{name}: {_state(report)}")
        return 1
    if as_json:
        rows = [
            {
                "name": offered,
                "tool": tool.name,
                "description": tool.description or "",
                "input_schema": tool.input_schema,
            }
            for offered, tool in report.tools
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for offered, tool in report.tools:
            raw = f"  (server's name: {tool.name})" if offered != f"{name}__{tool.name}" else ""
            print(f"{offered}{raw}")
            for line in (tool.description or "(no description)").strip().splitlines():
                print(f"    {line.strip()}")
            schema = json.dumps(tool.input_schema, indent=2, ensure_ascii=False)
            print("    input schema: " + schema.replace("\n", "\n    "))
            print()
    for note in report.notes:
        print(f"note: {note}")
    return 0


async def _call(settings: Settings, log_dir: Path, name: str, tool: str, raw: str) -> int:
    try:
        arguments = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"--args: not valid JSON ({exc})") from None
    if not isinstance(arguments, dict):
        raise ConfigError("--args: expected a JSON object, like '{\"a\": 1}'")
    hub = MCPHub(settings.mcp, log_dir)
    try:
        await hub.conns[name].ensure()
        offered = {o: t for o, t in hub.server_tools(name)}
        by_raw = {t.name: t for t in offered.values()}
        found = offered.get(tool) or by_raw.get(tool)
        if found is None:
            print(f"{name}: no tool {tool!r} (tools: {', '.join(sorted(by_raw)) or 'none'})")
            return 1
        result = await hub.conns[name].call(found.name, arguments)
    except ServerUnavailable as exc:
        print(str(exc))
        return 1
    finally:
        await hub.close()
    print(render_result(result))
    return 1 if result.is_error else 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """Run ``mcp list``, ``mcp tools`` or ``mcp call``."""
    settings = settings_from_args(args.config)
    log_dir = db_path(settings, args.db).parent
    with _quiet_logs():
        if args.mcp_command == "list":
            return asyncio.run(_list(settings, log_dir))
        name = _server(settings, args.server)
        if args.mcp_command == "tools":
            return asyncio.run(_tools(settings, log_dir, name, args.json))
        return asyncio.run(_call(settings, log_dir, name, args.tool, args.args))


async def check_mcp_servers(settings: Settings, log_dir: Path) -> list[tuple[bool, str]]:
    """``doctor``'s lines for every configured MCP server: started, tools listed, or what
    is wrong (a missing command, a bad cwd, unset variables, a failed start)."""
    with _quiet_logs():
        reports = await inspect_servers(settings.mcp, log_dir)
    lines: list[tuple[bool, str]] = []
    for report in reports:
        for problem in report.problems:
            lines.append((False, f"MCP server {report.name}: {problem}"))
        if report.failure is not None:
            lines.append((False, f"MCP server {report.name}: {report.failure}"))
        elif not report.problems or report.tools:
            lines.append((True, f"MCP server {report.name}: up, {len(report.tools)} tool(s)"))
        for note in report.notes:
            lines.append((True, f"MCP server {report.name}: note: {note}"))
    return lines
