"""What every HTTP provider shares: the key from its env var, one client, redaction, and the
one streaming skeleton.

``HTTPProvider.stream`` does for every kind: refuse at once when the key is missing, send the
request, turn a non-200 answer into a classified :class:`ProviderError` (``Retry-After`` and
Google's ``RetryInfo`` read), split the body into JSON objects (SSE events or NDJSON lines),
raise the backend's mid-stream ``error`` object, and turn transport trouble (timeouts,
refused or dropped connections) into retryable errors, always redacted. Leaving the loop
(a cancel, a consumer that stops) closes the response. A kind fills in the hooks: where and
what to send (:meth:`~HTTPProvider._call`), how its stream is framed (``framing``), which
object is an error (:meth:`~HTTPProvider._failure`), and how its objects read
(:meth:`~HTTPProvider._read`).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import httpx

from swarm_tui.config import ProviderConfig
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ProviderError, StreamEvent, StreamRequest
from swarm_tui.providers.errors import decode_object, status_error, stream_error, transport_error
from swarm_tui.providers.health import Health, ModelsListing, fetch_listing
from swarm_tui.providers.sse import aiter_sse

__all__ = ["Chunks", "HTTPCall", "HTTPProvider", "make_client"]

_SSE_END = "[DONE]"
"""The data of the SSE event that ends an OpenAI-style stream (not JSON)."""


def make_client(config: ProviderConfig) -> httpx.AsyncClient:
    """The one shared client of a provider, with the configured timeouts."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.connect_timeout,
        pool=None,
    )
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False)


@dataclass(frozen=True, slots=True)
class HTTPCall:
    """One streaming request: where, what, with which headers."""

    url: str
    body: dict[str, object]
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] | None = None


class Chunks:
    """The JSON objects of one streamed reply, each with its SSE event name (``message``
    when unnamed, ``""`` for NDJSON). A backend's ``error`` object is raised, not yielded.
    ``terminated`` turns True when an SSE ``[DONE]`` ended the stream."""

    def __init__(self, provider: HTTPProvider, response: httpx.Response) -> None:
        self._provider = provider
        self._response = response
        self.terminated = False

    async def __aiter__(self) -> AsyncIterator[tuple[str, dict[str, object]]]:
        provider = self._provider
        async for event, text in self._frames():
            chunk = decode_object(provider.name, text, provider._redact)
            failure = provider._failure(chunk, event)
            if failure is not None:
                raise failure
            yield event, chunk

    async def _frames(self) -> AsyncIterator[tuple[str, str]]:
        lines = self._response.aiter_lines()
        if self._provider.framing == "ndjson":
            async for line in lines:
                if line.strip():
                    yield "", line
            return
        async for sse in aiter_sse(lines):
            if sse.data.strip() == _SSE_END:
                self.terminated = True
                return
            yield sse.event, sse.data


class HTTPProvider(ABC):
    """Base of every HTTP provider: key lookup, client lifecycle, missing-key checks, and the
    streaming skeleton with its per-kind hooks."""

    framing: ClassVar[Literal["sse", "ndjson"]] = "sse"

    def __init__(
        self,
        name: str,
        config: ProviderConfig,
        client: httpx.AsyncClient | None = None,
        api_key: str | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.base_url = (config.base_url or "").rstrip("/")
        self._key_env = config.api_key_env
        if api_key is None and self._key_env:
            api_key = os.environ.get(self._key_env) or None
        self._api_key = api_key
        self._redact = Redactor.of(api_key)
        self._client = client
        self._owns_client = False

    # ---------------------------------------------------------------- hooks per kind

    @abstractmethod
    def _call(self, request: StreamRequest) -> HTTPCall:
        """The streaming request for ``request`` (the key is known to be there if needed)."""

    @abstractmethod
    def _read(self, chunks: Chunks) -> AsyncIterator[StreamEvent]:
        """The stream's events from its objects; ends with Done or raises (a ``cut``)."""

    def _failure(self, chunk: dict[str, object], event: str) -> ProviderError | None:
        """The error a streamed object reports (default: an ``error`` member), else None."""
        if "error" in chunk:
            return stream_error(self.name, chunk["error"], self._redact)
        return None

    # ---------------------------------------------------------------- the skeleton

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        missing = self._missing_key()
        if missing:
            raise ProviderError(missing, retryable=False, kind="auth")
        call = self._call(request)
        await self.start()
        assert self._client is not None
        try:
            async with self._client.stream(
                "POST", call.url, params=call.params, json=call.body, headers=call.headers
            ) as response:
                if response.status_code != 200:
                    raise status_error(self.name, response, await response.aread(), self._redact)
                async for event in self._read(Chunks(self, response)):
                    yield event
        except httpx.HTTPError as exc:
            raise transport_error(self.name, exc, self._redact) from None

    def _vision(self, model: str) -> bool:
        """The model takes images (``vision = true`` on it in the config)."""
        config = self.config.models.get(model)
        return config is not None and config.vision

    def _cut(self, what: str) -> ProviderError:
        """The stream ended before the kind's end marker: worth another try."""
        return ProviderError(
            f"{self.name}: stream cut: it ended {what}", retryable=True, kind="cut"
        )

    async def _request_json(
        self, method: str, url: str, headers: dict[str, str], json: dict[str, object] | None = None
    ) -> dict[str, object]:
        """A plain (not streamed) JSON request, with the shared client or a short-lived one;
        failures raised as for a stream."""
        client = self._client or make_client(self.config)
        try:
            response = await client.request(method, url, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_error(self.name, exc, self._redact) from None
        finally:
            if client is not self._client:
                await client.aclose()
        if response.status_code != 200:
            raise status_error(self.name, response, response.content, self._redact)
        return decode_object(self.name, response.text, self._redact)

    # ---------------------------------------------------------------- lifecycle, health

    async def start(self) -> None:
        if self._client is None:
            self._client = make_client(self.config)
            self._owns_client = True

    async def close(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None
            self._owns_client = False

    def _missing_key(self) -> str | None:
        if not self._api_key:
            env = self._key_env or "(no api_key_env set)"
            return f"{self.name}: no API key: environment variable {env} is not set"
        return None

    def _listing(self) -> ModelsListing | None:
        """The backend's models list request (``doctor``'s cheap authenticated call)."""
        return None

    def _lists(self, model: str, ids: set[str]) -> bool:
        """Whether a models list naming ``ids`` offers the configured ``model``."""
        return model in ids

    async def health(self) -> Health:
        """A real check: the key is set and the models list answers with it."""
        missing = self._missing_key()
        if missing:
            return Health((missing.removeprefix(f"{self.name}: "),))
        listing = self._listing()
        if listing is None:
            return Health((), "no network check for this kind")
        client = self._client or make_client(self.config)
        try:
            return await fetch_listing(
                self.name,
                client,
                listing,
                list(self.config.models),
                self._redact,
                known=self._lists,
            )
        finally:
            if client is not self._client:
                await client.aclose()

    async def check(self) -> list[str]:
        return [f"{self.name}: {p}" for p in (await self.health()).problems]
