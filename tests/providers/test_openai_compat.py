from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    Provider,
    ProviderError,
    ReasoningDelta,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    Usage,
)
from swarm_tui.providers.errors import parse_retry_after
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

PATH = "/v1/chat/completions"
KEY = "sk-test-0123456789abcdef"
REQUEST = StreamRequest(
    model="m1",
    messages=(ChatMessage("system", "be brief"), ChatMessage("user", "hi")),
    max_tokens=16,
)


def chunk(
    content: str | None = None, finish: str | None = None, **delta: object
) -> dict[str, object]:
    if content is not None:
        delta["content"] = content
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def make(
    srv: LoopbackServer, *, key_env: str | None = None, read_timeout: float = 30.0
) -> OpenAICompatProvider:
    config = ProviderConfig(
        kind="openai",
        base_url=f"{srv.url}/v1/",
        api_key_env=key_env,
        read_timeout=read_timeout,
        models={"m1": ModelConfig(), "m2": ModelConfig()},
    )
    return OpenAICompatProvider("oa", config)


async def collect(provider: OpenAICompatProvider) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(REQUEST)]
    finally:
        await provider.close()


async def failure(provider: OpenAICompatProvider) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        await collect(provider)
    return info.value


async def test_normal_stream_sends_plain_strings_and_include_usage(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OA_KEY", KEY)
    usage = {
        "prompt_tokens": 12,
        "completion_tokens": 3,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    server.route(
        "POST",
        PATH,
        Reply(
            pieces=sse(
                chunk(role="assistant"),
                chunk(reasoning_content="think "),
                chunk("Hel"),
                chunk("lo", tool_calls=[{"index": 0, "function": {"arguments": "{"}}]),
                chunk(finish="stop"),
                {"id": "c1", "choices": [], "usage": usage},
            )
        ),
    )
    provider = make(server, key_env="OA_KEY")
    assert isinstance(provider, Provider)
    events = await collect(provider)
    assert events == [
        ReasoningDelta("think "),
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCall("call_0", "?", {}, events[3].invalid if isinstance(events[3], ToolCall) else ""),
        Usage(12, 3, cached_tokens=4, source="reported"),
        Done("stop"),
    ]
    assert isinstance(events[3], ToolCall) and "not valid JSON" in (events[3].invalid or "")
    sent = server.requests[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    body = sent.json()
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert body["max_tokens"] == 16 and body["model"] == "m1"


async def test_comments_skipped_and_openrouter_cost_and_reasoning(server: LoopbackServer) -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 2, "cost": 0.00042}
    final = chunk(finish="length") | {"usage": usage}
    server.route(
        "POST",
        PATH,
        Reply(
            pieces=sse(chunk(reasoning="r"), chunk("x"), final, comments=("OPENROUTER PROCESSING",))
        ),
    )
    events = await collect(make(server))
    assert events == [
        ReasoningDelta("r"),
        TextDelta("x"),
        Usage(5, 2, cost_usd=0.00042, source="reported"),
        Done("length"),
    ]


async def test_no_usage_is_recorded_as_unknown(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("a"), chunk(finish="stop"))))
    events = await collect(make(server))
    assert events[-2:] == [Usage(None, None, source="unknown"), Done("stop")]


async def test_finish_reason_without_done_marker_is_fine(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("a"), chunk(finish="stop"), done=False)))
    assert (await collect(make(server)))[-1] == Done("stop")


async def test_done_marker_without_finish_reason_says_unknown(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("a"))))
    assert (await collect(make(server)))[-2:] == [
        Usage(None, None, source="unknown"),
        Done("unknown"),
    ]


async def test_stream_without_finish_or_done_is_a_retryable_cut(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("partial"), done=False)))
    error = await failure(make(server))
    assert error.retryable and "stream cut" in str(error)


async def test_empty_200_body_is_a_cut(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=[]))
    assert (await failure(make(server))).retryable


async def test_dropped_connection_mid_body_is_retryable(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("a"), done=False), cut=True))
    error = await failure(make(server))
    assert error.retryable and "stream cut" in str(error)


async def test_error_inside_a_200_stream(server: LoopbackServer) -> None:
    error_event = {"error": {"message": "upstream overloaded", "code": 502}}
    server.route("POST", PATH, Reply(pieces=sse(chunk("a"), error_event, done=False)))
    error = await failure(make(server))
    assert "upstream overloaded" in str(error)
    assert error.retryable and error.status == 502


async def test_error_inside_stream_with_client_code_is_not_retryable(
    server: LoopbackServer,
) -> None:
    error_event = {"error": {"message": "context too long", "code": 400}}
    server.route("POST", PATH, Reply(pieces=sse(error_event, done=False)))
    assert not (await failure(make(server))).retryable


async def test_malformed_json_line_gives_a_clear_error(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=[b"data: {not json\n\n"]))
    error = await failure(make(server))
    assert "not JSON" in str(error) and "{not json" in str(error)
    assert error.__cause__ is None and error.__suppress_context__


async def test_429_with_retry_after_seconds(server: LoopbackServer) -> None:
    body = {"error": {"message": "Rate limit reached", "type": "rate_limit"}}
    server.route("POST", PATH, json_reply(429, body, {"Retry-After": "7"}))
    error = await failure(make(server))
    assert error.retryable and error.status == 429 and error.retry_after == 7.0
    assert "Rate limit reached" in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
async def test_server_errors_are_retryable(server: LoopbackServer, status: int) -> None:
    server.route("POST", PATH, json_reply(status, {"error": {"message": "boom"}}))
    error = await failure(make(server))
    assert error.retryable and error.status == status and "boom" in str(error)


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_not_retryable_and_never_show_the_key(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    monkeypatch.setenv("OA_KEY", KEY)
    body = {"error": {"message": f"Incorrect API key provided: {KEY}"}}
    server.route("POST", PATH, json_reply(status, body))
    error = await failure(make(server, key_env="OA_KEY"))
    assert not error.retryable and error.status == status
    assert "Incorrect API key provided" in str(error)
    assert KEY not in str(error)


async def test_missing_key_names_the_variable(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OA_ABSENT_KEY", raising=False)
    provider = make(server, key_env="OA_ABSENT_KEY")
    error = await failure(provider)
    assert not error.retryable and "OA_ABSENT_KEY" in str(error)
    assert server.requests == []
    server.route("GET", "/v1/models", json_reply(200, {"data": [{"id": "m1"}, {"id": "m2"}]}))
    problems = await provider.check()
    assert len(problems) == 1 and "OA_ABSENT_KEY" in problems[0]


async def test_slow_drip_past_read_timeout_is_retryable(server: LoopbackServer) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("a")), drip=5.0))
    error = await failure(make(server, read_timeout=0.2))
    assert error.retryable and "timed out" in str(error)


async def test_refused_connection_is_retryable() -> None:
    config = ProviderConfig(
        kind="openai", base_url="http://127.0.0.1:9/v1", models={"m": ModelConfig()}
    )
    provider = OpenAICompatProvider("oa", config)
    error = await failure(provider)
    assert error.retryable and "cannot connect" in str(error)
    assert any("cannot connect" in p for p in await provider.check())


async def test_check_reports_models_the_endpoint_does_not_list(server: LoopbackServer) -> None:
    server.route("GET", "/v1/models", json_reply(200, {"object": "list", "data": [{"id": "m1"}]}))
    problems = await make(server).check()
    assert len(problems) == 1 and "'m2'" in problems[0]


async def test_check_reports_a_failing_listing_without_model_noise(server: LoopbackServer) -> None:
    server.route("GET", "/v1/models", json_reply(401, {"error": {"message": "bad key"}}))
    problems = await make(server).check()
    assert len(problems) == 1 and "bad key" in problems[0] and "401" in problems[0]


async def test_mock_transport_shared_client_is_not_closed_by_provider() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        data = b"".join(sse(chunk("ok", finish="stop")))
        return httpx.Response(200, content=data, headers={"content-type": "text/event-stream"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    config = ProviderConfig(kind="openai", base_url="http://x/v1", models={"m": ModelConfig()})
    provider = OpenAICompatProvider("oa", config, client)
    events = [e async for e in provider.stream(REQUEST)]
    assert events[0] == TextDelta("ok") and events[-1] == Done("stop")
    await provider.close()
    assert not client.is_closed
    await client.aclose()


def test_retry_after_http_date_and_garbage() -> None:
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    parsed = parse_retry_after(date, now=now)
    assert parsed is not None and 28 <= parsed <= 31
    assert parse_retry_after(email.utils.formatdate(now - 100, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("1.5") == 1.5


@pytest.mark.parametrize(
    ("model", "configured", "field"),
    [
        ("o3-mini", None, "max_completion_tokens"),
        ("o1", None, "max_completion_tokens"),
        ("o4-mini-2025-04-16", None, "max_completion_tokens"),
        ("gpt-5", None, "max_completion_tokens"),
        ("gpt-5.1-mini", None, "max_completion_tokens"),
        ("gpt-4o-mini", None, "max_tokens"),
        ("openai/o3", None, "max_tokens"),  # OpenRouter's id: it reads max_tokens
        ("qwen3:8b", None, "max_tokens"),
        ("my-azure-deploy", "max_completion_tokens", "max_completion_tokens"),
        ("o3", "max_tokens", "max_tokens"),
    ],
)
async def test_the_openai_preset_sends_the_token_limit_field_each_model_accepts(
    server: LoopbackServer, model: str, configured: str | None, field: str
) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk("ok", "stop"))))
    config = ProviderConfig(
        kind="openai",
        preset="openai",
        base_url=f"{server.url}/v1",
        models={model: ModelConfig(token_limit_field=configured)},  # type: ignore[arg-type]
    )
    assert config.api_key_env == "OPENAI_API_KEY"
    provider = OpenAICompatProvider("openai", config, api_key=KEY)
    request = StreamRequest(model=model, messages=REQUEST.messages, max_tokens=77)
    try:
        events = [e async for e in provider.stream(request)]
    finally:
        await provider.close()
    assert events[-1] == Done("stop")
    body = server.requests[0].json()
    assert body[field] == 77
    other = {"max_tokens", "max_completion_tokens"} - {field}
    assert not other & set(body), body
