"""MCP tool schemas (JSON Schema) as the OpenAPI subset Gemini's ``functionDeclarations``
accept, so a server's raw schema never makes Gemini answer 400.

Gemini's ``Schema`` knows ``type`` (one), ``format`` (a few), ``description``, ``nullable``,
``enum`` (strings), ``properties``, ``required``, ``items``, ``anyOf``, the length, size and
range bounds and ``pattern``; an ``OBJECT`` must have properties. So: ``$ref`` is resolved
from ``$defs``/``definitions``; ``type: [x, "null"]`` and ``anyOf`` with a null branch become
``nullable``; ``oneOf`` becomes ``anyOf``; ``allOf`` is merged; ``const`` becomes a one-value
enum; what cannot be said in the subset (a default, a dropped format, a number enum) moves
into the description; ``$schema``, ``additionalProperties``, ``title`` and the rest are left
out. A tool without parameters gets no ``parameters`` at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from swarm_tui.providers.base import ToolSpec

__all__ = ["gemini_declaration", "gemini_schema"]

_KEEP = (
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "pattern",
)
_FORMATS = {"string": {"enum", "date-time"}, "number": {"float", "double"}}
_FORMATS["integer"] = {"int32", "int64"}
_MAX_DEPTH = 12


def gemini_declaration(tool: ToolSpec) -> dict[str, object]:
    """One ``functionDeclarations`` entry for ``tool``."""
    out: dict[str, object] = {"name": tool.name, "description": tool.description}
    params = gemini_schema(tool.parameters)
    if params.get("properties"):
        out["parameters"] = params
    return out


def gemini_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` in the subset (refs resolved against its own ``$defs``)."""
    defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _convert(schema, defs, 0)


def _resolve(node: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return node
    target = defs.get(ref.rsplit("/", 1)[-1]) if ref.startswith("#/") else None
    if not isinstance(target, Mapping) or depth > _MAX_DEPTH:
        return {"type": "object", "description": node.get("description", f"(see {ref})")}
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return _resolve(merged, defs, depth + 1)


def _merge_all_of(node: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    for part in node.get("allOf", []):
        if not isinstance(part, Mapping):
            continue
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _type_of(node: Mapping[str, Any]) -> tuple[list[str], bool]:
    """The non-null types named by ``type``, and whether null is allowed."""
    raw = node.get("type")
    types = [raw] if isinstance(raw, str) else [t for t in raw or [] if isinstance(t, str)]
    nullable = "null" in types
    types = [t for t in types if t != "null"]
    if not types:
        if "properties" in node:
            types = ["object"]
        elif "items" in node:
            types = ["array"]
        elif "enum" in node or "const" in node:
            types = ["string"]
    return types, nullable


def _convert(raw: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> dict[str, Any]:
    node = _merge_all_of(_resolve(raw, defs, depth))
    notes: list[str] = []
    out: dict[str, Any] = {}
    branches = [
        b for b in [*node.get("anyOf", []), *node.get("oneOf", [])] if isinstance(b, Mapping)
    ]
    types, nullable = _type_of(node)
    if branches:
        real = [b for b in branches if _resolve(b, defs, depth).get("type") != "null"]
        nullable = nullable or len(real) < len(branches)
        if len(real) == 1 and not types:
            inner = _convert(real[0], defs, depth + 1)
            inner.update({k: v for k, v in node.items() if k == "description"})
            return _finish(inner, nullable, [])
        if real:
            out["anyOf"] = [_convert(b, defs, depth + 1) for b in real]
    if len(types) > 1:
        out["anyOf"] = [_convert({**node, "type": t}, defs, depth + 1) for t in types]
        types = []
    kind = types[0] if types else None
    if kind is not None:
        out["type"] = kind
    if isinstance(node.get("description"), str):
        out["description"] = node["description"]
    _values(node, kind, out, notes)
    fmt = node.get("format")
    if isinstance(fmt, str):
        if kind in _FORMATS and fmt in _FORMATS[kind]:
            out["format"] = fmt
        else:
            notes.append(f"format: {fmt}")
    if "default" in node:
        notes.append(f"default: {json.dumps(node['default'], ensure_ascii=False)}")
    for key in _KEEP:
        value = node.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number or (key == "pattern" and isinstance(value, str)):
            out[key] = value
    if kind == "object" and isinstance(node.get("properties"), Mapping):
        props = {
            name: _convert(sub, defs, depth + 1)
            for name, sub in node["properties"].items()
            if isinstance(sub, Mapping)
        }
        out["properties"] = props
        required = [r for r in node.get("required", []) if r in props]
        if required:
            out["required"] = list(dict.fromkeys(required))
    if kind == "array":
        items = node.get("items")
        items = items[0] if isinstance(items, list) and items else items
        out["items"] = _convert(items, defs, depth + 1) if isinstance(items, Mapping) else {}
        if not out["items"]:
            out["items"] = {"type": "string"}
    return _finish(out, nullable, notes)


def _values(
    node: Mapping[str, Any], kind: str | None, out: dict[str, Any], notes: list[str]
) -> None:
    """``enum``/``const``: kept when strings, else told in the description."""
    values = node.get("enum")
    if "const" in node:
        values = [node["const"]]
    if not isinstance(values, list) or not values:
        return
    if kind == "string" and all(isinstance(v, str) for v in values):
        out["enum"] = list(values)
    else:
        notes.append("one of: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in values))


def _finish(out: dict[str, Any], nullable: bool, notes: list[str]) -> dict[str, Any]:
    if nullable:
        out["nullable"] = True
    if notes:
        text = "; ".join(notes)
        out["description"] = f"{out['description']} ({text})" if out.get("description") else text
    return out
