"""Turn MCP server definitions users already have into ``[mcp.servers.NAME]`` TOML.

Reads the ``mcpServers`` object of Claude Desktop / Cursor / Claude Code (``.mcp.json``),
VS Code's ``servers`` (``.vscode/mcp.json``, or ``mcp.servers`` in settings.json) and
mcporter's config (``mcpServers`` too, with ``baseUrl``/``url`` for HTTP servers). Literal
values are never copied when they look like secrets (or sit under a key/token/secret name):
they become environment variable names, with a note saying what to export.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarm_tui.config_errors import ConfigError, looks_like_secret

__all__ = ["Imported", "import_servers", "to_toml"]

_SECRET_NAME = re.compile(r"(?i)(key|token|secret|passw|auth|cookie|credential|bearer)")
_BAD_NAME = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass
class Imported:
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _secretish(name: str, value: str) -> bool:
    return bool(_SECRET_NAME.search(name)) or looks_like_secret(value)


def _env_name(server: str, name: str) -> str:
    return re.sub(r"[^A-Z0-9_]", "_", f"{server}_{name}".upper())


def _servers(data: object, source: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a JSON object at the top")
    for key in ("mcpServers", "servers"):
        if isinstance(data.get(key), dict):
            return dict(data[key])
    mcp = data.get("mcp")
    if isinstance(mcp, dict) and isinstance(mcp.get("servers"), dict):
        return dict(mcp["servers"])
    raise ConfigError(
        f"{source}: no 'mcpServers' (Claude Desktop, Cursor, mcporter) or 'servers'"
        " (VS Code) object found"
    )


def _one(server: str, raw: dict[str, Any], out: Imported) -> dict[str, Any]:
    table: dict[str, Any] = {}
    url = raw.get("url") or raw.get("baseUrl") or raw.get("serverUrl")
    if isinstance(raw.get("command"), str):
        table["command"] = raw["command"]
        args = raw.get("args") or []
        table["args"] = [str(a) for a in args] if isinstance(args, list) else []
        for i, arg in enumerate(table["args"]):
            if looks_like_secret(arg):
                table["args"][i] = "REMOVED-SECRET"
                out.notes.append(
                    f"{server}: argument {i} looked like a secret and was removed; pass it"
                    " through an environment variable instead"
                )
        env: list[str] = []
        for name, value in (raw.get("env") or {}).items():
            value = str(value)
            ref = re.fullmatch(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_]\w*)", value)
            if ref:
                source_name = ref.group(1) or ref.group(2)
                env.append(name)
                if source_name != name:
                    out.notes.append(
                        f"{server}: export {name} (the file read it from ${source_name})"
                    )
            elif _secretish(name, value):
                env.append(name)
                out.notes.append(
                    f"{server}: {name} held a literal value that looks secret; it was not"
                    f" copied — export {name} in the environment swarm-tui runs in"
                )
            else:
                env.append(f"{name}={value}")
        if env:
            table["env"] = env
        if isinstance(raw.get("cwd"), str):
            table["cwd"] = raw["cwd"]
    elif isinstance(url, str):
        table["url"] = url
        headers: dict[str, str] = {}
        for name, value in (raw.get("headers") or {}).items():
            env_name = _env_name(server, str(name))
            headers[str(name)] = env_name
            if str(value):
                out.notes.append(
                    f"{server}: header {name} now comes from ${env_name}; export it (its"
                    " value was not copied)"
                )
        if headers:
            table["headers"] = headers
    else:
        out.notes.append(f"{server}: skipped (neither command nor url)")
        return {}
    return table


def import_servers(path: Path) -> Imported:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    out = Imported()
    for raw_name, raw in _servers(data, path).items():
        name = _BAD_NAME.sub("_", str(raw_name)).replace("__", "_").strip("_") or "server"
        if name == "swarm":
            name = "swarm_imported"
        if name != raw_name:
            out.notes.append(f"{raw_name}: renamed {name} (names are letters, digits, _ and -)")
        if not isinstance(raw, dict) or raw.get("disabled") is True:
            out.notes.append(f"{raw_name}: skipped (disabled or not an object)")
            continue
        table = _one(name, raw, out)
        if table:
            out.tables[name] = table
    return out


def _value(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v)


def to_toml(imported: Imported) -> str:
    lines: list[str] = []
    for note in imported.notes:
        lines.append(f"# NOTE: {note}")
    for name, table in imported.tables.items():
        lines.append("")
        lines.append(f"[mcp.servers.{name}]")
        for key, value in table.items():
            if key != "headers":
                lines.append(f"{key} = {_value(value)}")
        if "headers" in table:
            lines.append(f"[mcp.servers.{name}.headers]")
            lines += [f"{_value(h)} = {_value(e)}" for h, e in table["headers"].items()]
    return "\n".join(lines).lstrip("\n") + "\n"
