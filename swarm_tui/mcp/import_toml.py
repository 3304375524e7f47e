"""The TOML ``swarm-tui mcp import`` prints, and ``--write`` adding it to a config file.

Values are written by ``tomli-w`` (exact TOML strings, whatever they hold). Notes come first
as comments; servers left out follow commented out, so nothing from the source is lost.
``--write`` appends the server tables, puts policy entries under an existing
``[mcp.policies]`` table (or starts one), checks the result loads, and restores the file
if it does not.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from swarm_tui.config.errors import ConfigError
from swarm_tui.mcp.importer import Imported

__all__ = ["existing_servers", "policy_lines", "to_toml", "write_config"]

_POLICIES_HEADER = re.compile(r"(?m)^[ \t]*\[[ \t]*mcp[ \t]*\.[ \t]*policies[ \t]*\][ \t]*(#.*)?$")


def _servers_toml(tables: dict[str, dict[str, Any]]) -> str:
    return tomli_w.dumps({"mcp": {"servers": tables}}) if tables else ""


def policy_lines(policies: dict[str, str]) -> list[str]:
    """``"pattern" = "policy"`` lines, one per entry."""
    return [tomli_w.dumps({k: v}).strip() for k, v in policies.items()]


def _commented(imported: Imported) -> list[str]:
    if not imported.left_out:
        return []
    text = _servers_toml(imported.left_out)
    return ["", "# Left out (see the notes above):"] + [
        f"# {line}" if line else "#" for line in text.rstrip("\n").splitlines()
    ]


def _body(imported: Imported, policies: bool) -> str:
    lines = [f"# NOTE: {note}" for note in imported.notes]
    servers = _servers_toml(imported.tables)
    if servers:
        lines += ["", servers.rstrip("\n")]
    if policies and imported.policies:
        lines += ["", "[mcp.policies]", *policy_lines(imported.policies)]
    lines += _commented(imported)
    return "\n".join(lines).lstrip("\n") + "\n"


def to_toml(imported: Imported) -> str:
    """Everything ``mcp import`` prints: notes, server tables, policies, left-out servers."""
    return _body(imported, policies=True)


def existing_servers(target: Path) -> tuple[str, dict[str, Any]]:
    """The config file's text and its parsed ``[mcp]`` table ({} when there is none)."""
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    try:
        mcp = tomllib.loads(text).get("mcp", {}) if text else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: not valid TOML: {exc}") from None
    return text, mcp if isinstance(mcp, dict) else {}


def write_config(target: Path, imported: Imported) -> str:
    """The new text of ``target`` with ``imported`` added; raises ConfigError on a clash."""
    text, mcp = existing_servers(target)
    known = mcp.get("servers", {})
    clash = sorted(set(imported.tables) & set(known if isinstance(known, dict) else {}))
    if clash:
        raise ConfigError(f"{target}: already defines mcp.servers {', '.join(clash)}")
    policies = dict(imported.policies)
    have = mcp.get("policies", {})
    have = have if isinstance(have, dict) else {}
    differ = sorted(k for k in policies if k in have and have[k] != policies[k])
    if differ:
        raise ConfigError(
            f"{target}: [mcp.policies] already sets {', '.join(differ)} differently;"
            " remove them or edit the file by hand"
        )
    policies = {k: v for k, v in policies.items() if k not in have}
    match = _POLICIES_HEADER.search(text)
    if policies and match is not None:
        cut = match.end()
        text = text[:cut] + "\n" + "\n".join(policy_lines(policies)) + text[cut:]
    elif policies and "policies" in mcp:
        raise ConfigError(
            f"{target}: mcp.policies is not written as an [mcp.policies] table; add these"
            " lines to it by hand: " + "; ".join(policy_lines(policies))
        )
    rest = Imported(imported.tables, imported.notes, {} if match else policies, imported.left_out)
    head = text.rstrip("\n") + "\n\n" if text.strip() else ""
    return head + _body(rest, policies=True)
