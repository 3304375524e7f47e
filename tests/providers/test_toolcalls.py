"""Tool calls come out of every provider as ToolCall(id, name, arguments: dict)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
    parse_arguments,
)
from swarm_tui.providers.local import LocalProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.faults import collect
from tests.providers.loopback import LoopbackServer, Reply, ndjson, sse

TOOLS = (
    ToolSpec(
        "get_time",
        "Current time in a timezone",
        {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
    ),
    ToolSpec("add", "Add", {"type": "object", "properties": {"a": {"type": "integer"}}}),
)
REQUEST = StreamRequest("m1", (ChatMessage("user", "time in UTC?"),), 64, tools=TOOLS)


def oa_chunk(tool_calls: list[dict[str, object]], finish: str | None = None) -> dict[str, object]:
    return {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"tool_calls": tool_calls}, "finish_reason": finish}],
    }


async def test_openai_accumulates_by_index_keeping_first_id_and_name(
    server: LoopbackServer,
) -> None:
    # Two calls interleaved; llama.cpp-style repeats of id and name on every piece.
    def piece(index: int, args: str, repeat: bool = True) -> dict[str, object]:
        call: dict[str, object] = {"index": index, "function": {"arguments": args}}
        if repeat:
            call["id"] = f"call_{index}"
            call["type"] = "function"
            call["function"] = {"name": ["get_time", "add"][index], "arguments": args}
        return call

    server.route(
        "POST",
        "/v1/chat/completions",
        Reply(
            pieces=sse(
                oa_chunk([piece(0, "")]),
                oa_chunk([piece(1, '{"a"')]),
                oa_chunk([piece(0, '{"tz": ', repeat=False)]),
                oa_chunk([piece(0, '"UTC"}'), piece(1, ": 2}", repeat=False)]),
                oa_chunk([], "tool_calls"),
            )
        ),
    )
    config = ProviderConfig(
        kind="openai", base_url=f"{server.url}/v1", models={"m1": ModelConfig()}
    )
    got = await collect(OpenAICompatProvider("oa", config), REQUEST)
    calls = [e for e in got if isinstance(e, ToolCall)]
    assert calls == [
        ToolCall("call_0", "get_time", {"tz": "UTC"}),
        ToolCall("call_1", "add", {"a": 2}),
    ]
    assert got[-1] == Done("tool_calls")
    body = server.requests[0].json()
    tools = body["tools"]
    assert isinstance(tools, list) and tools[0]["function"]["name"] == "get_time"
    assert "tool_choice" not in body


async def test_ollama_tool_calls_with_object_arguments(server: LoopbackServer) -> None:
    message = {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "get_time", "arguments": {"tz": "UTC"}}}],
    }
    final = {
        "model": "m1",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
        "eval_count": 3,
    }
    server.route(
        "POST",
        "/api/chat",
        Reply(
            pieces=ndjson({"model": "m1", "message": message, "done": False}, final),
            content_type="application/x-ndjson",
        ),
    )
    config = ProviderConfig(kind="ollama", base_url=server.url, models={"m1": ModelConfig()})
    got = await collect(OllamaProvider("ol", config), REQUEST)
    assert got[0] == ToolCall("ollama_call_0", "get_time", {"tz": "UTC"})
    body = server.requests[0].json()
    assert body["tools"][0]["function"]["parameters"]["required"] == ["tz"]  # type: ignore[index]


def test_parse_arguments_cases() -> None:
    assert parse_arguments("") == ({}, None)
    assert parse_arguments('{"a": 1}') == ({"a": 1}, None)
    assert parse_arguments("[1]")[1] == "arguments must be a JSON object, got list"
    args, problem = parse_arguments('{"a": ')
    assert args == {} and problem is not None and "not valid JSON" in problem


def test_presets_fill_url_and_key_env_and_explicit_values_win() -> None:
    groq = ProviderConfig(kind="openai", preset="groq", models={"m": ModelConfig()})
    assert groq.base_url == "https://api.groq.com/openai/v1"
    assert groq.api_key_env == "GROQ_API_KEY"
    vllm = ProviderConfig(
        kind="openai", preset="vllm", base_url="http://gpu:8000/v1", models={"m": ModelConfig()}
    )
    assert vllm.base_url == "http://gpu:8000/v1" and vllm.api_key_env is None
    for preset in ("openrouter", "dashscope", "lmstudio", "llamacpp"):
        made = ProviderConfig(kind="openai", preset=preset, models={"m": ModelConfig()})  # type: ignore[arg-type]
        assert made.base_url and made.base_url.startswith("http")
    claude = ProviderConfig(kind="anthropic", models={"m": ModelConfig()})
    assert claude.base_url == "https://api.anthropic.com"
    assert claude.api_key_env == "ANTHROPIC_API_KEY"
    with pytest.raises(ValueError, match="presets are for kind 'openai' only"):
        ProviderConfig(kind="ollama", preset="groq", models={"m": ModelConfig()})


@pytest.mark.llama
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable: install the 'local' extra (make setup)",
)
async def test_real_llama_cpp_named_tool_choice_streams_a_tool_call(tmp_path: Path) -> None:
    config = ProviderConfig(
        kind="local", models={"smollm2": ModelConfig(max_tokens=48, context=2048)}
    )
    provider = LocalProvider("local", config, log_path=tmp_path / "model.log")
    request = StreamRequest(
        "smollm2",
        (ChatMessage("user", "What time is it in UTC?"),),
        48,
        tools=TOOLS[:1],
        tool_choice="get_time",
    )
    got = await collect(provider, request)
    calls = [e for e in got if isinstance(e, ToolCall)]
    assert len(calls) == 1, got
    assert calls[0].name == "get_time" and calls[0].id
    # SmolLM2 writes nonsense, but the grammar forces an object (or it failed to parse).
    assert isinstance(calls[0].arguments, dict)
    assert not [e for e in got if isinstance(e, TextDelta) and e.text.strip()]
    assert isinstance(got[-1], Done)
