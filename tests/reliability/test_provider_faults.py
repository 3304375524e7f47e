"""The provider fault matrix: every HTTP provider kind x every fault, one table.

Each cell runs one real provider against the loopback server (tests/providers/loopback.py)
answering with one fault, and checks what the one retry layer is told: retryable or not, the
kind (which becomes the label on the screen and in the ledger), Retry-After, the backend's
words kept and the key never shown. Per-provider details (tool calls, usage shapes) stay in
tests/providers; this file is the cross-product.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    Provider,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
)
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.loopback import LoopbackServer, Reply, json_reply, named_sse, ndjson, sse

_BUSY = "upstream overloaded"
KEY = "sk-fault-matrix-0123456789abcdef"
MODEL = "m"
REQUEST = StreamRequest(MODEL, (ChatMessage("user", "hi"),), 16)


# ---- the four wire shapes: a good stream, a stream's first piece, errors ------------------


def _oa(content: str | None = None, finish: str | None = None) -> object:
    delta = {} if content is None else {"content": content}
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def _ol(content: str = "", done: bool = False) -> object:
    line = {"model": MODEL, "message": {"role": "assistant", "content": content}, "done": done}
    return line | ({"done_reason": "stop", "prompt_eval_count": 3, "eval_count": 3} if done else {})


def _an_text(*pieces: str) -> list[tuple[str, object]]:
    usage = {"input_tokens": 3, "output_tokens": 1}
    message = {"id": "msg", "role": "assistant", "content": [], "model": MODEL, "usage": usage}
    block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}}
    events: list[tuple[str, object]] = [
        ("message_start", {"type": "message_start", "message": message}),
        ("content_block_start", block),
    ]
    for piece in pieces:
        delta = {"type": "text_delta", "text": piece}
        body = {"type": "content_block_delta", "index": 0, "delta": delta}
        events.append(("content_block_delta", body))
    return events


_AN_END: list[tuple[str, object]] = [
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 3},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
]


def _ge(text: str | None = None, finish: str | None = None) -> object:
    parts = [] if text is None else [{"text": text}]
    candidate: dict[str, object] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    content_type: str
    make: Callable[[str, float], Provider]
    good: list[bytes]
    """A whole reply whose text is ``abc``."""
    first: list[bytes]
    """The first piece of a reply (text ``a``), with no end."""
    garbage: list[bytes]
    """A piece that is not JSON."""
    in_stream_error: list[bytes]
    """Text ``a``, then an error object inside the 200 stream saying "upstream overloaded"."""
    body: Callable[[int, str], object]
    """The provider's error body for a status and a message."""


def _config(kind: str, base_url: str, read_timeout: float, key_env: str | None) -> ProviderConfig:
    return ProviderConfig(
        kind=kind,  # type: ignore[arg-type]
        base_url=base_url,
        api_key_env=key_env,
        read_timeout=read_timeout,
        models={MODEL: ModelConfig()},
    )


KINDS = [
    Kind(
        "openai_compat",
        "/v1/chat/completions",
        "text/event-stream",
        lambda url, t: OpenAICompatProvider("oa", _config("openai", f"{url}/v1", t, "FAULT_KEY")),
        sse(_oa("a"), _oa("b"), _oa("c"), _oa(finish="stop")),
        sse(_oa("a"), done=False),
        [b"data: {not json\n\n"],
        sse(_oa("a"), {"error": {"message": "upstream overloaded", "code": 503}}, done=False),
        lambda status, msg: {"error": {"message": msg, "type": "error"}},
    ),
    Kind(
        "ollama",
        "/api/chat",
        "application/x-ndjson",
        lambda url, t: OllamaProvider("ol", _config("ollama", url, t, "FAULT_KEY")),
        ndjson(_ol("a"), _ol("b"), _ol("c"), _ol(done=True)),
        ndjson(_ol("a")),
        [b'{"message": {"content": "a"\n'],
        ndjson(_ol("a"), {"error": "upstream overloaded"}),
        lambda status, msg: {"error": msg},
    ),
    Kind(
        "anthropic",
        "/v1/messages",
        "text/event-stream",
        lambda url, t: AnthropicProvider("an", _config("anthropic", url, t, "FAULT_KEY")),
        named_sse(*_an_text("a", "b", "c"), *_AN_END),
        named_sse(*_an_text("a")),
        [*named_sse(*_an_text()), b"event: content_block_delta\ndata: {not json\n\n"],
        named_sse(
            *_an_text("a"),
            ("error", {"type": "error", "error": {"type": "overloaded_error", "message": _BUSY}}),
        ),
        lambda status, msg: {"type": "error", "error": {"type": "error", "message": msg}},
    ),
    Kind(
        "gemini",
        f"/v1beta/models/{MODEL}:streamGenerateContent",
        "text/event-stream",
        lambda url, t: GeminiProvider("ge", _config("gemini", url, t, "FAULT_KEY")),
        sse(_ge("a"), _ge("b"), _ge("c", "STOP"), done=False),
        sse(_ge("a"), done=False),
        [b'data: {"candidates": [\n\n'],
        sse(_ge("a"), {"error": {"code": 503, "message": "upstream overloaded"}}, done=False),
        lambda status, msg: {"error": {"code": status, "message": msg, "status": "X"}},
    ),
]


# ---- the faults -------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    retryable: bool
    kinds: tuple[str, ...]
    retry_after: float | None = None
    says: str = ""
    """Words of the backend the message must keep."""


@dataclass(frozen=True)
class Fault:
    name: str
    reply: Callable[[Kind], Reply]
    expect: Expect | None
    """None: the reply must complete with the full text."""
    read_timeout: float = 30.0


def _status(
    status: int, msg: str, headers: dict[str, str] | None = None
) -> Callable[[Kind], Reply]:
    return lambda k: json_reply(status, k.body(status, msg), headers)


FAULTS = [
    Fault("429 with Retry-After", _status(429, "Rate limit reached", {"Retry-After": "7"}),
          Expect(True, ("rate_limit",), 7.0, "Rate limit reached")),
    Fault("429 without Retry-After", _status(429, "Rate limit reached"),
          Expect(True, ("rate_limit",), None, "Rate limit reached")),
    Fault("500", _status(500, "internal boom"), Expect(True, ("server",), says="internal boom")),
    Fault("503", _status(503, "temporarily unavailable"),
          Expect(True, ("server",), says="temporarily unavailable")),
    Fault("529", _status(529, "Overloaded"), Expect(True, ("overloaded",), says="Overloaded")),
    Fault("timeout (stalled server)", lambda k: Reply(pieces=k.first, hang=True),
          Expect(True, ("timeout",)), read_timeout=0.3),
    Fault("connection reset", lambda k: Reply(pieces=k.first, reset=True),
          Expect(True, ("cut", "network"))),
    Fault("cut stream", lambda k: Reply(pieces=k.first, cut=True), Expect(True, ("cut",))),
    Fault("clean end before the finish", lambda k: Reply(pieces=k.first), Expect(True, ("cut",))),
    Fault("malformed body", lambda k: Reply(pieces=k.garbage), Expect(True, ("malformed",))),
    Fault("empty 200 body", lambda k: Reply(pieces=[]), Expect(True, ("cut",))),
    Fault("error inside a 200 stream", lambda k: Reply(pieces=k.in_stream_error),
          Expect(True, ("overloaded", "server"), says="upstream overloaded")),
    Fault("slow drip", lambda k: Reply(pieces=k.good, drip=0.05), None, read_timeout=5.0),
    Fault("auth failure", _status(401, f"invalid api key {KEY}"), Expect(False, ("auth",))),
    Fault("spend limit", _status(402, "Your credit balance is too low"),
          Expect(False, ("spend_limit",), says="credit balance")),
    Fault("quota exhausted (429)", _status(429, "You exceeded your quota; check plan and billing"),
          Expect(False, ("spend_limit",), says="exceeded your quota")),
]  # fmt: skip

CELLS = [(k, f) for k in KINDS for f in FAULTS]


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with LoopbackServer() as srv:
        yield srv


async def _run(provider: Provider) -> tuple[list[StreamEvent], ProviderError | None]:
    events: list[StreamEvent] = []
    try:
        async for event in provider.stream(REQUEST):
            events.append(event)
    except ProviderError as exc:
        return events, exc
    finally:
        await provider.close()
    return events, None


@pytest.mark.parametrize(
    ("kind", "fault"), CELLS, ids=[f"{k.name}-{f.name.replace(' ', '_')}" for k, f in CELLS]
)
async def test_fault_matrix(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, kind: Kind, fault: Fault
) -> None:
    monkeypatch.setenv("FAULT_KEY", KEY)
    reply = fault.reply(kind)
    if reply.status == 200:
        reply.content_type = kind.content_type
    server.route("POST", kind.path, reply)
    provider = kind.make(server.url, fault.read_timeout)
    events, error = await _run(provider)
    assert len(server.requests) == 1  # no hidden retry inside the provider
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    if fault.expect is None:
        assert error is None, error
        assert text == "abc" and isinstance(events[-1], Done)
        return
    assert error is not None, f"{kind.name} took {fault.name} for a good reply: {events}"
    message = str(error)
    assert (error.retryable, error.kind in fault.expect.kinds) == (fault.expect.retryable, True), (
        error.retryable,
        error.kind,
        message,
    )
    assert error.retry_after == fault.expect.retry_after
    assert fault.expect.says in message
    assert message.startswith(f"{provider.name}: ")  # names the provider
    assert KEY not in message and KEY not in json.dumps(error.args)
    assert text in ("", "a")  # what arrived before the fault is passed on, nothing invented
