"""Ollama's native ``/api/chat``, streamed as NDJSON.

Mid-stream errors arrive as ``{"error": "..."}`` lines under HTTP 200, so every line is
checked for ``error`` first. Counts on the final ``done`` line are Go ``omitempty``: an
absent count means 0. Durations are nanoseconds.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import AsyncIterator

import httpx

from swarm_tui.config import ProviderConfig
from swarm_tui.providers import base
from swarm_tui.providers.health import Health
from swarm_tui.providers.http_base import Chunks, HTTPCall, HTTPProvider
from swarm_tui.providers.openai_compat import openai_tools
from swarm_tui.providers.wire import ollama_messages

__all__ = ["OllamaProvider", "parse_ollama_host"]

DEFAULT_PORT = 11434
_TOP_LEVEL = frozenset({"keep_alive", "think", "format"})
_NS = 1e9


def parse_ollama_host(value: str | None) -> str:
    """``OLLAMA_HOST`` as the Ollama client reads it: scheme and port optional.

    ``"gpu:11434"`` -> ``http://gpu:11434``; ``"0.0.0.0"`` -> ``http://127.0.0.1:11434``;
    ``"https://x"`` -> ``https://x:443``; a path (behind a proxy) is kept.
    """
    value = (value or "").strip()
    scheme, sep, rest = value.partition("://")
    port = DEFAULT_PORT
    if not sep:
        scheme, rest = "http", value
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    split = urllib.parse.urlsplit(f"{scheme}://{rest}")
    host = split.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    with contextlib.suppress(ValueError):
        port = split.port or port
    if ":" in host:
        host = f"[{host}]"
    path = split.path.strip("/")
    return f"{scheme}://{host}:{port}" + (f"/{path}" if path else "")


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _stats(final: dict[str, object]) -> dict[str, float]:
    stats: dict[str, float] = {}
    evals, eval_ns = _count(final.get("eval_count")), _count(final.get("eval_duration"))
    prompt, prompt_ns = (
        _count(final.get("prompt_eval_count")),
        _count(final.get("prompt_eval_duration")),
    )
    if evals and eval_ns:
        stats["output_tokens_per_s"] = evals / eval_ns * _NS
    if prompt and prompt_ns:
        stats["input_tokens_per_s"] = prompt / prompt_ns * _NS
    for key in ("total_duration", "load_duration"):
        if key in final:
            stats[key.replace("duration", "s")] = _count(final[key]) / _NS
    return stats


class OllamaProvider(HTTPProvider):
    """Streams chats from one Ollama server."""

    framing = "ndjson"

    def __init__(
        self, name: str, config: ProviderConfig, client: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(name, config, client)
        address = config.base_url or os.environ.get("OLLAMA_HOST")
        self.base_url = parse_ollama_host(address).rstrip("/")
        key = self._api_key
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _body(self, request: base.StreamRequest) -> dict[str, object]:
        options: dict[str, object] = {"num_predict": request.max_tokens}
        model = self.config.models.get(request.model)
        if model is not None and model.context is not None:
            options["num_ctx"] = model.context
        if request.temperature is not None:
            options["temperature"] = request.temperature
        body: dict[str, object] = {
            "model": request.model,
            "messages": ollama_messages(request.messages, self._vision(request.model)),
            "stream": True,
        }
        for key, value in request.options.items():
            if key in _TOP_LEVEL:
                body[key] = value
            elif key == "max_tokens":
                options["num_predict"] = value
            else:
                options[key] = value
        body["options"] = options
        body.update(openai_tools(request.tools, None))
        if request.output is not None:
            body["format"] = request.output.schema  # structured output: a JSON Schema
        return body

    def _missing_key(self) -> str | None:
        return None  # a key is optional (a server behind an authenticating proxy)

    def _call(self, request: base.StreamRequest) -> HTTPCall:
        return HTTPCall(f"{self.base_url}/api/chat", self._body(request), self._headers)

    async def _read(self, chunks: Chunks) -> AsyncIterator[base.StreamEvent]:
        calls = 0
        async for _, chunk in chunks:
            message = chunk.get("message")
            if isinstance(message, dict):
                thinking = message.get("thinking")
                if isinstance(thinking, str) and thinking:
                    yield base.ReasoningDelta(thinking)
                content = message.get("content")
                if isinstance(content, str) and content:
                    yield base.TextDelta(content)
                for call in _tool_calls(message.get("tool_calls"), calls):
                    calls += 1
                    yield call
            if chunk.get("done") is True:
                yield base.Usage(
                    input_tokens=_count(chunk.get("prompt_eval_count")),
                    output_tokens=_count(chunk.get("eval_count")),
                    source="reported",
                )
                reason = chunk.get("done_reason")
                yield base.Done(
                    reason if isinstance(reason, str) and reason else "stop", _stats(chunk)
                )
                return
        raise self._cut("before the final done line")

    async def _get(self, path: str, json: dict[str, object] | None = None) -> dict[str, object]:
        method = "GET" if json is None else "POST"
        return await self._request_json(method, f"{self.base_url}{path}", self._headers, json)

    async def version(self) -> str:
        """The server's version (``GET /api/version``): the liveness probe."""
        return str((await self._get("/api/version")).get("version", "?"))

    async def list_models(self) -> list[str]:
        """Installed model names (``GET /api/tags``)."""
        models = (await self._get("/api/tags")).get("models")
        items = models if isinstance(models, list) else []
        return [str(m.get("name") or m.get("model")) for m in items if isinstance(m, dict)]

    async def show(self, model: str) -> list[str]:
        """A model's capabilities (``POST /api/show``): completion, tools, thinking, vision..."""
        caps = (await self._get("/api/show", {"model": model})).get("capabilities")
        return [str(c) for c in caps] if isinstance(caps, list) else []

    async def health(self) -> Health:
        """``GET /api/version`` (is it Ollama, which version) and ``GET /api/tags`` (are the
        configured models pulled)."""
        url = f"{self.base_url}/api/version"
        try:
            version = await self.version()
            installed = await self.list_models()
        except base.ProviderError as exc:
            reason = str(exc).removeprefix(f"{self.name}: ")
            return Health((f"Ollama at {self.base_url} is not usable: {reason}",))
        have = {_full_name(n) for n in installed}
        problems = tuple(
            f"model {m!r} is not installed (run `ollama pull {m}`)"
            for m in self.config.models
            if _full_name(m) not in have
        )
        summary = f"GET {url}: HTTP 200 (Ollama {version}), {len(installed)} models installed"
        return Health(problems, summary)


def _tool_calls(raw: object, seen: int) -> list[base.ToolCall]:
    """Ollama sends whole calls; ``arguments`` is an object (a string from some proxies)."""
    out: list[base.ToolCall] = []
    for item in raw if isinstance(raw, list) else []:
        function = item.get("function") if isinstance(item, dict) else None
        if not isinstance(function, dict):
            continue
        args = function.get("arguments")
        problem: str | None = None
        if isinstance(args, str):
            args, problem = base.parse_arguments(args)
        elif not isinstance(args, dict):
            args, problem = {}, f"arguments must be an object, got {type(args).__name__}"
        call_id = item.get("id") if isinstance(item.get("id"), str) else None
        name = function.get("name")
        out.append(
            base.ToolCall(
                call_id or f"ollama_call_{seen + len(out)}",
                name if isinstance(name, str) and name else "?",
                args,
                problem,
            )
        )
    return out


def _full_name(model: str) -> str:
    """``llama3`` and ``llama3:latest`` name the same model."""
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"
