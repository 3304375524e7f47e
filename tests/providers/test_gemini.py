"""Gemini native streamGenerateContent?alt=sse against a loopback server."""

from __future__ import annotations

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
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
from swarm_tui.providers.gemini import GeminiProvider
from tests.providers.faults import collect, failure, settled
from tests.providers.loopback import LoopbackServer, Reply, json_reply, sse

MODEL = "gemini-2.5-flash"
PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
KEY = "AIzaTestKey0123456789abcdefABCDEF"
REQUEST = StreamRequest(
    model=MODEL,
    messages=(
        ChatMessage("system", "be brief"),
        ChatMessage("user", "hi"),
        ChatMessage("assistant", "hello"),
        ChatMessage("user", "time?"),
    ),
    max_tokens=32,
)


def make(srv: LoopbackServer, monkeypatch: pytest.MonkeyPatch, **kw: object) -> GeminiProvider:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    config = ProviderConfig(
        kind="gemini",
        base_url=srv.url,
        models={MODEL: ModelConfig()},
        **kw,  # type: ignore[arg-type]
    )
    return GeminiProvider("gemini", config)


def chunk(*parts: dict[str, object], finish: str | None = None, usage: bool = True) -> object:
    candidate: dict[str, object] = {"content": {"role": "model", "parts": list(parts)}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    out: dict[str, object] = {"candidates": [candidate], "modelVersion": MODEL}
    if usage:
        out["usageMetadata"] = {
            "promptTokenCount": 40,
            "candidatesTokenCount": 6,
            "thoughtsTokenCount": 4,
            "cachedContentTokenCount": 32,
            "totalTokenCount": 50,
        }
    return out


async def test_text_thoughts_function_calls_and_usage(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route(
        "POST",
        PATH,
        Reply(
            pieces=sse(
                chunk({"text": "plan", "thought": True}, usage=False),
                chunk({"text": "Hel"}),
                chunk(
                    {"text": "lo"}, {"functionCall": {"name": "get_time", "args": {"tz": "UTC"}}}
                ),
                chunk(finish="STOP"),
                done=False,
            )
        ),
    )
    tools = (ToolSpec("get_time", "time", {"type": "object"}),)
    request = StreamRequest(MODEL, REQUEST.messages, 32, tools=tools, tool_choice="required")
    events = await collect(make(server, monkeypatch), request)
    assert sum(isinstance(e, Usage) for e in events) == 4  # each chunk's usageMetadata, then last
    got = settled(events)
    assert got == [
        ReasoningDelta("plan"),
        TextDelta("Hel"),
        TextDelta("lo"),
        ToolCall("gemini_call_0", "get_time", {"tz": "UTC"}),
        Usage(40, 10, cached_tokens=32),
        Done("stop"),
    ]
    sent = server.requests[0]
    assert sent.query == "alt=sse"
    assert sent.headers["x-goog-api-key"] == KEY
    body = sent.json()
    assert body["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]  # type: ignore[union-attr,index]
    assert body["generationConfig"] == {"maxOutputTokens": 32}
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert body["tools"] == [  # no parameters: Gemini refuses an OBJECT without properties
        {"functionDeclarations": [{"name": "get_time", "description": "time"}]}
    ]


async def test_error_inside_200_stream(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    server.route("POST", PATH, Reply(pieces=sse(chunk({"text": "a"}), error, done=False)))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.status == 503


@pytest.mark.parametrize(
    ("status", "message", "retryable", "kind"),
    [
        (429, "Resource has been exhausted (e.g. check quota).", True, "rate_limit"),
        (500, "Internal error", True, "server"),
        (503, "The model is overloaded.", True, "overloaded"),
        (400, "API key not valid. Please pass a valid API key.", False, "auth"),
        (404, "models/x is not found", False, "not_found"),
    ],
)
async def test_http_errors(
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    message: str,
    retryable: bool,
    kind: str,
) -> None:
    body = {"error": {"code": status, "message": message, "status": "X"}}
    server.route("POST", PATH, json_reply(status, body, {"retry-after": "3"}))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert (err.retryable, err.kind) == (retryable, kind)
    assert err.retry_after == 3.0


async def test_stream_without_finish_reason_is_cut(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, Reply(pieces=sse(chunk({"text": "a"}), done=False)))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retryable and err.kind == "cut"


async def test_empty_200_body(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", PATH, Reply(pieces=[]))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.kind == "cut"


async def test_malformed_chunk(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", PATH, Reply(pieces=[b'data: {"candidates": [\n\n']))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.kind == "malformed"


async def test_blocked_prompt_is_final(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}}
    server.route("POST", PATH, Reply(pieces=sse(blocked, done=False)))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert not err.retryable and "SAFETY" in str(err)


async def test_cut_and_reset_and_timeout(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route(
        "POST",
        PATH,
        Reply(pieces=sse(chunk({"text": "a"}), done=False), cut=True),
        Reply(pieces=sse(chunk({"text": "a"}), done=False), reset=True),
        Reply(pieces=sse(chunk({"text": "a"}), done=False), hang=True),
    )
    kinds = [
        (await failure(make(server, monkeypatch, read_timeout=0.2), REQUEST)).kind for _ in range(3)
    ]
    assert kinds[0] == "cut" and kinds[1] in ("cut", "network") and kinds[2] == "timeout"


def _retry_info(delay: str) -> dict[str, object]:
    return {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted (e.g. check quota).",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay},
            ],
        }
    }


@pytest.mark.parametrize(("delay", "seconds"), [("3s", 3.0), ("0.5s", 0.5), ("41.25s", 41.25)])
async def test_429_retry_delay_in_the_body_becomes_retry_after(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, delay: str, seconds: float
) -> None:
    server.route("POST", PATH, json_reply(429, _retry_info(delay)))  # no Retry-After header
    err = await failure(make(server, monkeypatch), REQUEST)
    assert (err.kind, err.retry_after) == ("rate_limit", seconds)


async def test_retry_delay_in_an_error_inside_the_stream_is_kept(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pieces = sse(chunk({"text": "a"}), _retry_info("3s"), done=False)
    server.route("POST", PATH, Reply(pieces=pieces))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert (err.status, err.retry_after) == (429, 3.0)


async def test_the_longer_of_retry_after_and_retry_delay_wins(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("POST", PATH, json_reply(429, _retry_info("3s"), {"retry-after": "9"}))
    err = await failure(make(server, monkeypatch), REQUEST)
    assert err.retry_after == 9.0
