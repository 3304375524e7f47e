"""What the one-line commands (``status``, ``submit``, ``result``, ``logs``, ``cancel``,
``decide``, ...) read of the config, without building its models: the ledger's path, the
commit interval, the agents' names and the default agent.

The config is still checked: a file this code has seen valid before
(:mod:`~swarm_tui.config.checked`) is read as TOML for these few values; any other is
validated in full by :func:`~swarm_tui.config.loading.validate_text` (the same messages as
every command), and remembered when valid. :meth:`CommandSettings.full` gives the whole
:class:`~swarm_tui.config.settings.Settings` to a command that needs more (``reassign``).

The defaults are the models' own (both take them from :mod:`~swarm_tui.config.defaults`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from swarm_tui.config import checked
from swarm_tui.config.defaults import (
    BUILTIN_AGENT,
    BUILTIN_SOURCE,
    DEFAULT_COMMIT_MS,
    DEFAULT_LEDGER,
    DEFAULT_PASSWORD_ENV,
    expand_ledger_path,
)
from swarm_tui.config.files import find_config, parse_toml, read_text

if TYPE_CHECKING:
    from swarm_tui.config.settings import Settings

__all__ = [
    "BUILTIN_AGENT",
    "BUILTIN_SOURCE",
    "DEFAULT_COMMIT_MS",
    "DEFAULT_LEDGER",
    "DEFAULT_PASSWORD_ENV",
    "CommandSettings",
    "command_settings",
    "expand_ledger_path",
]


@dataclass(frozen=True)
class CommandSettings:
    """The config as a one-line command sees it."""

    source: str
    """The file read, or ``<built-in default>``."""
    storage_path: str = DEFAULT_LEDGER
    commit_interval_ms: float = DEFAULT_COMMIT_MS
    storage_url: str | None = None
    """``[storage] url``: a PostgreSQL ledger (None: the SQLite file)."""
    password_env: str = DEFAULT_PASSWORD_ENV
    """``[storage] password_env``: the variable holding the PostgreSQL password."""
    agents: tuple[str, ...] = (BUILTIN_AGENT,)
    default_agent: str = BUILTIN_AGENT
    projects: tuple[str, ...] = ()
    """The ``[projects.NAME]`` names."""
    agent_projects: Mapping[str, str | None] = field(default_factory=lambda: {BUILTIN_AGENT: None})
    """Each agent's default project (``[agents.NAME] project``), None where it names none."""
    _full: Settings | None = field(default=None, repr=False, compare=False)

    def db_path(self) -> Path:
        """The ledger file, with ``~`` and ``$VARS`` expanded."""
        return expand_ledger_path(self.storage_path)

    def full(self) -> Settings:
        """The whole validated configuration (built on first use, then kept)."""
        if self._full is None:
            from swarm_tui.config.loading import load_settings

            path = None if self.source == BUILTIN_SOURCE else Path(self.source)
            object.__setattr__(self, "_full", load_settings(path))  # a cache, not a change
        assert self._full is not None
        return self._full


def command_settings(explicit: str | None) -> CommandSettings:
    """The config of ``--config`` (else ``$SWARM_TUI_CONFIG``, the user config dir, the
    built-in default), as :func:`~swarm_tui.config.loading.load_settings` would find it;
    raises the same :class:`~swarm_tui.config.errors.ConfigError` for a bad one."""
    path = find_config(explicit)
    if path is None:
        return CommandSettings(BUILTIN_SOURCE)
    text = read_text(path)
    mark = checked.digest(text)
    if checked.is_known_valid(mark):
        seen = _from_toml(str(path), parse_toml(path, text))
        if seen is not None:
            return seen
    from swarm_tui.config.loading import validate_text

    settings = validate_text(path, text)
    checked.remember_valid(mark)
    return _from_settings(settings)


def _from_settings(settings: Settings) -> CommandSettings:
    return CommandSettings(
        source=settings.source,
        storage_path=settings.storage.path,
        commit_interval_ms=settings.orchestrator.commit_interval_ms,
        storage_url=settings.storage.url,
        password_env=settings.storage.password_env,
        agents=tuple(settings.agents),
        default_agent=settings.default_agent,
        projects=tuple(settings.projects),
        agent_projects=settings.agent_projects,
        _full=settings,
    )


def _table(data: Mapping[str, object], key: str) -> Mapping[str, object] | None:
    value = data.get(key, {})
    return value if isinstance(value, dict) else None


def _from_toml(source: str, data: Mapping[str, object]) -> CommandSettings | None:
    """The values of a config known to be valid; None when one of them does not look so
    after all (a mark not made by this code): the caller then validates in full."""
    storage, orchestrator = _table(data, "storage"), _table(data, "orchestrator")
    if storage is None or orchestrator is None:
        return None
    path = storage.get("path", DEFAULT_LEDGER)
    url = storage.get("url") or None
    password_env = storage.get("password_env", DEFAULT_PASSWORD_ENV)
    if not (url is None or isinstance(url, str)) or not isinstance(password_env, str):
        return None
    ms = orchestrator.get("commit_interval_ms", DEFAULT_COMMIT_MS)
    default = orchestrator.get("default_agent")
    agents_table = data.get("agents", {BUILTIN_AGENT: {}} if "providers" not in data else None)
    if not isinstance(agents_table, dict) or not agents_table:
        return None
    agents = tuple(agents_table)
    projects_table = _table(data, "projects")
    agent_projects = {
        name: body.get("project") if isinstance(body, dict) else None
        for name, body in agents_table.items()
    }
    if projects_table is None or not all(
        p is None or isinstance(p, str) for p in agent_projects.values()
    ):
        return None
    if (
        not isinstance(path, str)
        or not path
        or isinstance(ms, bool)
        or not isinstance(ms, int | float)
        or not ms > 0
        or not (default is None or default in agents)
        or not all(isinstance(a, str) for a in agents)
    ):
        return None
    return CommandSettings(
        source=source,
        storage_path=path,
        commit_interval_ms=float(ms),
        storage_url=url,
        password_env=password_env,
        agents=agents,
        default_agent=default if isinstance(default, str) else agents[0],
        projects=tuple(projects_table),
        agent_projects=agent_projects,
    )
