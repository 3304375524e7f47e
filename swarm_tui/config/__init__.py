"""Settings for swarm-tui, read from ``config.toml``.

Every field carries a docstring; ``config.toml.example`` documents each key and is validated
by the test suite. Secrets never live here: a provider names the environment variable that
holds its key (``api_key_env``) and the key is read from the environment when it is used.

The package splits the models by topic (providers, agents, retries, the settings root and
loading); everything public is re-exported here, so ``from swarm_tui.config import X`` works.
The re-exports load on first use (PEP 562): importing a module of this package, such as the
one-line commands' :mod:`~swarm_tui.config.quick`, builds no model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swarm_tui.config.agents import AgentConfig
    from swarm_tui.config.consensus import ConsensusSettings
    from swarm_tui.config.errors import ConfigError
    from swarm_tui.config.evals import EvalConfig
    from swarm_tui.config.files import find_config, user_config_path
    from swarm_tui.config.loading import load_settings
    from swarm_tui.config.mcp import MCPConfig, MCPServerConfig, ToolPolicy
    from swarm_tui.config.models import ModelConfig
    from swarm_tui.config.notify import NotifyConfig
    from swarm_tui.config.projects import CheckConfig, ProjectConfig
    from swarm_tui.config.providers import (
        CLI_KINDS,
        PRESETS,
        CLIConfig,
        ProviderConfig,
        ProviderKind,
    )
    from swarm_tui.config.resilience import BreakerConfig, RetryConfig
    from swarm_tui.config.routing import RoutingConfig
    from swarm_tui.config.settings import (
        BudgetConfig,
        OrchestratorConfig,
        Settings,
        StorageConfig,
        UIConfig,
        default_settings,
    )

__all__ = [
    "CLI_KINDS",
    "PRESETS",
    "AgentConfig",
    "BreakerConfig",
    "BudgetConfig",
    "CLIConfig",
    "CheckConfig",
    "ConfigError",
    "ConsensusSettings",
    "EvalConfig",
    "MCPConfig",
    "MCPServerConfig",
    "ModelConfig",
    "NotifyConfig",
    "OrchestratorConfig",
    "ProjectConfig",
    "ProviderConfig",
    "ProviderKind",
    "RetryConfig",
    "RoutingConfig",
    "Settings",
    "StorageConfig",
    "ToolPolicy",
    "UIConfig",
    "default_settings",
    "find_config",
    "load_settings",
    "user_config_path",
]

_WHERE = {
    "AgentConfig": "swarm_tui.config.agents",
    "BreakerConfig": "swarm_tui.config.resilience",
    "BudgetConfig": "swarm_tui.config.settings",
    "CLIConfig": "swarm_tui.config.providers",
    "CLI_KINDS": "swarm_tui.config.providers",
    "CheckConfig": "swarm_tui.config.projects",
    "ConfigError": "swarm_tui.config.errors",
    "ConsensusSettings": "swarm_tui.config.consensus",
    "EvalConfig": "swarm_tui.config.evals",
    "MCPConfig": "swarm_tui.config.mcp",
    "MCPServerConfig": "swarm_tui.config.mcp",
    "ModelConfig": "swarm_tui.config.models",
    "NotifyConfig": "swarm_tui.config.notify",
    "OrchestratorConfig": "swarm_tui.config.settings",
    "PRESETS": "swarm_tui.config.providers",
    "ProjectConfig": "swarm_tui.config.projects",
    "ProviderConfig": "swarm_tui.config.providers",
    "ProviderKind": "swarm_tui.config.providers",
    "RetryConfig": "swarm_tui.config.resilience",
    "RoutingConfig": "swarm_tui.config.routing",
    "Settings": "swarm_tui.config.settings",
    "StorageConfig": "swarm_tui.config.settings",
    "ToolPolicy": "swarm_tui.config.mcp",
    "UIConfig": "swarm_tui.config.settings",
    "default_settings": "swarm_tui.config.settings",
    "find_config": "swarm_tui.config.files",
    "load_settings": "swarm_tui.config.loading",
    "user_config_path": "swarm_tui.config.files",
}
"""Each re-exported name: the module that defines it."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
