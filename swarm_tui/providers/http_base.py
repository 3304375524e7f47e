"""What every HTTP provider shares: the key from its env var, one client, redaction."""

from __future__ import annotations

import os

import httpx

from swarm_tui.config import ProviderConfig
from swarm_tui.providers.base import ProviderError
from swarm_tui.providers.errors import Redactor
from swarm_tui.providers.health import Health, ModelsListing, fetch_listing

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
