"""Turn MCP server definitions users already have into ``[mcp.servers.NAME]`` TOML.

Reads the ``mcpServers`` object of Claude Desktop / Cursor / Claude Code (``.mcp.json``),
VS Code's ``servers`` (``.vscode/mcp.json``, or ``mcp.servers`` in settings.json) and
mcporter's config (``mcpServers`` too, with ``baseUrl``/``url`` for HTTP servers), all as
JSONC (comments and trailing commas allowed). Nothing is dropped without a note:

- names become letters, digits, ``_`` and ``-``; two that would meet get distinct names;
- variable references (``${NAME}``, ``${NAME:-default}``, ``${env:NAME}``, ``$env:NAME``,
  ``${workspaceFolder}``...) keep their meaning (see :mod:`swarm_tui.mcp.import_values`);
- literal values that look secret are never copied: they become variable names to export;
- ``allowedTools``/``blockedTools`` (and Gemini's ``includeTools``/``excludeTools``) become
  ``[mcp.policies]`` entries; ``envFile`` names are passed through;
- servers swarm-tui cannot run as written (``sse``, disabled) are printed commented out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from swarm_tui.config.errors import ConfigError, looks_like_secret
from swarm_tui.domain.toolnames import namespaced
from swarm_tui.mcp import jsonc
from swarm_tui.mcp.import_stdio import LeftOut, stdio_table
from swarm_tui.mcp.import_values import Words, literal, scalar

__all__ = ["Imported", "import_servers"]

_URL_KEYS = ("url", "baseUrl", "serverUrl", "httpUrl")
_ALLOW_KEYS = ("allowedTools", "includeTools")
_BLOCK_KEYS = ("blockedTools", "excludeTools", "disabledTools")
_AUTO_KEYS = ("alwaysAllow", "autoApprove")
_KNOWN = {
    "command", "args", "env", "envFile", "cwd", "headers", "type", "transport",
    "disabled", "enabled", "description", *_URL_KEYS, *_ALLOW_KEYS, *_BLOCK_KEYS, *_AUTO_KEYS,
}  # fmt: skip


@dataclass
class Imported:
    """Tables to write, ``[mcp.policies]`` entries, servers left out (shown commented out)
    and the notes that say what changed and what to do."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    policies: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def _clean(raw: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", raw)
    return re.sub(r"_{2,}", "_", name).strip("_-") or "server"


def _names(raws: list[str], existing: set[str], out: Imported) -> dict[str, str]:
    """A distinct config name for every server; a valid name keeps itself."""
    keep = {r for r in raws if _clean(r) == r and r != "swarm"}
    taken = existing | keep | {"swarm"}
    names: dict[str, str] = {}
    for raw in raws:
        if raw in keep:
            names[raw] = raw
            continue
        base = "swarm_imported" if raw == "swarm" else _clean(raw)
        name, i = base, 2
        while name in taken:
            name, i = f"{base}_{i}", i + 1
        taken.add(name)
        names[raw] = name
        why = (
            "'swarm' is the swarm's own shared-memory server"
            if raw == "swarm"
            else "names are letters, digits, _ and - only, with no '__'"
        )
        if name != base:
            holder = [r for r, n in names.items() if n == base] or [r for r in keep if r == base]
            owner = f"the server {holder[0]!r} in this file" if holder else "your config"
            why += f"; {base} is already taken by {owner}"
        out.notes.append(f"{raw}: imported as {name} ({why})")
    return names


def _header(server: str, header: str, value: object, words: Words) -> str:
    """The config value for one header: a variable NAME or a ``${NAME}`` template."""
    pieces = words.pieces(scalar(value))
    refs = [p for p in pieces if p.name]
    if len(pieces) == 1 and refs and refs[0].default is None:
        return refs[0].name or ""
    texts = "".join(p.text for p in pieces if not p.name)
    if refs and not looks_like_secret(texts) and "$" not in texts:
        for p in refs:
            if p.default is not None:
                words.notes.append(
                    f"{server}: header {header}: the default of ${{{p.name}}} is not used;"
                    f" export {p.name}"
                )
        return "".join(f"${{{p.name}}}" if p.name else p.text for p in pieces)
    env_name = re.sub(r"[^A-Z0-9_]", "_", f"{server}_{header}".upper())
    words.notes.append(
        f"{server}: header {header} now comes from ${env_name}; export it (its value was"
        " not copied)"
    )
    return env_name


def _http_table(raw: dict[str, Any], url: str, words: Words) -> dict[str, Any]:
    text = literal(words.pieces(url))
    if text is None:
        raise LeftOut(f"its url {url!r} reads a variable; swarm-tui takes the url as written")
    table: dict[str, Any] = {"url": text}
    headers = raw.get("headers")
    if isinstance(headers, dict) and headers:
        table["headers"] = {
            str(h): _header(words.server, str(h), v, words) for h, v in headers.items()
        }
    return table


def _tool_list(raw: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for key in keys:
        value = raw.get(key)
        if isinstance(value, list):
            found += [str(v) for v in value]
    return found


def _pattern(server: str, tool: str) -> str:
    return f"{server}__{tool}" if any(c in tool for c in "*?[") else namespaced(server, tool)


def _tool_rules(name: str, raw: dict[str, Any], default: str, out: Imported) -> None:
    allowed = _tool_list(raw, _ALLOW_KEYS)
    blocked = _tool_list(raw, _BLOCK_KEYS)
    if allowed and "*" not in allowed:
        out.policies[f"{name}__*"] = "deny"
        for tool in allowed:
            out.policies[_pattern(name, tool)] = default
        out.notes.append(
            f"{name}: only {', '.join(allowed)} were allowed there; [mcp.policies] denies its"
            f" other tools, and these follow {default!r}"
        )
    for tool in blocked:
        out.policies[_pattern(name, tool)] = "deny"
    if blocked:
        out.notes.append(f"{name}: blocked {', '.join(blocked)}; denied in [mcp.policies]")
    auto = _tool_list(raw, _AUTO_KEYS)
    if auto:
        out.notes.append(
            f"{name}: {', '.join(auto)} ran without asking there; not copied — to do the same,"
            f' set [mcp.policies] "{name}__TOOL" = "auto" for each'
        )


def _extras(name: str, raw: dict[str, Any], out: Imported) -> None:
    for key in raw:
        if key not in _KNOWN:
            out.notes.append(f"{name}: {key!r} not imported (swarm-tui has no equivalent)")


def _workspace(path: Path) -> Path:
    folder = path.resolve().parent
    return folder.parent if folder.name in (".vscode", ".cursor", ".claude") else folder


def _unused(raw: dict[str, Any], keys: tuple[str, ...], what: str, words: Words) -> None:
    for key in keys:
        if raw.get(key):
            words.notes.append(f"{words.server}: {key!r} not imported: it means nothing for {what}")


def _one(name: str, raw: dict[str, Any], words: Words) -> dict[str, Any]:
    url = next((raw[k] for k in _URL_KEYS if isinstance(raw.get(k), str)), None)
    kind = str(raw.get("type") or raw.get("transport") or "").lower()
    if isinstance(raw.get("command"), str | list):
        _unused(raw, ("headers", *_URL_KEYS), "a stdio server (it has a command)", words)
        return stdio_table(raw, words)
    if url is None:
        raise LeftOut("it has neither a command nor a url")
    _unused(raw, ("args", "env", "envFile", "cwd"), "an HTTP server", words)
    table = _http_table(raw, url, words)
    guessed = not kind and urlsplit(table["url"]).path.rstrip("/").endswith("/sse")
    if guessed or kind == "sse" or kind not in ("", "http", "streamable-http", "streamablehttp"):
        what = "SSE (the older HTTP+SSE transport)" if kind == "sse" else repr(kind)
        if guessed:
            what = "SSE (no type given, and its url ends in /sse)"
        raise LeftOut(
            f"its transport is {what}; swarm-tui's hub speaks streamable HTTP and stdio only."
            " If the server also serves streamable HTTP (often /mcp instead of /sse), set that"
            " url and uncomment it",
            table,
        )
    return table


def import_servers(
    path: Path, *, existing: set[str] | None = None, default_policy: str = "ask"
) -> Imported:
    """Read ``path`` (JSON or JSONC). ``existing``: server names the target config already
    has (renamed servers avoid them); ``default_policy``: what allowed tools follow."""
    try:
        data = jsonc.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except jsonc.JSONCError as exc:
        raise ConfigError(f"{path}: not valid JSON (comments allowed): {exc}") from None
    servers = _servers(data, path)
    out = Imported()
    names = _names([str(r) for r in servers], existing or set(), out)
    workspace = _workspace(path)
    for raw_name, raw in servers.items():
        name = names[str(raw_name)]
        if not isinstance(raw, dict):
            out.notes.append(f"{raw_name}: skipped (a {type(raw).__name__}, not an object)")
            continue
        words = Words(name, workspace)
        try:
            table = _one(name, raw, words)
        except LeftOut as exc:
            out.notes += words.notes
            out.notes.append(f"{name}: left out (commented below): {exc.args[0]}")
            if len(exc.args) > 1:
                out.left_out[name] = exc.args[1]
            continue
        out.notes += words.notes
        _extras(name, raw, out)
        if raw.get("disabled") is True or raw.get("enabled") is False:
            out.left_out[name] = table
            out.notes.append(f"{name}: left out (commented below): disabled in {path.name}")
            continue
        out.tables[name] = table
        _tool_rules(name, raw, default_policy, out)
    return out
