"""What every HTTP provider shares: the key from its env var, one client, redaction."""

from __future__ import annotations

import os

import httpx

from swarm_tui.config import ProviderConfig
from swarm_tui.providers.base import ProviderError
from swarm_tui.providers.errors import Redactor

__all__ = ["HTTPProvider", "make_client"]


def make_client(config: ProviderConfig) -> httpx.AsyncClient:
    """The one shared client of a provider, with the configured timeouts."""
    timeout = httpx.Timeout(
        connect=config.connect_timeout,
        read=config.read_timeout,
        write=config.connect_timeout,
        pool=None,
    )
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False)


class HTTPProvider:
    """Base of every HTTP provider: key lookup, client lifecycle, missing-key checks."""

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
        self._redact = Redactor(api_key)
        self._client = client
        self._owns_client = False

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

    def _require_key(self) -> str:
        missing = self._missing_key()
        if missing or self._api_key is None:
            raise ProviderError(missing or "no key", retryable=False, kind="auth")
        return self._api_key

    async def check(self) -> list[str]:
        missing = self._missing_key()
        return [missing] if missing else []
