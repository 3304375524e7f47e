"""Google Gemini through its native ``streamGenerateContent?alt=sse`` endpoint.

Why native rather than the OpenAI-compatible layer (``/v1beta/openai/``): every native
chunk carries ``usageMetadata`` with the prompt, candidate, cached-content and thinking
token counts, so usage never depends on ``include_usage`` (unverified on the compat layer);
tool calls arrive as whole ``functionCall`` objects with parsed ``args``; thoughts are marked
(``thought: true``); and it is the same response shape the Gemini CLI records and replays,
so both share test fixtures. The compat layer is still usable as an ``openai`` provider.

The stream has no terminator: a reply is complete when a candidate sent ``finishReason``.
Errors come as ``{"error": {"code", "message", "status"}}`` bodies, also inside a 200.
``promptTokenCount`` includes cached tokens (the common meaning of :class:`Usage`); thinking
tokens are billed as output and counted there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from swarm_tui.providers import base
from swarm_tui.providers.gemini_schema import gemini_declaration, gemini_schema
from swarm_tui.providers.health import ModelsListing
from swarm_tui.providers.http_base import Chunks, HTTPCall, HTTPProvider
from swarm_tui.providers.wire import gemini_contents

__all__ = ["GeminiProvider", "gemini_usage"]


def _n(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def gemini_usage(meta: dict[str, object]) -> base.Usage:
    """``usageMetadata`` as the common :class:`Usage`."""
    return base.Usage(
        input_tokens=_n(meta.get("promptTokenCount")),
        output_tokens=_n(meta.get("candidatesTokenCount")) + _n(meta.get("thoughtsTokenCount")),
        cached_tokens=_n(meta.get("cachedContentTokenCount")),
        source="reported",
    )


class GeminiProvider(HTTPProvider):
    """Streams replies from ``{base}/v1beta/models/{model}:streamGenerateContent``."""

    def _listing(self) -> ModelsListing:
        headers = {"x-goog-api-key": self._api_key or "", "accept": "application/json"}
        url = f"{self.base_url}/v1beta/models"
        return ModelsListing(url, headers, _ids, {"pageSize": "1000"})

    def _body(self, request: base.StreamRequest) -> dict[str, object]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        contents = gemini_contents(request.messages, self._vision(request.model))
        config: dict[str, object] = {"maxOutputTokens": request.max_tokens}
        if request.temperature is not None:
            config["temperature"] = request.temperature
        if request.output is not None:  # structured output, in Gemini's schema subset
            config["responseMimeType"] = "application/json"
            config["responseSchema"] = gemini_schema(request.output.schema)
        body: dict[str, object] = {**request.options, "contents": contents}
        body["generationConfig"] = config
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        if request.tools:
            declarations = [gemini_declaration(t) for t in request.tools]
            body["tools"] = [{"functionDeclarations": declarations}]
            choice = request.tool_choice
            mode = {None: "AUTO", "auto": "AUTO", "none": "NONE", "required": "ANY"}
            calling: dict[str, object] = {"mode": mode.get(choice, "ANY")}
            if choice not in mode:
                calling["allowedFunctionNames"] = [choice]
            body["toolConfig"] = {"functionCallingConfig": calling}
        return body

    def _call(self, request: base.StreamRequest) -> HTTPCall:
        url = f"{self.base_url}/v1beta/models/{request.model}:streamGenerateContent"
        headers = {"x-goog-api-key": self._api_key or "", "accept": "text/event-stream"}
        return HTTPCall(url, self._body(request), headers, {"alt": "sse"})

    async def _read(self, chunks: Chunks) -> AsyncIterator[base.StreamEvent]:
        usage: base.Usage | None = None
        finish: str | None = None
        calls = 0
        async for _, chunk in chunks:
            meta = chunk.get("usageMetadata")
            feedback = chunk.get("promptFeedback")
            if isinstance(feedback, dict) and feedback.get("blockReason"):
                raise base.ProviderError(
                    f"{self.name}: the prompt was blocked ({feedback['blockReason']})",
                    retryable=False,
                    kind="bad_request",
                )
            candidates = chunk.get("candidates")
            first = candidates[0] if isinstance(candidates, list) and candidates else None
            if not isinstance(first, dict):
                if isinstance(meta, dict):
                    usage = gemini_usage(meta)
                    yield usage
                continue
            content = first.get("content")
            parts = content.get("parts") if isinstance(content, dict) else None
            for part in parts if isinstance(parts, list) else []:
                if not isinstance(part, dict):
                    continue
                text = part.get("text")
                if isinstance(text, str) and text:
                    yield base.ReasoningDelta(text) if part.get("thought") else base.TextDelta(text)
                call = part.get("functionCall")
                if isinstance(call, dict):
                    yield _tool_call(call, calls)
                    calls += 1
            if isinstance(meta, dict):  # cumulative, after this chunk's text: kept if cut
                usage = gemini_usage(meta)
                yield usage
            reason = first.get("finishReason")
            if isinstance(reason, str) and reason:
                finish = reason.lower()
        if finish is None:
            raise self._cut("before any finishReason")
        yield usage or base.Usage(None, None, source="unknown")
        yield base.Done(finish)


def _tool_call(call: dict[str, object], seen: int) -> base.ToolCall:
    args = call.get("args")
    name = call.get("name")
    call_id = call.get("id")
    return base.ToolCall(
        call_id if isinstance(call_id, str) and call_id else f"gemini_call_{seen}",
        name if isinstance(name, str) and name else "?",
        args if isinstance(args, dict) else {},
        None if isinstance(args, dict | None) else "args must be an object",
    )


def _ids(page: dict[str, object]) -> tuple[list[str], bool]:
    """``GET /v1beta/models``: ``{"models": [{"name": "models/gemini-2.5-flash"...}],
    "nextPageToken"}``; ids without the ``models/`` prefix."""
    models = page.get("models")
    items = models if isinstance(models, list) else []
    names = [m.get("name") for m in items if isinstance(m, dict)]
    ids = [n.removeprefix("models/") for n in names if isinstance(n, str)]
    return ids, not page.get("nextPageToken")
