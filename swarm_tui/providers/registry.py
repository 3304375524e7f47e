"""Build the configured providers by kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from swarm_tui.config import ProviderConfig, Settings
from swarm_tui.providers.anthropic import AnthropicProvider
from swarm_tui.providers.base import Provider
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect, QwenDialect
from swarm_tui.providers.cli.codex import CodexDialect
from swarm_tui.providers.cli.copilot import CopilotDialect
from swarm_tui.providers.cli.dialect import Dialect
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.providers.cli.swarm_mcp import swarm_server
from swarm_tui.providers.gemini import GeminiProvider
from swarm_tui.providers.local import LocalProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from swarm_tui.providers.pricing import price

__all__ = ["DIALECTS", "PROVIDER_KINDS", "build_providers", "price"]

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

DIALECTS: dict[str, type[Dialect]] = {
    "claude-code": ClaudeDialect,
    "qwen-code": QwenDialect,
    "gemini-cli": GeminiCLIDialect,
    "copilot": CopilotDialect,
    "codex": CodexDialect,
}


def _cli_factory(dialect: type[Dialect]) -> Factory:
    return lambda name, config, logs: CLIProvider(name, config, dialect, log_dir=logs)


for _kind, _dialect in DIALECTS.items():
    PROVIDER_KINDS[_kind] = _cli_factory(_dialect)


def build_providers(
    settings: Settings, *, log_dir: Path | None = None, ledger: Path | None = None
) -> dict[str, Provider]:
    """One provider per ``[providers.NAME]``; logs (embedded server) go next to the ledger.
    With ``ledger``, agent CLIs get ``swarm-tui mcp-serve`` on it (unless switched off)."""
    logs = log_dir if log_dir is not None else settings.db_path().parent
    server = swarm_server(settings, ledger) if ledger is not None else None
    providers: dict[str, Provider] = {}
    for name, config in settings.providers.items():
        provider = PROVIDER_KINDS[config.kind](name, config, logs)
        if isinstance(provider, CLIProvider) and config.launch.swarm_mcp and server:
            provider.swarm_mcp = server.for_agent(name)
        providers[name] = provider
    return providers
