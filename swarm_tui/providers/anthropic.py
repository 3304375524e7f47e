"""Anthropic's Messages API, streamed over SSE with named events.

``message_start`` carries the input usage, ``content_block_*`` events carry text, thinking
and tool use (``input_json_delta`` pieces joined and parsed at ``content_block_stop``),
``message_delta`` carries the stop reason and *cumulative* usage, ``message_stop`` ends it.
Usage is yielded as soon as it is known (and again at the end), so a stream cut after
``message_start`` still records the input it was billed for. ``ping`` may come anywhere;
``event: error`` may arrive inside an HTTP 200 (overloaded, rate limited). Anthropic counts
``input_tokens`` *without* cache reads and writes; they are added back here so
:class:`Usage` means the same for every backend (see pricing).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from swarm_tui.providers import base
from swarm_tui.providers.errors import stream_error
from swarm_tui.providers.health import ModelsListing
from swarm_tui.providers.http_base import Chunks, HTTPCall, HTTPProvider
from swarm_tui.providers.toolcalls import ToolCallAccumulator
from swarm_tui.providers.wire import anthropic_messages

__all__ = ["API_VERSION", "AnthropicProvider", "anthropic_usage"]

API_VERSION = "2023-06-01"
_OUTPUT_TOOL = "Give your whole answer as this tool's input, following its schema exactly."


def _n(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def anthropic_usage(raw: dict[str, object]) -> base.Usage:
    """Anthropic usage (input excludes cache reads/writes) in the common meaning."""
    read = _n(raw.get("cache_read_input_tokens"))
    write = _n(raw.get("cache_creation_input_tokens"))
    return base.Usage(
        input_tokens=_n(raw.get("input_tokens")) + read + write,
        output_tokens=_n(raw.get("output_tokens")),
        cached_tokens=read,
        cache_write_tokens=write,
        source="reported",
    )


class AnthropicProvider(HTTPProvider):
    """Streams Claude replies from ``POST {base}/v1/messages``."""

    def _headers(self, key: str) -> dict[str, str]:
        return {
            "x-api-key": key,
            "anthropic-version": API_VERSION,
            "content-type": "application/json",
            "accept": "text/event-stream",
        }

    def _listing(self) -> ModelsListing:
        headers = self._headers(self._api_key or "")
        headers["accept"] = "application/json"
        return ModelsListing(f"{self.base_url}/v1/models", headers, _ids, {"limit": "1000"})

    def _lists(self, model: str, ids: set[str]) -> bool:
        """Aliases (``claude-haiku-4-5``) are not listed, their dated ids are."""
        return model in ids or any(i.startswith(f"{model}-") for i in ids)

    def _body(self, request: base.StreamRequest) -> dict[str, object]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        messages = anthropic_messages(request.messages, self._vision(request.model))
        body: dict[str, object] = {**request.options}
        body.update(
            model=request.model, max_tokens=request.max_tokens, messages=messages, stream=True
        )
        if system:
            body["system"] = system
        if request.temperature is not None:
            body["temperature"] = request.temperature
        tools = list(request.tools)
        choice = request.tool_choice
        if request.output is not None:  # structured output: one tool the model must call
            tools.append(base.ToolSpec(request.output.name, _OUTPUT_TOOL, request.output.schema))
            choice = request.output.name
        if tools:
            body["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in tools
            ]
            if choice in (None, "auto"):
                body["tool_choice"] = {"type": "auto"}
            elif choice == "required":
                body["tool_choice"] = {"type": "any"}
            elif choice == "none":
                body["tool_choice"] = {"type": "none"}
            else:
                body["tool_choice"] = {"type": "tool", "name": choice}
        return body

    async def stream(self, request: base.StreamRequest) -> AsyncIterator[base.StreamEvent]:
        """Structured output comes back as the forced tool's input: given as the text."""
        output = request.output
        async for event in super().stream(request):
            if output and isinstance(event, base.ToolCall) and event.name == output.name:
                yield base.TextDelta(json.dumps(event.arguments, ensure_ascii=False))
            else:
                yield event

    def _call(self, request: base.StreamRequest) -> HTTPCall:
        url = f"{self.base_url}/v1/messages"
        return HTTPCall(url, self._body(request), self._headers(self._api_key or ""))

    def _failure(self, chunk: dict[str, object], event: str) -> base.ProviderError | None:
        kind = event if event != "message" else str(chunk.get("type", ""))
        if kind == "error" or ("error" in chunk and kind != "message_delta"):
            return stream_error(self.name, chunk.get("error", chunk), self._redact)
        return None

    async def _read(self, chunks: Chunks) -> AsyncIterator[base.StreamEvent]:
        usage: dict[str, object] = {}
        stop: str | None = None
        calls = ToolCallAccumulator("toolu")
        async for name, data in chunks:
            kind = name if name != "message" else str(data.get("type", ""))
            if kind == "message_start":
                message = data.get("message")
                raw = message.get("usage") if isinstance(message, dict) else None
                usage.update(raw if isinstance(raw, dict) else {})
                if usage:  # billed from here on: kept if the stream is cut
                    yield anthropic_usage(usage)
            elif kind == "content_block_start":
                block = data.get("content_block")
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    index = _n(data.get("index"))
                    calls.add(index, id=block.get("id"), name=block.get("name"))
                    initial = block.get("input")
                    if isinstance(initial, dict) and initial:
                        calls.add(index, arguments=json.dumps(initial))
            elif kind == "content_block_delta":
                event = self._delta(data, calls)
                if event is not None:
                    yield event
            elif kind == "content_block_stop":
                call = calls.pop(_n(data.get("index")))
                if call is not None:
                    yield call
            elif kind == "message_delta":
                delta = data.get("delta")
                if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
                    stop = str(delta["stop_reason"])
                raw = data.get("usage")
                if isinstance(raw, dict) and raw:
                    usage.update(raw)  # cumulative: last wins
                    yield anthropic_usage(usage)
            elif kind == "message_stop":
                for call in calls.drain():
                    yield call
                yield anthropic_usage(usage) if usage else base.Usage(None, None, source="unknown")
                yield base.Done(stop or "end_turn")
                return
        raise self._cut("before message_stop")

    @staticmethod
    def _delta(
        data: dict[str, object], calls: ToolCallAccumulator
    ) -> base.TextDelta | base.ReasoningDelta | None:
        delta = data.get("delta")
        if not isinstance(delta, dict):
            return None
        kind = delta.get("type")
        if kind == "text_delta" and isinstance(delta.get("text"), str) and delta["text"]:
            return base.TextDelta(str(delta["text"]))
        if kind == "thinking_delta" and isinstance(delta.get("thinking"), str):
            return base.ReasoningDelta(str(delta["thinking"])) if delta["thinking"] else None
        if kind == "input_json_delta":
            calls.add(_n(data.get("index")), arguments=delta.get("partial_json"))
        return None


def _ids(page: dict[str, object]) -> tuple[list[str], bool]:
    """``GET /v1/models``: ``{"data": [{"id", "type": "model"...}], "has_more"}``."""
    data = page.get("data")
    items = data if isinstance(data, list) else []
    ids = [str(m["id"]) for m in items if isinstance(m, dict) and isinstance(m.get("id"), str)]
    return ids, page.get("has_more") is not True
