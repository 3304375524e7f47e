from __future__ import annotations

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    ReasoningDelta,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.providers.ollama import OllamaProvider, parse_ollama_host
from tests.providers.loopback import LoopbackServer, Reply, json_reply, ndjson

REQUEST = StreamRequest(
    model="qwen3:8b",
    messages=(ChatMessage("user", "hi"),),
    max_tokens=32,
    temperature=0.2,
    options={"keep_alive": "10m", "think": True, "seed": 7},
)


def piece(content: str = "", thinking: str | None = None) -> dict[str, object]:
    message: dict[str, object] = {"role": "assistant", "content": content}
    if thinking is not None:
        message["thinking"] = thinking
    return {
        "model": "qwen3:8b",
        "created_at": "2026-11-21T00:00:00Z",
        "message": message,
        "done": False,
    }


def make(srv: LoopbackServer, **models: ModelConfig) -> OllamaProvider:
    config = ProviderConfig(
        kind="ollama", base_url=srv.url, models=models or {"qwen3:8b": ModelConfig(context=8192)}
    )
    return OllamaProvider("ol", config)


async def collect(provider: OllamaProvider) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(REQUEST)]
    finally:
        await provider.close()


async def test_chat_stream_with_done_line(server: LoopbackServer) -> None:
    final = piece() | {
        "done": True,
        "done_reason": "stop",
        "prompt_eval_count": 20,
        "eval_count": 4,
        "eval_duration": 2_000_000_000,
        "total_duration": 3_000_000_000,
    }
    server.route(
        "POST",
        "/api/chat",
        Reply(
            pieces=ndjson(piece(thinking="hmm"), piece("Hel"), piece("lo"), final),
            content_type="application/x-ndjson",
        ),
    )
    events = await collect(make(server))
    assert events[:4] == [
        ReasoningDelta("hmm"),
        TextDelta("Hel"),
        TextDelta("lo"),
        Usage(20, 4, source="reported"),
    ]
    done = events[4]
    assert isinstance(done, Done) and done.finish_reason == "stop"
    assert done.stats["output_tokens_per_s"] == 2.0 and done.stats["total_s"] == 3.0
    body = server.requests[0].json()
    assert body["stream"] is True and body["keep_alive"] == "10m" and body["think"] is True
    assert body["options"] == {"num_predict": 32, "num_ctx": 8192, "temperature": 0.2, "seed": 7}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_missing_counts_default_to_zero(server: LoopbackServer) -> None:
    final = piece() | {"done": True, "done_reason": "length"}
    server.route("POST", "/api/chat", Reply(pieces=ndjson(piece("x"), final)))
    events = await collect(make(server))
    assert events[-2:] == [Usage(0, 0, source="reported"), Done("length")]


async def test_mid_stream_error_line_under_200(server: LoopbackServer) -> None:
    server.route(
        "POST",
        "/api/chat",
        Reply(pieces=ndjson(piece("x"), {"error": "model runner has unexpectedly stopped"})),
    )
    with pytest.raises(ProviderError) as info:
        await collect(make(server))
    assert "model runner has unexpectedly stopped" in str(info.value)
    assert info.value.retryable


async def test_stream_ending_before_done_is_a_cut(server: LoopbackServer) -> None:
    server.route("POST", "/api/chat", Reply(pieces=ndjson(piece("x"))))
    with pytest.raises(ProviderError, match="stream cut") as info:
        await collect(make(server))
    assert info.value.retryable


async def test_malformed_line(server: LoopbackServer) -> None:
    server.route("POST", "/api/chat", Reply(pieces=[b'{"message": {"content": "a"\n']))
    with pytest.raises(ProviderError, match="not JSON"):
        await collect(make(server))


@pytest.mark.parametrize(
    ("status", "retryable"), [(404, False), (400, False), (500, True), (429, True)]
)
async def test_error_status_carries_ollama_message(
    server: LoopbackServer, status: int, retryable: bool
) -> None:
    server.route("POST", "/api/chat", json_reply(status, {"error": "model 'qwen3:8b' not found"}))
    with pytest.raises(ProviderError) as info:
        await collect(make(server))
    assert info.value.retryable is retryable and info.value.status == status
    assert "model 'qwen3:8b' not found" in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("gpu-box:9999", "http://gpu-box:9999"),
        ("0.0.0.0", "http://127.0.0.1:11434"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        ("http://10.0.0.5:11434/", "http://10.0.0.5:11434"),
        ("https://proxy.example.com:8443/ollama/", "https://proxy.example.com:8443/ollama"),
        ("[::1]:11500", "http://[::1]:11500"),
    ],
)
def test_ollama_host_parsing(value: str | None, expected: str) -> None:
    assert parse_ollama_host(value) == expected


def test_base_url_defaults_to_ollama_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:11500")
    config = ProviderConfig(kind="ollama", models={"m": ModelConfig()})
    assert OllamaProvider("ol", config).base_url == "http://gpu-box:11500"
    monkeypatch.delenv("OLLAMA_HOST")
    assert OllamaProvider("ol", config).base_url == "http://127.0.0.1:11434"


async def test_check_reports_missing_models_and_helpers(server: LoopbackServer) -> None:
    server.route("GET", "/api/version", json_reply(200, {"version": "0.12.6"}))
    tags = {"models": [{"name": "llama3:latest", "model": "llama3:latest"}, {"name": "qwen3:8b"}]}
    server.route("GET", "/api/tags", json_reply(200, tags))
    server.route("POST", "/api/show", json_reply(200, {"capabilities": ["completion", "tools"]}))
    provider = make(
        server, llama3=ModelConfig(), **{"qwen3:8b": ModelConfig(), "gemma3:4b": ModelConfig()}
    )
    problems = await provider.check()
    assert len(problems) == 1 and "'gemma3:4b'" in problems[0]
    assert await provider.list_models() == ["llama3:latest", "qwen3:8b"]
    assert await provider.show("qwen3:8b") == ["completion", "tools"]
    assert server.requests[-1].json() == {"model": "qwen3:8b"}


async def test_check_reports_unreachable_server() -> None:
    config = ProviderConfig(
        kind="ollama", base_url="http://127.0.0.1:9", models={"m": ModelConfig()}
    )
    problems = await OllamaProvider("ol", config).check()
    assert len(problems) == 1 and "not usable" in problems[0] and "cannot connect" in problems[0]
