"""``swarm-tui mcp import FILE [--write]``: print the TOML, or add it to the config in use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from swarm_tui.config import find_config, load_settings
from swarm_tui.config.errors import ConfigError
from swarm_tui.mcp.import_toml import existing_servers, to_toml, write_config
from swarm_tui.mcp.importer import import_servers

__all__ = ["cmd_mcp_import"]


def cmd_mcp_import(args: argparse.Namespace) -> int:
    """Exit 0, or raise ConfigError (exit 2) with the file and what is wrong."""
    source = Path(args.file).expanduser()
    if not args.write:
        print(to_toml(import_servers(source)), end="")
        return 0
    target = find_config(args.config)
    if target is None:
        raise ConfigError("--write: no config file in use; pass --config PATH")
    existed = target.exists()
    before, mcp = existing_servers(target)
    servers = mcp.get("servers")
    imported = import_servers(
        source,
        existing=set(servers) if isinstance(servers, dict) else set(),
        default_policy=str(mcp.get("default_policy", "ask")),
    )
    target.write_text(write_config(target, imported), encoding="utf-8")
    try:
        load_settings(target)  # the result must still validate
    except ConfigError:
        if existed:
            target.write_text(before, encoding="utf-8")
        else:
            target.unlink()
        raise
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    added = f"added {len(imported.tables)} server(s)"
    if imported.policies:
        added += f" and {len(imported.policies)} tool policies"
    print(f"{added} to {target}", file=sys.stderr)
    return 0
