"""Settings and the ledger for a command, and nothing more: the short commands (submit,
status, result, decide, ...) start with these and never load providers, the MCP SDK or
the orchestrator. They read the config through :func:`command_settings`, which builds no
config model for a config already seen valid (:mod:`swarm_tui.config.quick`).

The backend: the SQLite file (``--db``, ``$SWARM_TUI_DB``, ``[storage] path``) unless a
PostgreSQL URL is set (``$SWARM_TUI_DB_URL``, ``[storage] url``); only then is the
PostgreSQL ledger (and its driver) imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from swarm_tui.config.quick import CommandSettings, command_settings
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.ledger import Ledger, SqliteLedger

if TYPE_CHECKING:
    from swarm_tui.config import Settings

__all__ = [
    "command_settings",
    "db_path",
    "db_url",
    "ledger_name",
    "open_ledger",
    "open_store",
    "settings_from_args",
]

URL_ENV = "SWARM_TUI_DB_URL"


class _LedgerPlace(Protocol):
    def db_path(self) -> Path: ...


def settings_from_args(config: str | None) -> Settings:
    """``--config``, ``$SWARM_TUI_CONFIG``, the user config dir, else the built-in default,
    validated in full; a valid file is remembered, so that the one-line commands run next to
    this run (``status``, ``submit``) read it without building the models."""
    return command_settings(config).full()


def db_path(settings: _LedgerPlace, explicit: str | None) -> Path:
    """``--db``, then ``$SWARM_TUI_DB``, then ``[storage] path``."""
    raw = explicit or os.environ.get("SWARM_TUI_DB")
    return Path(raw).expanduser() if raw else settings.db_path()


def db_url(settings: Settings | CommandSettings) -> str | None:
    """The PostgreSQL URL (``$SWARM_TUI_DB_URL``, then ``[storage] url``), or None for the
    SQLite file. With a URL, ``--db``'s folder still holds the log, worktrees and socket."""
    if isinstance(settings, CommandSettings):
        return os.environ.get(URL_ENV) or settings.storage_url
    return os.environ.get(URL_ENV) or settings.storage.url


def ledger_name(settings: Settings | CommandSettings, path: Path) -> str:
    """The ledger as messages name it: its file, or its URL without a password."""
    url = db_url(settings)
    if url is None:
        return str(path)
    from swarm_tui.store.pg.url import redact_url

    return redact_url(url)


async def open_store(
    settings: Settings | CommandSettings,
    path: Path,
    *,
    readonly: bool = False,
    check: bool = False,
    commit_interval: float | None = None,
) -> Ledger:
    """The ledger on its backend, opened quietly: the SQLite or the PostgreSQL facade, both
    keeping the ``Ledger`` contract (store/contract/; ``tests/store`` runs on both)."""
    interval = (
        (
            settings.commit_interval_ms
            if isinstance(settings, CommandSettings)
            else settings.orchestrator.commit_interval_ms
        )
        / 1000
        if commit_interval is None
        else commit_interval
    )
    url = db_url(settings)
    if url is None:
        return await SqliteLedger.open(
            path, commit_interval=interval, readonly=readonly, check=check
        )
    try:
        from swarm_tui.store.pg.ledger import PgLedger
        from swarm_tui.store.pg.url import PgTarget
    except ImportError as exc:
        raise LedgerError(
            f"[storage] url is set but the PostgreSQL driver is missing ({exc.name}):"
            " install swarm-tui with the postgres extra (make setup does)"
        ) from None
    password_env = (
        settings.password_env
        if isinstance(settings, CommandSettings)
        else settings.storage.password_env
    )
    target = PgTarget(url, password_env)
    return await PgLedger.open(
        target, path, commit_interval=interval, readonly=readonly, check=check
    )


async def open_ledger(
    settings: Settings | CommandSettings,
    path: Path,
    *,
    readonly: bool = False,
    check: bool = False,
) -> Ledger:
    """Open the ledger for a command. Commands that write (run, submit, decide with a pick)
    create it, and its folder, and say so once on stderr; read-only ones never do."""
    ledger = await open_store(settings, path, readonly=readonly, check=check)
    if ledger.created:
        if ledger.backend == "sqlite":
            where = " (and its folder)" if ledger.made_folder else ""
            print(f"swarm-tui: new ledger {path}{where}", file=sys.stderr, flush=True)
        else:
            name = ledger_name(settings, path)
            print(f"swarm-tui: new ledger {name}", file=sys.stderr, flush=True)
    return ledger
