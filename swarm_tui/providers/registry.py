"""Build the configured providers by kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from swarm_tui.config import ProviderConfig, Settings
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.base import Provider
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.providers.local import LocalProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from swarm_tui.providers.pricing import price

__all__ = ["PROVIDER_KINDS", "build_providers", "price"]

Factory = Callable[[str, ProviderConfig, Path], Provider]

PROVIDER_KINDS: dict[str, Factory] = {
    "openai": lambda name, config, _logs: OpenAICompatProvider(name, config),
    "ollama": lambda name, config, _logs: OllamaProvider(name, config),
    "local": lambda name, config, logs: LocalProvider(
        name, config, log_path=logs / f"{name}-model.log"
    ),
    "anthropic": lambda name, config, _logs: AnthropicProvider(name, config),
    "gemini": lambda name, config, _logs: GeminiProvider(name, config),
}


def build_providers(settings: Settings, *, log_dir: Path | None = None) -> dict[str, Provider]:
    """One provider per ``[providers.NAME]``; logs (embedded server) go next to the ledger."""
    logs = log_dir if log_dir is not None else settings.db_path().parent
    return {
        name: PROVIDER_KINDS[config.kind](name, config, logs)
        for name, config in settings.providers.items()
    }
