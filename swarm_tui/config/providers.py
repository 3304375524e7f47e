"""Providers: the backends the swarm sends requests to, HTTP APIs and agent CLIs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from swarm_tui.config.base import Strict, check_env_name
from swarm_tui.config.errors import config_problem, looks_like_secret
from swarm_tui.config.models import ModelConfig
from swarm_tui.config.prices import PAID_KINDS, default_price

__all__ = [
    "CLI_KINDS",
    "DEFAULT_BINARIES",
    "KIND_DEFAULTS",
    "PRESETS",
    "CLIConfig",
    "Preset",
    "ProviderConfig",
    "ProviderKind",
]

ProviderKind = Literal[
    "ollama",
    "openai",
    "local",
    "anthropic",
    "gemini",
    "claude-code",
    "qwen-code",
    "gemini-cli",
    "copilot",
    "codex",
]
"""Provider kinds known to this version."""

Preset = Literal["openai", "openrouter", "groq", "dashscope", "vllm", "lmstudio", "llamacpp"]

PRESETS: dict[str, tuple[str, str | None]] = {
    "openai": ("https://api.openai.com/v1", "OPENAI_API_KEY"),
    "openrouter": ("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "groq": ("https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "dashscope": ("https://dashscope-intl.aliyuncs.com/compatible-mode/v1", "DASHSCOPE_API_KEY"),
    "vllm": ("http://127.0.0.1:8000/v1", None),
    "lmstudio": ("http://127.0.0.1:1234/v1", None),
    "llamacpp": ("http://127.0.0.1:8080/v1", None),
}
"""``preset`` -> (base_url, api_key_env) defaults for kind ``openai``."""

KIND_DEFAULTS: dict[str, tuple[str, str]] = {
    "anthropic": ("https://api.anthropic.com", "ANTHROPIC_API_KEY"),
    "gemini": ("https://generativelanguage.googleapis.com", "GEMINI_API_KEY"),
}

CLI_KINDS = frozenset({"claude-code", "qwen-code", "gemini-cli", "copilot", "codex"})
DEFAULT_BINARIES = {
    "claude-code": "claude",
    "qwen-code": "qwen",
    "gemini-cli": "gemini",
    "copilot": "copilot",
    "codex": "codex",
}
_URL = re.compile(r"https?://[^/\s]+")


class CLIConfig(Strict):
    """How an agent CLI is launched (only for the CLI kinds)."""

    binary: Annotated[str, Field(min_length=1)] | None = None
    """Executable name or path. Default per kind: claude, qwen, gemini, copilot, codex."""
    args: list[str] = Field(default_factory=list)
    """Extra arguments appended after swarm-tui's own (headless JSON mode, model, prompt)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment variables for the process (names and plain values, never keys:
    keys stay in the environment swarm-tui inherits)."""
    workdir: Annotated[str, Field(min_length=1)] | None = None
    """Working directory the CLI runs in (``~`` and ``$VARS`` expand). Default: the current
    directory of swarm-tui."""
    timeout_seconds: Annotated[float, Field(gt=0)] = 1800.0
    """Longest one CLI run may take before its process group is killed."""
    idle_timeout_seconds: Annotated[float, Field(gt=0)] = 300.0
    """Longest the CLI may stay silent on stdout before its process group is killed."""
    kill_grace_seconds: Annotated[float, Field(gt=0)] = 5.0
    """Seconds between SIGTERM and SIGKILL when the process group is stopped."""
    swarm_mcp: bool = True
    """Give every run of this CLI the swarm's own MCP server (``swarm-tui mcp-serve`` on the
    same ledger: shared memory, submit and wait for tasks) in its MCP configuration, per run,
    never in the user's own CLI settings. ``false`` leaves the CLI with its own servers only.
    ``[mcp] cli_swarm_server = false`` turns it off for every CLI."""

    @field_validator("env")
    @classmethod
    def _no_secrets(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            check_env_name(name)
            if looks_like_secret(value):
                raise ValueError(
                    f"{name}: looks like a secret; keep keys in the environment swarm-tui"
                    " inherits (the value given is not shown)"
                )
        return v


def _with_default_prices(data: dict[str, Any]) -> dict[str, Any]:
    """Paid models with no prices in config get the shipped, dated defaults."""
    models = data.get("models")
    if data.get("kind") not in PAID_KINDS or not isinstance(models, dict):
        return data
    priced: dict[str, Any] = {}
    for name, model in models.items():
        default = default_price(name) if isinstance(name, str) else None
        if (
            isinstance(model, dict)
            and default is not None
            and not ({"input_per_mtok", "output_per_mtok"} & set(model))
        ):
            model = {**default.as_config(), **model}
        priced[name] = model
    return {**data, "models": priced}


class ProviderConfig(Strict):
    """A backend the swarm can send requests to."""

    kind: ProviderKind
    """``ollama`` (native /api/chat), ``openai`` (any OpenAI-compatible endpoint), ``local``
    (the embedded llama.cpp server with SmolLM2), ``anthropic`` (Messages API), ``gemini``
    (native streamGenerateContent), or an agent CLI: ``claude-code``, ``qwen-code``,
    ``gemini-cli``, ``copilot``, ``codex``."""
    preset: Preset | None = None
    """For kind ``openai``: fills base_url and api_key_env for a known service
    (openai, openrouter, groq, dashscope, vllm, lmstudio, llamacpp); explicit keys win."""
    base_url: str | None = None
    """Endpoint root, e.g. ``http://127.0.0.1:11434`` or ``https://openrouter.ai/api/v1``.
    Required for ``openai`` without a preset; ``ollama`` defaults to ``$OLLAMA_HOST`` or
    127.0.0.1:11434; ``anthropic`` and ``gemini`` default to the public API; ignored for
    ``local`` and the CLIs."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    connect_timeout: Annotated[float, Field(gt=0)] = 10.0
    """Seconds to wait for a connection."""
    read_timeout: Annotated[float, Field(gt=0)] = 300.0
    """Seconds to wait between two pieces of a streamed reply before giving up."""
    max_concurrent: Annotated[int, Field(gt=0)] = 4
    """Requests in flight at once on this provider."""
    cli: CLIConfig | None = None
    """Launch settings for an agent CLI kind (defaults apply when left out)."""
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    """Models this provider offers, keyed by the name the backend knows them by. For the
    CLIs, ``default`` means: let the CLI pick (no --model flag)."""

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        kind, preset = data.get("kind"), data.get("preset")
        filled: tuple[str, str | None] | None = None
        if kind == "openai" and isinstance(preset, str) and preset in PRESETS:
            filled = PRESETS[preset]
        elif isinstance(kind, str) and kind in KIND_DEFAULTS:
            filled = KIND_DEFAULTS[kind]
        data = _with_default_prices(data)
        if filled is None:
            return data
        data = dict(data)
        data.setdefault("base_url", filled[0])
        if filled[1] is not None:
            data.setdefault("api_key_env", filled[1])
        return data

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        return check_env_name(v)

    @model_validator(mode="after")
    def _needs_url(self) -> ProviderConfig:
        if self.base_url is not None and not _URL.match(self.base_url):
            raise config_problem(
                ("base_url",), "expected an http:// or https:// URL, e.g. http://127.0.0.1:11434"
            )
        if self.kind == "openai" and not self.base_url:
            raise ValueError(
                "an 'openai' provider needs base_url (or a preset), e.g."
                ' base_url = "https://openrouter.ai/api/v1"'
            )
        if self.preset is not None and self.kind != "openai":
            raise config_problem(("preset",), "presets are for kind 'openai' only")
        if self.cli is not None and self.kind not in CLI_KINDS:
            known = ", ".join(sorted(CLI_KINDS))
            raise config_problem(("cli",), f"only agent CLI kinds take a cli table ({known})")
        if not self.models:
            raise ValueError("lists no models: add at least one [providers.NAME.models.MODEL]")
        return self

    @property
    def is_cli(self) -> bool:
        """True for the agent CLI kinds."""
        return self.kind in CLI_KINDS

    @property
    def launch(self) -> CLIConfig:
        """The CLI launch settings, defaults filled in."""
        return self.cli or CLIConfig()

    @property
    def binary(self) -> str:
        """The CLI executable to run."""
        return self.launch.binary or DEFAULT_BINARIES.get(self.kind, self.kind)
