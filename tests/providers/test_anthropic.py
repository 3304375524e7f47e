"""Anthropic Messages SSE against a protocol-faithful loopback server (protocols.md §3)."""

from __future__ import annotations

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ReasoningDelta,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)
from swarm_tui.providers.pricing import price
from tests.providers.faults import collect, failure, settled
from tests.providers.loopback import LoopbackServer, Reply, json_reply, named_sse

PATH = "/v1/messages"
KEY = "sk-ant-test-0123456789abcdef0123"
REQUEST = StreamRequest(
    model="claude-haiku-4-5",
    messages=(ChatMessage("system", "be brief"), ChatMessage("user", "hi")),
    max_tokens=64,
)


def make(srv: LoopbackServer, monkeypatch: pytest.MonkeyPatch, **kw: object) -> AnthropicProvider:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    config = ProviderConfig(
        kind="anthropic",
        base_url=srv.url,
        models={"claude-haiku-4-5": ModelConfig()},
        **kw,  # type: ignore[arg-type]
    )
    return AnthropicProvider("claude", config)


def start(usage: dict[str, int] | None = None) -> tuple[str, object]:
    usage = usage or {"input_tokens": 10, "output_tokens": 1}
    message = {"id": "msg_1", "role": "assistant", "content": [], "model": "m", "usage": usage}
    return ("message_start", {"type": "message_start", "message": message})


def text_block(index: int, *pieces: str) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = [
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            },
        )
    ]
    for piece in pieces:
        delta = {"type": "text_delta", "text": piece}
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
        )
    events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    return events


def end(stop: str = "end_turn", output: int = 5, **usage: int) -> list[tuple[str, object]]:
    return [
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": output, **usage},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]


async def test_text_thinking_tool_use_and_cumulative_usage(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    thinking = {"type": "thinking_delta", "thinking": "hmm"}
    tool_start = {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "tool_use", "id": "toolu_01", "name": "get_time", "input": {}},
    }
    events = [
        start(
            {
                "input_tokens": 20,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 30,
                "output_tokens": 1,
            }
        ),
        ("ping", {"type": "ping"}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "thinking", "thinking": ""},
            },
        ),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": thinking}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        *text_block(1, "Hel", "lo"),
        ("content_block_start", tool_start),
        *[
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 2,
                    "delta": {"type": "input_json_delta", "partial_json": p},
                },
            )
            for p in ('{"tz": ', '"UTC"', "}")
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 2}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": None},
                "usage": {"output_tokens": 3},
            },
        ),
        *end("tool_use", output=9),
    ]
    server.route("POST", PATH, Reply(pieces=named_sse(*events)))
    tools = (ToolSpec("get_time", "current time", {"type": "object"}),)
    request = StreamRequest(
        REQUEST.model, REQUEST.messages, 64, tools=tools, tool_choice="get_time"
    )
    events = await collect(make(server, monkeypatch), request)
    # usage is yielded as soon as known (message_start, each message_delta): kept if cut
    assert [e.output_tokens for e in events if isinstance(e, Usage)] == [1, 3, 9, 9]
    got = settled(events)
    assert got == [
        ReasoningDelta("hmm"),
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCall("toolu_01", "get_time", {"tz": "UTC"}),
        Usage(150, 9, cached_tokens=100, cache_write_tokens=30),
        Done("tool_use"),
    ]
    sent = server.requests[0]
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    body = sent.json()
    assert body["system"] == "be brief" and body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["tools"] == [
        {"name": "get_time", "description": "current time", "input_schema": {"type": "object"}}
    ]
    assert body["tool_choice"] == {"type": "tool", "name": "get_time"}


def test_anthropic_usage_is_priced_with_cache_rates() -> None:
    model = ModelConfig(
        input_per_mtok=3.0, output_per_mtok=15.0, cached_per_mtok=0.3, cache_write_per_mtok=3.75
    )
    usage = Usage(150, 9, cached_tokens=100, cache_write_tokens=30)
    expected = (20 * 3.0 + 100 * 0.3 + 30 * 3.75 + 9 * 15.0) / 1e6
    assert price(model, usage) == pytest.approx(expected)


async def test_empty_tool_input_is_an_empty_object(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool_start = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "tool_use", "id": "toolu_9", "name": "now", "input": {}},
    }
    events = [
        start(),
        ("content_block_start", tool_start),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        *end("tool_use"),
    ]
    server.route("POST", PATH, Reply(pieces=named_sse(*events)))
    got = settled(await collect(make(server, monkeypatch), REQUEST))
    assert got[0] == ToolCall("toolu_9", "now", {})


@pytest.mark.parametrize(
    ("error_type", "retryable", "kind"),
    [
        ("overloaded_error", True, "overloaded"),
        ("rate_limit_error", True, "rate_limit"),
        ("api_error", True, "server"),
        ("authentication_error", False, "auth"),
        ("billing_error", False, "spend_limit"),
    ],
)
async def test_error_event_inside_a_200_stream(
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    error_type: str,
    retryable: bool,
    kind: str,
) -> None:
    error = {"type": "error", "error": {"type": error_type, "message": "it failed"}}
    events = [start(), *text_block(0, "par"), ("error", error)]
    server.route("POST", PATH, Reply(pieces=named_sse(*events), cut=True))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable is retryable and err.kind == kind
    assert "error in the stream" in str(err)


@pytest.mark.parametrize(
    ("status", "retryable", "kind"),
    [
        (529, True, "overloaded"),
        (500, True, "server"),
        (503, True, "server"),
        (401, False, "auth"),
        (400, False, "bad_request"),
    ],
)
async def test_http_errors_are_classified(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, status: int, retryable: bool, kind: str
) -> None:
    body = {"type": "error", "error": {"type": "x", "message": f"status {status} says no"}}
    server.route("POST", PATH, json_reply(status, body))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert (err.status, err.retryable, err.kind) == (status, retryable, kind)
    assert f"status {status} says no" in str(err)


async def test_429_with_retry_after(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
    server.route("POST", PATH, json_reply(429, body, {"retry-after": "17"}))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.retry_after == 17.0 and err.kind == "rate_limit"


async def test_cut_stream_before_message_stop(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, Reply(pieces=named_sse(start(), *text_block(0, "half")), cut=True))
    provider = make(server, monkeypatch)
    seen = []
    with pytest.raises(Exception) as info:
        async for event in provider.stream(REQUEST):
            seen.append(event)
    await provider.close()
    # the input billed was reported by message_start: yielded before the cut
    assert seen == [Usage(10, 1, 0, source="reported", cache_write_tokens=0), TextDelta("half")]
    assert "stream cut" in str(info.value)


async def test_clean_end_without_message_stop_is_a_cut(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, Reply(pieces=named_sse(start(), *text_block(0, "x"))))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.kind == "cut"


async def test_empty_200_body(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", PATH, Reply(pieces=[]))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.kind == "cut"


async def test_malformed_chunk(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = [*named_sse(start()), b"event: content_block_delta\ndata: {not json\n\n"]
    server.route("POST", PATH, Reply(pieces=pieces))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.kind == "malformed" and "not JSON" in str(err)


async def test_reset_connection(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", PATH, Reply(pieces=named_sse(start()), reset=True))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.kind in ("cut", "network")


async def test_stalled_server_times_out(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, Reply(pieces=named_sse(start()), hang=True))
    err = await failure(make(server, monkeypatch, read_timeout=0.2), REQUEST)
    assert err.retryable and err.kind == "timeout"


async def test_slow_drip_still_completes(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = [start(), *text_block(0, "a", "b", "c"), *end()]
    server.route("POST", PATH, Reply(pieces=named_sse(*events), drip=0.02))
    got = await collect(make(server, monkeypatch, read_timeout=5.0), REQUEST)
    assert "".join(e.text for e in got if isinstance(e, TextDelta)) == "abc"
    assert got[-1] == Done("end_turn")


async def test_missing_key_is_final_and_names_the_variable(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make(server, monkeypatch)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    provider = AnthropicProvider("claude", provider.config)
    err = await failure(provider, REQUEST)
    assert not err.retryable and err.kind == "auth" and "ANTHROPIC_API_KEY" in str(err)
    assert server.requests == []


async def test_key_never_appears_in_errors(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, json_reply(401, {"error": {"message": f"bad key {KEY}"}}))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert KEY not in str(err) and "[redacted]" in str(err)
