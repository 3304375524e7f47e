"""Structured output: one ``OutputSchema`` on the request, each backend's own wire shape.

Loopback servers speaking each documented format (protocols.md) record the request body;
the assertions are on that payload, and on the JSON reply coming back as the text.
"""

from __future__ import annotations

import json

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.base import (
    ChatMessage,
    OutputSchema,
    StreamRequest,
    TextDelta,
    ToolCall,
)
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.faults import collect
from tests.providers.loopback import LoopbackServer, Reply, named_sse, ndjson, sse

SCHEMA: dict[str, object] = {
    "type": "object",
    "properties": {
        "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "note": {"type": ["string", "null"]},
    },
    "required": ["steps"],
    "additionalProperties": False,
}
ANSWER = {"steps": ["a", "b"], "note": None}


def request(model: str) -> StreamRequest:
    return StreamRequest(
        model=model,
        messages=(ChatMessage("system", "plan"), ChatMessage("user", "a goal")),
        max_tokens=64,
        temperature=0.0,
        output=OutputSchema("plan", SCHEMA),
    )


def text(events: list[object]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_openai_sends_response_format_json_schema(server: LoopbackServer) -> None:
    reply = json.dumps(ANSWER)
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": reply[:10]}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {"content": reply[10:]}, "finish_reason": "stop"}]},
    ]
    server.route("POST", "/v1/chat/completions", Reply(pieces=sse(*chunks)))
    config = ProviderConfig(kind="openai", base_url=f"{server.url}/v1", models={"m": ModelConfig()})
    events = await collect(OpenAICompatProvider("oa", config), request("m"))
    body = server.requests[-1].json()
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "plan", "schema": SCHEMA, "strict": False},
    }
    assert json.loads(text(events)) == ANSWER


async def test_openai_without_schema_sends_no_response_format(server: LoopbackServer) -> None:
    chunk = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}
    server.route("POST", "/v1/chat/completions", Reply(pieces=sse(chunk)))
    config = ProviderConfig(kind="openai", base_url=f"{server.url}/v1", models={"m": ModelConfig()})
    plain = StreamRequest(model="m", messages=(ChatMessage("user", "hi"),))
    await collect(OpenAICompatProvider("oa", config), plain)
    assert "response_format" not in server.requests[-1].json()


async def test_ollama_sends_the_schema_as_format(server: LoopbackServer) -> None:
    lines = ndjson(
        {"message": {"role": "assistant", "content": json.dumps(ANSWER)}, "done": False},
        {"message": {"role": "assistant", "content": ""}, "done": True, "eval_count": 5},
    )
    server.route("POST", "/api/chat", Reply(pieces=lines, content_type="application/x-ndjson"))
    config = ProviderConfig(kind="ollama", base_url=server.url, models={"q": ModelConfig()})
    events = await collect(OllamaProvider("ol", config), request("q"))
    body = server.requests[-1].json()
    assert body["format"] == SCHEMA
    assert body["options"] == {"num_predict": 64, "temperature": 0.0}
    assert json.loads(text(events)) == ANSWER


async def test_gemini_sends_response_mime_type_and_schema(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-test-0123456789abcdef0123456789")
    chunk = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": json.dumps(ANSWER)}]},
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 6},
    }
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    server.route("POST", path, Reply(pieces=sse(chunk, done=False)))
    config = ProviderConfig(
        kind="gemini",
        base_url=server.url,
        api_key_env="GEMINI_API_KEY",
        models={"gemini-2.5-flash": ModelConfig()},
    )
    events = await collect(GeminiProvider("ge", config), request("gemini-2.5-flash"))
    generation = server.requests[-1].json()["generationConfig"]
    assert isinstance(generation, dict)
    assert generation["responseMimeType"] == "application/json"
    # Gemini's subset: a nullable string instead of a type list, no additionalProperties.
    assert generation["responseSchema"] == {
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "note": {"type": "string", "nullable": True},
        },
        "required": ["steps"],
    }
    assert json.loads(text(events)) == ANSWER


async def test_anthropic_forces_a_tool_and_gives_its_input_as_text(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef0123")
    usage = {"input_tokens": 10, "output_tokens": 1}
    start = {"id": "msg_1", "role": "assistant", "content": [], "model": "m", "usage": usage}
    raw = json.dumps(ANSWER)
    events_out = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "tool_use", "id": "toolu_1", "name": "plan", "input": {}},
            },
        ),
        *[
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": piece},
                },
            )
            for piece in (raw[:7], raw[7:])
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use"},
                "usage": {"output_tokens": 9},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    server.route("POST", "/v1/messages", Reply(pieces=named_sse(*events_out)))
    config = ProviderConfig(
        kind="anthropic",
        base_url=server.url,
        api_key_env="ANTHROPIC_API_KEY",
        models={"claude-haiku-4-5": ModelConfig()},
    )
    events = await collect(AnthropicProvider("an", config), request("claude-haiku-4-5"))
    body = server.requests[-1].json()
    tools = body["tools"]
    assert isinstance(tools, list) and len(tools) == 1
    assert tools[0]["name"] == "plan" and tools[0]["input_schema"] == SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": "plan"}
    assert not [e for e in events if isinstance(e, ToolCall)]  # given as text instead
    assert json.loads(text(events)) == ANSWER
