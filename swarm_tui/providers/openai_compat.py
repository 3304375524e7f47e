"""Any OpenAI-compatible ``/chat/completions`` endpoint, streamed over SSE.

vLLM, llama.cpp, LM Studio, Ollama's ``/v1``, OpenRouter, Groq, DashScope, Gemini's
compatibility layer... Messages go out as plain strings (content-part arrays crash
text-only chat templates); usage is taken from whichever chunk carries it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from swarm_tui.config import ModelConfig
from swarm_tui.providers import base
from swarm_tui.providers.errors import stream_error
from swarm_tui.providers.health import ModelsListing
from swarm_tui.providers.http_base import Chunks, HTTPCall, HTTPProvider, make_client
from swarm_tui.providers.toolcalls import ToolCallAccumulator
from swarm_tui.providers.wire import openai_messages

__all__ = [
    "OpenAICompatProvider",
    "make_client",
    "openai_response_format",
    "openai_tools",
    "parse_usage",
    "token_limit_field",
]

_CORE_FIELDS = frozenset(
    {"model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens"}
)
_REASONING = re.compile(r"(o[1-9][0-9]*|gpt-5)([.-][a-z0-9.-]*)?", re.IGNORECASE)
"""OpenAI's reasoning models (o1, o3-mini, o4-mini-2025-04-16, gpt-5, gpt-5.1, gpt-5-nano...):
they reject ``max_tokens`` and read ``max_completion_tokens``."""


def token_limit_field(model: str, config: ModelConfig | None = None) -> str:
    """The request field that limits a reply's tokens for ``model``: the configured one, else
    ``max_completion_tokens`` for OpenAI's reasoning models (a bare name: an
    ``openai/o3`` routed by OpenRouter takes ``max_tokens``), else ``max_tokens``."""
    if config is not None and config.token_limit_field is not None:
        return config.token_limit_field
    return "max_completion_tokens" if _REASONING.fullmatch(model) else "max_tokens"


def openai_tools(tools: tuple[base.ToolSpec, ...], choice: str | None) -> dict[str, object]:
    """``tools`` and ``tool_choice`` in OpenAI's shape (also Ollama's, minus the choice)."""
    if not tools:
        return {}
    out: dict[str, object] = {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters,
                },
            }
            for t in tools
        ]
    }
    if choice in ("auto", "none", "required"):
        out["tool_choice"] = choice
    elif choice:
        out["tool_choice"] = {"type": "function", "function": {"name": choice}}
    return out


def openai_response_format(output: base.OutputSchema) -> dict[str, object]:
    """OpenAI's structured output: ``{"type": "json_schema", "json_schema": {...}}``."""
    return {
        "type": "json_schema",
        "json_schema": {"name": output.name, "schema": output.schema, "strict": False},
    }


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_usage(usage: dict[str, object]) -> base.Usage:
    """OpenAI ``usage`` (plus OpenRouter's ``cost``) as a :class:`Usage`."""
    details = usage.get("prompt_tokens_details")
    cached = _int(details.get("cached_tokens")) if isinstance(details, dict) else None
    cost = usage.get("cost")
    if not isinstance(cost, int | float) or isinstance(cost, bool):
        cost = None
    return base.Usage(
        input_tokens=_int(usage.get("prompt_tokens")),
        output_tokens=_int(usage.get("completion_tokens")),
        cached_tokens=cached,
        cost_usd=None if cost is None else float(cost),
        source="reported",
    )


class OpenAICompatProvider(HTTPProvider):
    """Streams chat completions from one OpenAI-compatible base URL."""

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _missing_key(self) -> str | None:
        if self._key_env and not self._api_key:
            return (
                f"{self.name}: no API key: environment variable {self._key_env} is not set"
                " (named by api_key_env)"
            )
        return None

    def _body(self, request: base.StreamRequest) -> dict[str, object]:
        body: dict[str, object] = {
            key: value for key, value in request.options.items() if key not in _CORE_FIELDS
        }
        body.update(
            model=request.model,
            messages=openai_messages(request.messages, self._vision(request.model)),
            stream=True,
            stream_options={"include_usage": True},
        )
        limit = token_limit_field(request.model, self.config.models.get(request.model))
        body[limit] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        body.update(openai_tools(request.tools, request.tool_choice))
        if request.output is not None:
            body["response_format"] = openai_response_format(request.output)
        return body

    def _call(self, request: base.StreamRequest) -> HTTPCall:
        return HTTPCall(f"{self.base_url}/chat/completions", self._body(request), self._headers())

    def _failure(self, chunk: dict[str, object], event: str) -> base.ProviderError | None:
        error = chunk.get("error")
        return stream_error(self.name, error, self._redact) if error else None

    async def _read(self, chunks: Chunks) -> AsyncIterator[base.StreamEvent]:
        usage: base.Usage | None = None
        finish: str | None = None
        calls = ToolCallAccumulator()
        async for _, chunk in chunks:
            choices = chunk.get("choices")
            for choice in choices if isinstance(choices, list) else []:
                if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    reasoning = delta.get("reasoning_content") or delta.get("reasoning")
                    if isinstance(reasoning, str) and reasoning:
                        yield base.ReasoningDelta(reasoning)
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        yield base.TextDelta(content)
                    _add_tool_deltas(calls, delta.get("tool_calls"))
                reason = choice.get("finish_reason")
                if isinstance(reason, str) and reason:
                    finish = reason
            raw_usage = chunk.get("usage")
            if isinstance(raw_usage, dict):
                usage = parse_usage(raw_usage)
                if choices and finish is None:  # reported as it goes (vLLM): kept if cut
                    yield usage
        if finish is None and not chunks.terminated:
            raise self._cut("with no finish_reason and no [DONE]")
        for call in calls.drain():
            yield call
        yield usage or base.Usage(None, None, source="unknown")
        yield base.Done(finish or "unknown")

    async def list_models(self) -> list[str]:
        """Model ids from ``GET {base}/models``; raises ProviderError on failure."""
        page = await self._request_json("GET", f"{self.base_url}/models", self._headers())
        return _ids(page)[0]

    def _listing(self) -> ModelsListing:
        headers = {**self._headers(), "Accept": "application/json"}
        return ModelsListing(f"{self.base_url}/models", headers, _ids)


def _ids(page: dict[str, object]) -> tuple[list[str], bool]:
    """``GET /models``: ``{"object": "list", "data": [{"id"...}]}`` (one page)."""
    data = page.get("data")
    items = data if isinstance(data, list) else []
    return [str(m["id"]) for m in items if isinstance(m, dict) and "id" in m], True


def _add_tool_deltas(calls: ToolCallAccumulator, deltas: object) -> None:
    """Tool-call pieces: keep the first id and name per index, concatenate arguments."""
    for i, piece in enumerate(deltas if isinstance(deltas, list) else []):
        if not isinstance(piece, dict):
            continue
        index = piece.get("index", i)
        function = piece.get("function")
        function = function if isinstance(function, dict) else {}
        calls.add(
            index if isinstance(index, int) else i,
            id=piece.get("id"),
            name=function.get("name"),
            arguments=function.get("arguments"),
        )
