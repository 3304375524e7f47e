"""Tool names as models see them, and the hash that pins a tool's definition.

A tool is offered as ``server__tool``; models' function names must match
``^[a-zA-Z0-9_-]{1,64}$`` (OpenAI), so other characters become ``_`` and a name that would
be too long is cut and given a short hash suffix so it stays unique.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re

__all__ = ["allowed", "definition_hash", "longest_match", "namespaced"]

_BAD = re.compile(r"[^a-zA-Z0-9_-]")
MAX_NAME = 64


def namespaced(server: str, tool: str) -> str:
    name = _BAD.sub("_", f"{server}__{tool}")
    if len(name) > MAX_NAME or name != f"{server}__{tool}":
        digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9]}_{digest}" if len(name) > MAX_NAME else name
    return name


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
