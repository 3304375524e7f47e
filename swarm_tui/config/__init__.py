"""Settings for swarm-tui, read from ``config.toml``.

Every field carries a docstring; ``config.toml.example`` documents each key and is validated
by the test suite. Secrets never live here: a provider names the environment variable that
holds its key (``api_key_env``) and the key is read from the environment when it is used.

The package splits the models by topic (providers, agents, retries, the settings root and
loading); everything public is re-exported here, so ``from swarm_tui.config import X`` works.
"""

from __future__ import annotations

from swarm_tui.config.agents import AgentConfig
from swarm_tui.config.consensus import ConsensusSettings
from swarm_tui.config.errors import ConfigError
from swarm_tui.config.evals import EvalConfig
from swarm_tui.config.loading import find_config, load_settings, user_config_path
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
