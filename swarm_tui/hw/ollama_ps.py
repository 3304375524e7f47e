"""What Ollama holds in memory (``/api/ps``), what it has pulled (``/api/tags``), its version,
and the two actions the pane offers: unload a model and preload one.

``size`` is the bytes a loaded model takes (RAM + VRAM) and ``size_vram`` the part in VRAM;
their ratio is ``ollama ps``'s "x% GPU". A model below 100% is spilled to the CPU.
Unload is ``POST /api/generate {"model", "keep_alive": 0}``; preload is the same request
without a prompt (``{"model"}``), as the Ollama API documents.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from swarm_tui.hw.model import OllamaModel, OllamaStatus
from swarm_tui.hw.sources import Reading

__all__ = ["DEFAULT_OLLAMA_URL", "OllamaError", "OllamaPs", "parse_expires_at", "parse_ps"]

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


class OllamaError(Exception):
    """An action Ollama refused or could not be reached for (the message says which)."""


def parse_expires_at(value: object) -> float | None:
    """RFC 3339 (Go writes nanoseconds; Python keeps microseconds) to Unix time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.year <= 1:  # Go's zero time: no expiry known
        return None
    return moment.timestamp()


def parse_ps(data: object) -> tuple[OllamaModel, ...]:
    """The ``models`` of a ``/api/ps`` reply; malformed entries are skipped."""
    entries = data.get("models") if isinstance(data, dict) else None
    models: list[OllamaModel] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name") or entry.get("model")
        size, vram = entry.get("size"), entry.get("size_vram", 0)
        if not isinstance(name, str) or not isinstance(size, int) or not isinstance(vram, int):
            continue
        if not (_is_int(size) and _is_int(vram)):
            continue
        raw_details = entry.get("details")
        details: dict[str, Any] = raw_details if isinstance(raw_details, dict) else {}
        ctx = entry.get("context_length")
        models.append(
            OllamaModel(
                name=name,
                size_bytes=size,
                size_vram_bytes=vram,
                context_length=ctx if isinstance(ctx, int) and _is_int(ctx) else None,
                expires_at=parse_expires_at(entry.get("expires_at")),
                parameter_size=str(details.get("parameter_size", "")),
                quantization=str(details.get("quantization_level", "")),
            )
        )
    return tuple(models)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class OllamaPs:
    """A source (``await ps.read()``) and the unload/preload actions, on one shared client."""

    name = "ollama"

    def __init__(
        self,
        base_url: str = DEFAULT_OLLAMA_URL,
        *,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 3.0,
        load_timeout_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._own = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout_s, trust_env=False)
        self.load_timeout_s = load_timeout_s
        self.clock = clock

    async def aclose(self) -> None:
        if self._own:
            await self._client.aclose()

    async def read(self) -> Reading:
        return Reading(ollama=await self.status())

    async def status(self) -> OllamaStatus:
        try:
            version, ps, tags = await asyncio.gather(
                self._get("/api/version"), self._get("/api/ps"), self._get("/api/tags")
            )
        except OllamaError as exc:
            return OllamaStatus(False, self.base_url, str(exc))
        names = []
        tag_list = tags.get("models") if isinstance(tags, dict) else None
        for entry in tag_list if isinstance(tag_list, list) else []:
            name = entry.get("name") or entry.get("model") if isinstance(entry, dict) else None
            if isinstance(name, str):
                names.append(name)
        return OllamaStatus(
            reachable=True,
            base_url=self.base_url,
            version=str(version.get("version", "")) if isinstance(version, dict) else "",
            models=parse_ps(ps),
            available=tuple(sorted(names)),
        )

    async def unload(self, model: str) -> None:
        """Ask Ollama to drop ``model`` from memory now."""
        await self._generate({"model": model, "keep_alive": 0}, "unload")

    async def preload(self, model: str) -> None:
        """Ask Ollama to load ``model`` (no prompt: it loads and answers when ready)."""
        await self._generate({"model": model}, "preload")

    # ------------------------------------------------------------------ internals
    async def _get(self, path: str) -> Any:
        url = self.base_url + path
        try:
            reply = await self._client.get(url)
        except httpx.HTTPError as exc:
            raise OllamaError(f"Ollama at {self.base_url} unreachable: {_why(exc)}") from None
        if reply.status_code != 200:
            raise OllamaError(f"Ollama {path}: HTTP {reply.status_code} {_error_text(reply.text)}")
        try:
            return reply.json()
        except ValueError:
            raise OllamaError(f"Ollama {path}: the reply is not JSON") from None

    async def _generate(self, body: dict[str, Any], what: str) -> None:
        name = body["model"]
        try:
            reply = await self._client.post(
                self.base_url + "/api/generate", json=body, timeout=self.load_timeout_s
            )
        except httpx.HTTPError as exc:
            raise OllamaError(f"{what} {name}: Ollama unreachable: {_why(exc)}") from None
        error = _error_text(reply.text)
        if reply.status_code != 200:
            raise OllamaError(f"{what} {name}: HTTP {reply.status_code} {error}".rstrip())
        if error:
            raise OllamaError(f"{what} {name}: {error}")


def _why(exc: httpx.HTTPError) -> str:
    return str(exc) or type(exc).__name__


def _error_text(text: str) -> str:
    """The ``error`` of any NDJSON line in ``text`` (Ollama keeps HTTP 200 for some)."""
    for line in text.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("error"), str):
            return str(obj["error"])
    return ""
