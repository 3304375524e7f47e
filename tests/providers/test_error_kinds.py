"""Fault modes every HTTP provider shares, classified for the one retry layer."""

from __future__ import annotations

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.base import ChatMessage, StreamRequest
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.faults import failure
from tests.providers.loopback import LoopbackServer, Reply, json_reply, ndjson, sse

REQUEST = StreamRequest("m", (ChatMessage("user", "hi"),), 8)
PIECE = {"choices": [{"index": 0, "delta": {"content": "a"}, "finish_reason": None}]}


def openai(srv: LoopbackServer, read_timeout: float = 30.0) -> OpenAICompatProvider:
    config = ProviderConfig(
        kind="openai",
        base_url=f"{srv.url}/v1",
        read_timeout=read_timeout,
        models={"m": ModelConfig()},
    )
    return OpenAICompatProvider("oa", config)


@pytest.mark.parametrize(
    ("status", "body", "retryable", "kind"),
    [
        (529, {"error": {"message": "Overloaded"}}, True, "overloaded"),
        (402, {"error": {"message": "Insufficient credits"}}, False, "spend_limit"),
        (
            429,
            {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}},
            False,
            "spend_limit",
        ),
        (429, {"error": {"message": "Rate limit reached"}}, True, "rate_limit"),
        (401, {"error": {"message": "No auth credentials found"}}, False, "auth"),
    ],
)
async def test_openai_statuses(
    server: LoopbackServer, status: int, body: dict[str, object], retryable: bool, kind: str
) -> None:
    server.route("POST", "/v1/chat/completions", json_reply(status, body))
    err = await failure(openai(server), REQUEST)
    assert (err.retryable, err.kind) == (retryable, kind)


async def test_openai_reset_and_stall(server: LoopbackServer) -> None:
    server.route(
        "POST",
        "/v1/chat/completions",
        Reply(pieces=sse(PIECE, done=False), reset=True),
        Reply(pieces=sse(PIECE, done=False), hang=True),
    )
    reset = await failure(openai(server, 0.3), REQUEST)
    stall = await failure(openai(server, 0.3), REQUEST)
    assert reset.retryable and reset.kind in ("cut", "network")
    assert stall.retryable and stall.kind == "timeout"


async def test_ollama_reset_and_empty_body(server: LoopbackServer) -> None:
    line = {"model": "m", "message": {"role": "assistant", "content": "a"}, "done": False}
    server.route(
        "POST",
        "/api/chat",
        Reply(pieces=ndjson(line), content_type="application/x-ndjson", reset=True),
        Reply(pieces=[], content_type="application/x-ndjson"),
    )
    config = ProviderConfig(kind="ollama", base_url=server.url, models={"m": ModelConfig()})
    first = await failure(OllamaProvider("ol", config), REQUEST)
    second = await failure(OllamaProvider("ol", config), REQUEST)
    assert first.retryable and second.retryable and "stream cut" in str(second)
