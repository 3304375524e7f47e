"""Tool names as models see them, and the hash that pins a tool's definition.

A tool is offered as ``server__tool``; models' function names must match
``^[a-zA-Z0-9_-]{1,64}$`` (OpenAI), so other characters become ``_`` and a name that would
be too long is cut and given a short hash suffix so it stays unique. Two tools of one server
that would still meet under one name (``get.item`` and ``get_item``) are told apart by
:func:`offered_names`: the one whose name needed no change keeps it, the others get the hash
suffix, and the caller says so.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re

__all__ = ["allowed", "definition_hash", "longest_match", "namespaced", "offered_names"]

_BAD = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64


def namespaced(server: str, tool: str) -> str:
    """``server__tool`` with unusable characters as ``_`` (cut and hashed when too long)."""
    name = _BAD.sub("_", f"{server}__{tool}")
    return _suffixed(server, tool) if len(name) > MAX_NAME else name


def _suffixed(server: str, tool: str) -> str:
    digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:8]
    return f"{_BAD.sub('_', f'{server}__{tool}')[: MAX_NAME - 9]}_{digest}"


def offered_names(server: str, tools: list[str]) -> tuple[dict[str, str], list[str]]:
    """``{tool: name offered}`` for one server's tools, unique, and a note per clash."""
    by_name: dict[str, list[str]] = {}
    for tool in tools:
        by_name.setdefault(namespaced(server, tool), []).append(tool)
    names: dict[str, str] = {}
    notes: list[str] = []
    for name, group in by_name.items():
        if len(group) == 1:
            names[group[0]] = name
            continue
        keeper = next((t for t in group if f"{server}__{t}" == name), None)
        moved: list[str] = []
        for tool in group:
            names[tool] = name if tool == keeper else _suffixed(server, tool)
            if tool != keeper:
                moved.append(f"{tool!r} as {names[tool]!r}")
        kept = f"{keeper!r} keeps it; " if keeper else ""
        notes.append(
            f"MCP server {server!r}: tools {', '.join(repr(t) for t in group)} would all be"
            f" offered as {name!r}; {kept}offered {', '.join(moved)}"
        )
    return names, notes


def definition_hash(description: str | None, schema: object) -> str:
    """sha256 of what a model is told about a tool: its description and input schema."""
    text = json.dumps({"d": description or "", "s": schema}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def allowed(entries: list[str], server: str, name: str) -> bool:
    """Whether an agent's ``mcp_servers`` entries allow ``name`` (namespaced) on ``server``."""
    for entry in entries:
        if entry == server or (
            entry.startswith(f"{server}__") and fnmatch.fnmatchcase(name, entry)
        ):
            return True
    return False


def longest_match(patterns: dict[str, str], name: str) -> str | None:
    """The value of the longest pattern matching ``name`` (most specific wins)."""
    hits = [p for p in patterns if fnmatch.fnmatchcase(name, p)]
    return patterns[max(hits, key=len)] if hits else None
