"""Settings for swarm-tui, read from ``config.toml``.

Every field carries a docstring; ``config.toml.example`` documents each key and is validated
by the test suite. Secrets never live here: a provider names the environment variable that
holds its key (``api_key_env``) and the key is read from the environment when it is used.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from swarm_tui.config_errors import (
    ConfigError,
    Loc,
    config_problem,
    config_problems,
    format_validation_error,
    looks_like_secret,
    redact_secrets,
)

__all__ = [
    "AgentConfig",
    "BudgetConfig",
    "ConfigError",
    "ModelConfig",
    "OrchestratorConfig",
    "ProviderConfig",
    "Settings",
    "StorageConfig",
    "UIConfig",
    "default_settings",
    "find_config",
    "load_settings",
    "user_config_path",
]

ProviderKind = Literal["ollama", "openai", "local"]
"""Provider kinds known to this version. Later kinds (anthropic, gemini, agent CLIs) add here."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Strict(BaseModel):
    # strict: TOML has real types, so "4" for an integer or true for a weight is a mistake.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
    )


class ModelConfig(_Strict):
    """One model offered by a provider, with its prices."""

    input_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million input (prompt) tokens."""
    output_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million output (completion) tokens."""
    cached_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million cached input tokens (prompt-cache reads)."""
    max_tokens: Annotated[int, Field(gt=0)] = 512
    """Most tokens one reply may generate; also the worst case a budget reserves."""
    context: Annotated[int, Field(gt=0)] | None = None
    """Context window in tokens, when known (Ollama: sent as ``options.num_ctx``)."""


class ProviderConfig(_Strict):
    """A backend the swarm can send requests to."""

    kind: ProviderKind
    """``ollama`` (native /api/chat), ``openai`` (any OpenAI-compatible endpoint) or
    ``local`` (the embedded llama.cpp server with SmolLM2, started and stopped by swarm-tui)."""
    base_url: str | None = None
    """Endpoint root, e.g. ``http://127.0.0.1:11434`` or ``https://openrouter.ai/api/v1``.
    Required for ``openai``; ``ollama`` defaults to ``$OLLAMA_HOST`` or 127.0.0.1:11434;
    ignored for ``local``."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    connect_timeout: Annotated[float, Field(gt=0)] = 10.0
    """Seconds to wait for a connection."""
    read_timeout: Annotated[float, Field(gt=0)] = 300.0
    """Seconds to wait between two pieces of a streamed reply before giving up."""
    max_concurrent: Annotated[int, Field(gt=0)] = 4
    """Requests in flight at once on this provider."""
    models: dict[str, ModelConfig] = Field(default_factory=dict)
    """Models this provider offers, keyed by the name the backend knows them by."""

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, v: str | None) -> str | None:
        # The message never repeats the value: it may be a pasted key.
        if v is not None and (not _ENV_NAME.fullmatch(v) or looks_like_secret(v)):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, _), such as"
                " OPENROUTER_API_KEY, never the key itself; the value given is not shown"
            )
        return v

    @model_validator(mode="after")
    def _needs_url(self) -> ProviderConfig:
        if self.base_url is not None and not re.match(r"https?://[^/\s]+", self.base_url):
            raise config_problem(
                ("base_url",), "expected an http:// or https:// URL, e.g. http://127.0.0.1:11434"
            )
        if self.kind == "openai" and not self.base_url:
            raise ValueError(
                "an 'openai' provider needs base_url, e.g. base_url = \"https://openrouter.ai/api/v1\""
            )
        if not self.models:
            raise ValueError("lists no models: add at least one [providers.NAME.models.MODEL]")
        return self


class AgentConfig(_Strict):
    """An agent: a role the swarm fills, on the model mix the role asks for."""

    role: str = ""
    """What this agent does, in words (shown in the TUI and given to routing)."""
    system_prompt: str = "You are a helpful, concise assistant."
    """System prompt sent with every attempt."""
    mix: dict[str, float]
    """Model mix: weights over ``"provider/model"`` references, e.g. ``"ollama/qwen3:8b" = 0.4``.
    Weights are relative and must be > 0."""
    tags: list[str] = Field(default_factory=list)
    """Strengths, matched against task tags by routing."""
    max_concurrent: Annotated[int, Field(gt=0)] = 2
    """Attempts this agent runs at once."""
    mcp_servers: list[str] = Field(default_factory=list)
    """MCP servers this agent may use (deny by default)."""

    @field_validator("mix")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("needs at least one 'provider/model' = weight")
        problems: list[tuple[Loc, str]] = []
        for ref, w in v.items():
            provider, _, model = ref.partition("/")
            if not provider or not model:
                problems.append(((ref,), 'must be written "provider/model"'))
            if not w > 0:
                problems.append(((ref,), f"weight must be > 0 (got {w:g})"))
        if problems:
            raise config_problems(problems)
        return v


class StorageConfig(_Strict):
    """Where the ledger lives."""

    path: Annotated[str, Field(min_length=1)] = "~/.local/share/swarm-tui/ledger.db"
    """SQLite ledger file (``~`` and ``$VARS`` expand). ``--db`` and ``SWARM_TUI_DB`` override."""


class BudgetConfig(_Strict):
    """Spending limits in USD (0 means no limit)."""

    run_usd: Annotated[float, Field(ge=0)] = 0.0
    """Limit for one run of the orchestrator."""
    daily_usd: Annotated[float, Field(ge=0)] = 0.0
    """Limit per calendar day (UTC)."""


class OrchestratorConfig(_Strict):
    """How the orchestrator schedules work."""

    max_concurrent: Annotated[int, Field(gt=0)] = 8
    """Attempts running at once across the whole swarm."""
    max_attempts: Annotated[int, Field(gt=0)] = 3
    """Attempts per task before it fails."""
    default_agent: str | None = None
    """Agent that takes tasks submitted without a role (default: the first agent)."""
    lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    """An attempt's lease; a crashed orchestrator's attempts go back to the queue after it."""
    heartbeat_seconds: Annotated[float, Field(gt=0)] = 10.0
    """How often a running attempt renews its lease."""
    poll_seconds: Annotated[float, Field(gt=0)] = 1.0
    """How often the ledger is checked for tasks submitted by other processes."""
    commit_interval_ms: Annotated[float, Field(gt=0)] = 50.0
    """Longest a streamed chunk waits before the writer group-commits it."""

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> OrchestratorConfig:
        if self.heartbeat_seconds >= self.lease_seconds:
            raise config_problem(
                ("heartbeat_seconds",),
                f"must be less than lease_seconds ({self.lease_seconds:g}),"
                " or leases expire while attempts are still running",
            )
        return self


class UIConfig(_Strict):
    """Control room settings."""

    theme: Annotated[str, Field(min_length=1)] = "swarm-dark"
    """Theme name: a built-in or a file in ``themes/``."""
    stream_flush_ms: Annotated[int, Field(ge=10, le=1000)] = 50
    """How often streamed text is flushed to the screen."""
    stream_max_lines: Annotated[int, Field(ge=100)] = 5000
    """Lines kept per agent stream."""
    low_bandwidth: bool = False
    """For slow links (SSH over a phone): streams flush every 500 ms at least, figures
    refresh every 5 s, no animations."""
    bell: bool = True
    """Ring the terminal bell when a task fails or something needs a human."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Binding id -> key(s), e.g. ``new_task = "ctrl+n"``."""


class Settings(_Strict):
    """The whole configuration."""

    providers: dict[str, ProviderConfig]
    """Backends by name (the name is the ``provider`` part of ``provider/model``)."""
    agents: dict[str, AgentConfig]
    """Agents by name; a task's role names one of them."""
    storage: StorageConfig = StorageConfig()
    """Ledger location."""
    budget: BudgetConfig = BudgetConfig()
    """Spending limits."""
    orchestrator: OrchestratorConfig = OrchestratorConfig()
    """Scheduling."""
    ui: UIConfig = UIConfig()
    """Control room."""

    _source: str = PrivateAttr(default="<built-in default>")

    @field_validator("providers", "agents")
    @classmethod
    def _names(cls, v: dict[str, object]) -> dict[str, object]:
        if not v:
            raise ValueError("must define at least one entry")
        bad = [name for name in v if not _NAME.fullmatch(name)]
        if bad:
            message = "a name must be letters, digits, '_', '-' or '.' (no '/')"
            raise config_problems([((name,), message) for name in bad])
        return v

    @model_validator(mode="after")
    def _references(self) -> Settings:
        problems: list[tuple[Loc, str]] = []
        for agent_name, agent in self.agents.items():
            for ref in agent.mix:
                provider, _, model = ref.partition("/")
                where = ("agents", agent_name, "mix", ref)
                if provider not in self.providers:
                    known = ", ".join(sorted(self.providers))
                    problems.append((where, f"unknown provider {provider!r} (known: {known})"))
                elif model not in self.providers[provider].models:
                    listed = ", ".join(sorted(self.providers[provider].models))
                    message = f"model {model!r} is not listed in providers.{provider}.models"
                    problems.append((where, f"{message} (listed: {listed})"))
        default = self.orchestrator.default_agent
        if default is not None and default not in self.agents:
            message = f"unknown agent {default!r} (known: {', '.join(self.agents)})"
            problems.append((("orchestrator", "default_agent"), message))
        if problems:
            raise config_problems(problems)
        return self

    @property
    def source(self) -> str:
        """Where these settings were read from: a file path or ``<built-in default>``."""
        return self._source

    @property
    def default_agent(self) -> str:
        """Agent for tasks submitted without a role: the configured one, else the first."""
        return self.orchestrator.default_agent or next(iter(self.agents))

    def db_path(self) -> Path:
        """The ledger file, with ``~`` and ``$VARS`` expanded."""
        return Path(os.path.expandvars(self.storage.path)).expanduser()


def default_settings() -> Settings:
    """The built-in configuration: one generalist agent on the embedded local model."""
    return Settings(
        providers={
            "local": ProviderConfig(
                kind="local",
                max_concurrent=1,
                models={"smollm2": ModelConfig(max_tokens=200, context=2048)},
            )
        },
        agents={
            "generalist": AgentConfig(
                role="Answers any task on the embedded SmolLM2-135M model",
                mix={"local/smollm2": 1.0},
                max_concurrent=1,
            )
        },
    )


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/swarm-tui/config.toml`` (``~/.config`` when the variable is unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "swarm-tui" / "config.toml"


def find_config(explicit: str | None) -> Path | None:
    """``--config``, then ``$SWARM_TUI_CONFIG``, then the user config dir; None = built-in.

    An explicit path (option or variable) is returned even when missing, so that
    :func:`load_settings` reports it instead of silently falling back to the default.
    """
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("SWARM_TUI_CONFIG")
    if env:
        return Path(env).expanduser()
    path = user_config_path()
    return path if path.is_file() else None


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_HINTS = {
    "Cannot overwrite a value": "a key is set twice",
    "Invalid value": 'strings need quotes, e.g. name = "text"',
    "Expected '=' after a key in a key/value pair": "write key = value",
}


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a config.toml file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}: line {line}, column {column}: not UTF-8 text"
            f" (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        ) from None


def _parse_toml(path: Path, text: str) -> dict[str, object]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _TOML_AT.search(message)
        at = ""
        if m is not None:
            at = f"line {m.group(1)}, column {m.group(2)}: "
            message = message[: m.start()]
        elif message.endswith("(at end of document)"):
            at = f"line {max(1, len(text.splitlines()))}: "
            message = message.removesuffix("(at end of document)").rstrip()
        if message in _TOML_HINTS:
            message = f"{message} ({_TOML_HINTS[message]})"
        raise ConfigError(redact_secrets(f"{path}: {at}not valid TOML: {message}")) from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None


def load_settings(path: Path | None) -> Settings:
    """Read and validate a config file; raise :class:`ConfigError` with file, line and key.

    ``None`` means no file was found: the built-in :func:`default_settings` apply.
    """
    if path is None:
        return default_settings()
    text = _read_text(path)
    data = _parse_toml(path, text)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, text, exc)) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid configuration: nested too deeply") from None
    settings._source = str(path)
    return settings
