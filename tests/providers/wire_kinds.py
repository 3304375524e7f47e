"""The four HTTP provider kinds as a loopback stand-in sees them: how to build one against the
loopback, its streaming path, a reply that asks for one tool call, a reply in text, whether a
recorded request already carries a tool's answer, and where the images sit in its body."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from swarm_tui.config import ModelConfig, ProviderConfig
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.providers.http_base import HTTPProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from tests.providers.loopback import Recorded, Reply, named_sse, ndjson, sse

Body = dict[str, object]
Image = tuple[str | None, str]
"""(MIME type when the wire names it, base64 data)."""


@dataclass(frozen=True)
class Kind:
    kind: str
    model: str
    path: str
    key_env: str | None
    make: Callable[[str, ProviderConfig], HTTPProvider]
    call: Callable[[str], Reply]
    """A reply asking for the named tool with no arguments."""
    text: Callable[[str], Reply]
    answered: Callable[[Body], bool]
    """The request carries a tool's answer."""
    images: Callable[[Body], list[Image]]
    tool_texts: Callable[[Body], list[str]]
    """The text of every tool answer in the request."""

    def config(self, url: str, vision: bool) -> ProviderConfig:
        fields: dict[str, object] = {"kind": self.kind, "base_url": url}
        fields["models"] = {self.model: ModelConfig(max_tokens=64, vision=vision)}
        if self.key_env:
            fields["api_key_env"] = self.key_env
        return ProviderConfig.model_validate(fields)

    def provider(
        self, url: str, vision: bool, monkeypatch: pytest.MonkeyPatch, name: str = "p1"
    ) -> HTTPProvider:
        if self.key_env:
            monkeypatch.setenv(self.key_env, "sk-test-0123456789abcdef")
        return self.make(name, self.config(url, vision))

    def reply(self, request: Recorded) -> Reply:
        """The scripted model: a tool call first, then text once the answer is in."""
        return self.text("seen") if self.answered(request.json()) else self.call(TOOL)


TOOL = "everything__get-tiny-image"


def _list(value: object) -> list[dict[str, object]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# ------------------------------------------------------------------ OpenAI-compatible


def _openai_call(name: str) -> Reply:
    piece = {"index": 0, "id": "c1", "type": "function"}
    piece["function"] = {"name": name, "arguments": "{}"}
    choice = {"index": 0, "delta": {"tool_calls": [piece]}, "finish_reason": "tool_calls"}
    return Reply(pieces=sse({"choices": [choice]}))


def _openai_text(text: str) -> Reply:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": "stop"}
    return Reply(pieces=sse({"choices": [choice]}))


def _openai_images(body: Body) -> list[Image]:
    out: list[Image] = []
    for m in _list(body.get("messages")):
        for part in _list(m.get("content")) if m.get("role") == "user" else []:
            url = part.get("image_url")
            if part.get("type") == "image_url" and isinstance(url, dict):
                head, _, data = str(url["url"]).partition(";base64,")
                out.append((head.removeprefix("data:"), data))
    return out


def _role_texts(role: str) -> Callable[[Body], list[str]]:
    def texts(body: Body) -> list[str]:
        return [str(m["content"]) for m in _list(body.get("messages")) if m.get("role") == role]

    return texts


OPENAI = Kind(
    "openai",
    "m1",
    "/chat/completions",
    None,
    lambda name, config: OpenAICompatProvider(name, config),
    _openai_call,
    _openai_text,
    lambda body: any(m.get("role") == "tool" for m in _list(body.get("messages"))),
    _openai_images,
    _role_texts("tool"),
)


# ------------------------------------------------------------------ Ollama


def _ollama_call(name: str) -> Reply:
    call = {"function": {"name": name, "arguments": {}}}
    message = {"role": "assistant", "content": "", "tool_calls": [call]}
    final = {"message": {"role": "assistant", "content": ""}, "done": True, "eval_count": 1}
    return Reply(
        pieces=ndjson({"message": message, "done": False}, final),
        content_type="application/x-ndjson",
    )


def _ollama_text(text: str) -> Reply:
    final = {"message": {"role": "assistant", "content": text}, "done": True, "eval_count": 1}
    return Reply(pieces=ndjson(final), content_type="application/x-ndjson")


def _ollama_images(body: Body) -> list[Image]:
    return [(None, str(d)) for m in _list(body.get("messages")) for d in m.get("images") or []]


OLLAMA = Kind(
    "ollama",
    "llava:7b",
    "/api/chat",
    None,
    lambda name, config: OllamaProvider(name, config),
    _ollama_call,
    _ollama_text,
    lambda body: any(m.get("role") == "tool" for m in _list(body.get("messages"))),
    _ollama_images,
    _role_texts("tool"),
)


# ------------------------------------------------------------------ Anthropic


def _anthropic_stream(
    block: dict[str, object], delta: dict[str, object] | None, stop: str
) -> Reply:
    message = {"id": "msg_1", "role": "assistant", "content": [], "usage": {"input_tokens": 3}}
    events: list[tuple[str, object]] = [
        ("message_start", {"type": "message_start", "message": message})
    ]
    events.append(
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": block})
    )
    if delta is not None:
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    usage = {"output_tokens": 1}
    events.append(
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": usage})
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return Reply(pieces=named_sse(*events))


def _anthropic_results(body: Body) -> list[dict[str, object]]:
    return [
        block
        for m in _list(body.get("messages"))
        if m.get("role") == "user"
        for block in _list(m.get("content"))
        if block.get("type") == "tool_result"
    ]


def _anthropic_images(body: Body) -> list[Image]:
    out: list[Image] = []
    for result in _anthropic_results(body):
        for block in _list(result.get("content")):
            source = block.get("source")
            if block.get("type") == "image" and isinstance(source, dict):
                assert source["type"] == "base64"
                out.append((str(source["media_type"]), str(source["data"])))
    return out


def _anthropic_texts(body: Body) -> list[str]:
    texts: list[str] = []
    for result in _anthropic_results(body):
        content = result.get("content")
        if isinstance(content, str):
            texts.append(content)
        texts += [str(b["text"]) for b in _list(content) if b.get("type") == "text"]
    return texts


ANTHROPIC = Kind(
    "anthropic",
    "claude-haiku-4-5",
    "/v1/messages",
    "ANTHROPIC_API_KEY",
    lambda name, config: AnthropicProvider(name, config),
    lambda name: _anthropic_stream(
        {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}, None, "tool_use"
    ),
    lambda text: _anthropic_stream(
        {"type": "text", "text": ""}, {"type": "text_delta", "text": text}, "end_turn"
    ),
    lambda body: bool(_anthropic_results(body)),
    _anthropic_images,
    _anthropic_texts,
)


# ------------------------------------------------------------------ Gemini

GEMINI_MODEL = "gemini-2.5-flash"


def _gemini_reply(part: dict[str, object]) -> Reply:
    candidate = {"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}
    usage = {"promptTokenCount": 3, "candidatesTokenCount": 1}
    return Reply(pieces=sse({"candidates": [candidate], "usageMetadata": usage}, done=False))


def _gemini_parts(body: Body) -> list[dict[str, object]]:
    return [p for c in _list(body.get("contents")) for p in _list(c.get("parts"))]


def _gemini_images(body: Body) -> list[Image]:
    found = [p["inlineData"] for p in _gemini_parts(body) if isinstance(p.get("inlineData"), dict)]
    return [(str(d["mimeType"]), str(d["data"])) for d in found if isinstance(d, dict)]


def _gemini_texts(body: Body) -> list[str]:
    answers = [p["functionResponse"] for p in _gemini_parts(body) if "functionResponse" in p]
    return [json.dumps(a) for a in answers]


GEMINI = Kind(
    "gemini",
    GEMINI_MODEL,
    f"/v1beta/models/{GEMINI_MODEL}:streamGenerateContent",
    "GEMINI_API_KEY",
    lambda name, config: GeminiProvider(name, config),
    lambda name: _gemini_reply({"functionCall": {"name": name, "args": {}}}),
    lambda text: _gemini_reply({"text": text}),
    lambda body: any("functionResponse" in p for p in _gemini_parts(body)),
    _gemini_images,
    _gemini_texts,
)

KINDS = {k.kind: k for k in (OPENAI, OLLAMA, ANTHROPIC, GEMINI)}
