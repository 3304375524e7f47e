"""How the swarm's own MCP tools are declared, so clients show them right.

Each tool gets a title, behaviour hints (``readOnlyHint``, ``destructiveHint``,
``idempotentHint``; ``openWorldHint`` is false: the tools touch only the ledger), its
docstring as the description (dedented, paragraphs unwrapped), and an input schema in which
an optional parameter has its own type: the SDK writes ``str | None = None`` as
``anyOf: [string, null]`` with a ``null`` default, which mcporter renders as "unknown".
Leaving such a parameter out means "not given", exactly as before; only the advertised
schema changes.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.types import ToolAnnotations

__all__ = ["declare", "plain_optionals", "prose"]


def declare(
    fn: Callable[..., Any],
    *,
    title: str,
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    description: str | None = None,
) -> Tool:
    """A tool for ``fn`` (its docstring, dedented, unless ``description`` is given).

    ``read_only`` tools are also marked non-destructive and idempotent, which is what
    reading is; the hints for the others are what the caller says."""
    text = prose(description if description is not None else fn.__doc__ or "")
    hints = ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=False if read_only else destructive,
        idempotent_hint=True if read_only else idempotent,
        open_world_hint=False,
    )
    tool = Tool.from_function(fn, title=title, description=text, annotations=hints)
    return tool.model_copy(update={"parameters": plain_optionals(tool.parameters)})


def prose(doc: str) -> str:
    """``doc`` as a client shows it: dedented, lines of a paragraph joined (clients wrap
    text themselves), reST ````code```` as Markdown ```code```."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs).replace("``", "`")


def _inline(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = defs.get(ref.removeprefix("#/$defs/"))
        if isinstance(target, dict):
            return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def plain_optionals(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (an object schema) with each ``anyOf: [T, null]`` property written as
    ``T`` (its ``null`` default dropped), and local ``$ref``s of properties inlined."""
    defs: dict[str, Any] = schema.get("$defs", {})
    properties: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf")
        if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
            [kept] = [o for o in options if o != {"type": "null"}]
            prop = {**_inline(kept, defs), **{k: v for k, v in prop.items() if k != "anyOf"}}
            if "default" in prop and prop["default"] is None:
                del prop["default"]
        properties[name] = _inline(prop, defs)
    out = {k: v for k, v in schema.items() if k != "$defs"}
    out["properties"] = properties
    if defs and '"$ref"' in json.dumps(properties):
        out["$defs"] = defs  # still referenced deeper down
    return out
