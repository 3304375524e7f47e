"""The whole configuration: storage, budget, scheduling, retries, UI and the settings root."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, field_validator, model_validator

from swarm_tui.config.agents import AgentConfig
from swarm_tui.config.base import NAME, Strict
from swarm_tui.config.consensus import ConsensusSettings
from swarm_tui.config.defaults import (
    BUILTIN_AGENT,
    BUILTIN_SOURCE,
    DEFAULT_COMMIT_MS,
    DEFAULT_LEDGER,
    DEFAULT_PASSWORD_ENV,
    expand_ledger_path,
)
from swarm_tui.config.errors import Loc, config_problem, config_problems
from swarm_tui.config.evals import EvalConfig
from swarm_tui.config.goals import GoalsConfig, WorkflowConfig
from swarm_tui.config.hardware import HardwareConfig
from swarm_tui.config.mcp import MCPConfig
from swarm_tui.config.models import ModelConfig
from swarm_tui.config.notify import NotifyConfig
from swarm_tui.config.projects import Projects
from swarm_tui.config.providers import ProviderConfig
from swarm_tui.config.resilience import BreakerConfig, RetryConfig
from swarm_tui.config.routing import RoutingConfig

__all__ = [
    "BudgetConfig",
    "OrchestratorConfig",
    "Settings",
    "StorageConfig",
    "UIConfig",
    "default_settings",
]


class StorageConfig(Strict):
    """Where the ledger lives."""

    path: Annotated[str, Field(min_length=1)] = DEFAULT_LEDGER
    """SQLite ledger file (``~`` and ``$VARS`` expand). ``--db`` and ``SWARM_TUI_DB`` override.
    With ``url`` set, the folder of this path still holds the log, worktrees and the
    service's socket."""
    url: str | None = None
    """A PostgreSQL ledger instead of the file: ``postgresql://user@host:port/database``
    (workers on several hosts share one queue). No password here: it is read from the
    environment variable ``password_env`` (or libpq's ``PGPASSWORD`` / ``~/.pgpass``).
    ``SWARM_TUI_DB_URL`` overrides it; empty: the SQLite file. Needs the ``postgres`` extra
    (psycopg)."""
    password_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = DEFAULT_PASSWORD_ENV
    """The environment variable holding the PostgreSQL password."""

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # "": the SQLite file
        parts = urlsplit(value)
        if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
            raise ValueError("expected a PostgreSQL URL like postgresql://user@host:5432/swarm")
        if parts.password is not None or "password=" in parts.query:
            raise ValueError(
                "the URL holds a password: remove it and set it in the environment variable"
                " named by [storage] password_env (default SWARM_PG_PASSWORD)"
            )
        return value


class BudgetConfig(Strict):
    """Spending limits in USD (0 means no limit)."""

    run_usd: Annotated[float, Field(ge=0)] = 0.0
    """Limit for one run of the orchestrator."""
    daily_usd: Annotated[float, Field(ge=0)] = 0.0
    """Limit per calendar day (UTC)."""
    role_usd: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    """Limit per agent (role) for one run, by agent name; agents not listed have none."""
    task_usd: Annotated[float, Field(ge=0)] = 0.0
    """Limit per task, over all its attempts (retries and fallbacks included); a task that
    reaches it is paused."""
    warn_percent: list[Annotated[float, Field(gt=0, lt=100)]] = Field(
        default_factory=lambda: [50.0, 80.0]
    )
    """Spend (percent of a limit) at which a warning is shown, once per threshold."""
    baseline: str | None = None
    """The ``"provider/model"`` savings are measured against: what the same tokens would
    have cost on it (e.g. an all-Sonnet swarm). Unset: no savings figure."""
    prompt_bytes_per_token: Annotated[float, Field(gt=0)] = 1.0
    """Bytes of prompt per token assumed when reserving the worst case before a call; 1
    (one token per byte) never under-reserves, larger values reserve less."""


class OrchestratorConfig(Strict):
    """How the orchestrator schedules work."""

    max_concurrent: Annotated[int, Field(gt=0)] = 8
    """Attempts running at once across the whole swarm."""
    max_attempts: Annotated[int, Field(gt=0)] = 3
    """Failed attempts a task may make on each model of its agent's chain (the mix, then the
    ``fallback`` list): a model that used them hands the task to the next model of the chain,
    so a listed fallback is always tried; the task fails when no model of the chain is left."""
    max_abandoned: Annotated[int, Field(gt=0)] = 5
    """Attempts of one task abandoned in a row (the process running it died, or its lease
    expired) before the task is held as needing attention instead of queued again. Abandoned
    attempts do not count toward ``max_attempts`` (a crash of the orchestrator is not the
    task's fault), but a task that itself brings the process down would otherwise run, and
    be paid for, on every restart. A held task is paused with the reason (shown by the room
    and ``status``); resume it to run it again."""
    default_agent: str | None = None
    """Agent that takes tasks submitted without a role (default: the first agent)."""
    lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    """An attempt's lease; a crashed orchestrator's attempts go back to the queue after it."""
    heartbeat_seconds: Annotated[float, Field(gt=0)] = 10.0
    """How often a running attempt renews its lease."""
    poll_seconds: Annotated[float, Field(gt=0)] = 1.0
    """How often the ledger is checked for tasks submitted by other processes."""
    commit_interval_ms: Annotated[float, Field(gt=0)] = DEFAULT_COMMIT_MS
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


class UIConfig(Strict):
    """Control room settings."""

    theme: Annotated[str, Field(min_length=1)] = "swarm-dark"
    """Theme name: a built-in or a file in ``themes/``."""
    stream_flush_ms: Annotated[int, Field(ge=10, le=1000)] = 80
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


class Settings(Strict):
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
    retry: RetryConfig = RetryConfig()
    """Back-off between attempts."""
    breaker: BreakerConfig = BreakerConfig()
    """Circuit breakers per provider model."""
    hardware: HardwareConfig = HardwareConfig()
    """The hardware monitor: this host, Ollama's loaded models, or a remote GPU host."""
    routing: RoutingConfig = RoutingConfig()
    """How routing weighs tags, load, GPU memory and measured performance."""
    mcp: MCPConfig = MCPConfig()
    """MCP tool servers, tool policies and approvals, the tool loop's limits."""
    consensus: ConsensusSettings = ConsensusSettings()
    """Consensus and review tasks: answering models, grouping, voting, arbiter, fallback."""
    notify: NotifyConfig = NotifyConfig()
    """Telling a person what needs them: apprise push notifications, the terminal title."""
    eval: EvalConfig = EvalConfig()
    """Shadow samples of live work against the baseline model (``[eval]``)."""
    projects: Projects = Field(default_factory=dict)
    """Git repositories coding tasks work on, in worktrees of their own (``[projects.NAME]``)."""
    goals: GoalsConfig = GoalsConfig()
    """Goals: the planner, the pass mark, review rounds, plan approval."""
    workflows: dict[str, WorkflowConfig] = Field(default_factory=dict)
    """Workflow templates by name (``[workflows.NAME]``): fixed graphs of steps."""

    _source: str = PrivateAttr(default=BUILTIN_SOURCE)

    @field_validator("providers", "agents")
    @classmethod
    def _names(cls, v: dict[str, object]) -> dict[str, object]:
        if not v:
            raise ValueError("must define at least one entry")
        bad = [name for name in v if not NAME.fullmatch(name)]
        if bad:
            message = "a name must be letters, digits, '_', '-' or '.' (no '/')"
            raise config_problems([((name,), message) for name in bad])
        return v

    @model_validator(mode="after")
    def _references(self) -> Settings:
        problems: list[tuple[Loc, str]] = []
        for agent_name, agent in self.agents.items():
            refs: list[tuple[tuple[str | int, ...], str]] = [
                (("mix", ref), ref) for ref in agent.mix
            ]
            refs += [(("fallback", i), ref) for i, ref in enumerate(agent.fallback)]
            for loc, ref in refs:
                problem = self._ref_problem(ref)
                if problem:
                    problems.append((("agents", agent_name, *loc), problem))
            for i, entry in enumerate(agent.mcp_servers):
                server = entry.split("__", 1)[0]
                if server != "swarm" and server not in self.mcp.servers:
                    known = ", ".join(["swarm", *sorted(self.mcp.servers)])
                    message = f"unknown MCP server {server!r} (known: {known})"
                    problems.append((("agents", agent_name, "mcp_servers", i), message))
        problems += self._routing_problems()
        problems += self._goal_problems()
        if self.eval.shadow_rate > 0 and not self.budget.baseline:
            problems.append(
                (("eval", "shadow_rate"), "needs [budget] baseline (the model to compare with)")
            )
        default = self.orchestrator.default_agent
        if default is not None and default not in self.agents:
            message = f"unknown agent {default!r} (known: {', '.join(self.agents)})"
            problems.append((("orchestrator", "default_agent"), message))
        if problems:
            raise config_problems(problems)
        return self

    def _routing_problems(self) -> list[tuple[Loc, str]]:
        """References in [budget] and [routing] that name no configured model or agent."""
        refs: list[tuple[Loc, str]] = [(("budget", "baseline"), self.budget.baseline or "")]
        refs += [(("routing", "model_tags", r), r) for r in self.routing.model_tags]
        refs += [
            (("routing", "strength_order", i), r) for i, r in enumerate(self.routing.strength_order)
        ]
        refs += [(("consensus", *loc), r) for loc, r in self.consensus.refs()]
        problems = [(loc, p) for loc, ref in refs if ref and (p := self._ref_problem(ref))]
        named = [("budget", "role_usd"), ("consensus", "roles"), ("consensus", "arbiter_by_role")]
        for section, key in named:
            for name in getattr(getattr(self, section), key):
                if name not in self.agents:
                    known = ", ".join(self.agents)
                    problems.append(((section, key, name), f"unknown agent (known: {known})"))
        return problems

    def _goal_problems(self) -> list[tuple[Loc, str]]:
        """Agents named by [goals] and the workflow steps; projects the steps name."""
        known = ", ".join(self.agents)
        problems: list[tuple[Loc, str]] = []
        for key in ("planner", "synthesizer"):
            name = getattr(self.goals, key)
            if name is not None and name not in self.agents:
                problems.append((("goals", key), f"unknown agent {name!r} (known: {known})"))
        for flow, workflow in self.workflows.items():
            if not NAME.fullmatch(flow):
                problems.append((("workflows", flow), "a name must be letters, digits, _ - ."))
            for i, step in enumerate(workflow.steps):
                where: Loc = ("workflows", flow, "steps", i)
                if step.role not in self.agents:
                    problems.append(
                        ((*where, "role"), f"unknown agent {step.role!r} (known: {known})")
                    )
                if step.project is not None and step.project not in self.projects:
                    listed = ", ".join(self.projects) or "none configured"
                    message = f"unknown project {step.project!r} (known: {listed})"
                    problems.append(((*where, "project"), message))
        return problems

    def _ref_problem(self, ref: str) -> str | None:
        provider, _, model = ref.partition("/")
        if provider not in self.providers:
            return f"unknown provider {provider!r} (known: {', '.join(sorted(self.providers))})"
        if model not in self.providers[provider].models:
            listed = ", ".join(sorted(self.providers[provider].models))
            where = f"providers.{provider}.models"
            return f"model {model!r} is not listed in {where} (listed: {listed})"
        return None

    @property
    def source(self) -> str:
        """Where these settings were read from: a file path or ``<built-in default>``."""
        return self._source

    @property
    def default_agent(self) -> str:
        """Agent for tasks submitted without a role: the configured one, else the first."""
        return self.orchestrator.default_agent or next(iter(self.agents))

    @property
    def agent_projects(self) -> dict[str, str | None]:
        """Each agent's default project (``[agents.NAME] project``), None where it names none."""
        return {name: agent.project for name, agent in self.agents.items()}

    def db_path(self) -> Path:
        """The ledger file, with ``~`` and ``$VARS`` expanded."""
        return expand_ledger_path(self.storage.path)


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
            BUILTIN_AGENT: AgentConfig(
                role="Answers any task on the embedded SmolLM2-135M model",
                mix={"local/smollm2": 1.0},
                max_concurrent=1,
            )
        },
    )
