"""MCP tool schemas reach Gemini as the OpenAPI subset its ``functionDeclarations`` accept
(loopback server recording the request body; the schemas are the shapes real MCP servers
send: pydantic's ``$defs``/``$ref`` and ``anyOf`` with null, zod's ``$schema`` and
``additionalProperties``)."""

from __future__ import annotations

from typing import Any

import pytest

from swarm_tui.providers.base import StreamRequest, ToolSpec
from swarm_tui.providers.gemini_schema import gemini_schema
from tests.providers.faults import collect
from tests.providers.loopback import LoopbackServer, Reply, sse
from tests.providers.test_gemini import MODEL, PATH, REQUEST, chunk, make

ALLOWED = {
    "type",
    "format",
    "description",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "anyOf",
    "minItems",
    "maxItems",
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "minimum",
    "maximum",
    "pattern",
}

RAW: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "$defs": {
        "Filter": {
            "title": "Filter",
            "type": "object",
            "properties": {"field": {"type": "string"}, "op": {"const": "eq"}},
            "required": ["field", "op"],
        }
    },
    "properties": {
        "url": {"type": "string", "format": "uri", "title": "Url"},
        "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 5},
        "filter": {"$ref": "#/$defs/Filter", "description": "one filter"},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "when": {"type": "string", "format": "date-time"},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    },
    "required": ["url", "missing"],
}


def test_a_raw_mcp_schema_becomes_the_subset() -> None:
    assert gemini_schema(RAW) == {
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "format: uri"},
            "limit": {"type": "integer", "nullable": True},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5, "nullable": True},
            "filter": {
                "type": "object",
                "description": "one filter",
                "properties": {
                    "field": {"type": "string"},
                    "op": {"type": "string", "enum": ["eq"]},
                },
                "required": ["field", "op"],
            },
            "level": {"type": "integer", "description": "one of: 1, 2, 3"},
            "when": {"type": "string", "format": "date-time"},
            "id": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "required": ["url"],
    }


def keys(node: object) -> set[str]:
    """Every schema keyword used anywhere in ``node`` (property names excluded)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key == "properties":
                for sub in value.values():
                    found |= keys(sub)
            elif key in ("items",):
                found |= keys(value)
            elif key == "anyOf":
                for sub in value:
                    found |= keys(sub)
    return found


def test_recursive_refs_end_and_only_known_keywords_remain() -> None:
    tree = {
        "type": "object",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
            }
        },
        "properties": {"root": {"$ref": "#/$defs/Node"}, "other": {"$ref": "#/definitions/Nope"}},
    }
    out = gemini_schema(tree)
    assert keys(out) <= ALLOWED
    assert out["properties"]["other"] == {
        "type": "object",
        "description": "(see #/definitions/Nope)",
    }


async def test_gemini_receives_converted_parameters(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk({"text": "ok"}, finish="STOP"), done=False)))
    tools = (
        ToolSpec("fetch__get", "get a page", RAW),
        ToolSpec("t__now", "now", {"type": "object", "properties": {}}),
    )
    await collect(
        make(server, monkeypatch), StreamRequest(MODEL, REQUEST.messages, 32, tools=tools)
    )
    [declared, bare] = server.requests[0].json()["tools"][0]["functionDeclarations"]  # type: ignore[index]
    assert declared["parameters"] == gemini_schema(RAW)
    assert keys(declared["parameters"]) <= ALLOWED
    assert "$schema" not in str(declared) and "additionalProperties" not in str(declared)
    assert bare == {"name": "t__now", "description": "now"}
