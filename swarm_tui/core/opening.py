"""Settings and the ledger for a command, and nothing more: the short commands (submit,
status, result, decide, ...) start with these and never load providers, the MCP SDK or
the orchestrator. They read the config through :func:`command_settings`, which builds no
config model for a config already seen valid (:mod:`swarm_tui.config.quick`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from swarm_tui.config.quick import CommandSettings, command_settings
from swarm_tui.store.ledger import Ledger

if TYPE_CHECKING:
    from swarm_tui.config import Settings

__all__ = ["command_settings", "db_path", "open_ledger", "settings_from_args"]


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


async def open_ledger(
    settings: Settings | CommandSettings,
    path: Path,
    *,
    readonly: bool = False,
    check: bool = False,
) -> Ledger:
    """Open the ledger for a command. Commands that write (run, submit, decide with a pick)
    create it, and its folder, and say so once on stderr; read-only ones never do."""
    ms = (
        settings.commit_interval_ms
        if isinstance(settings, CommandSettings)
        else settings.orchestrator.commit_interval_ms
    )
    ledger = await Ledger.open(path, commit_interval=ms / 1000, readonly=readonly, check=check)
    if ledger.created:
        where = " (and its folder)" if ledger.made_folder else ""
        print(f"swarm-tui: new ledger {path}{where}", file=sys.stderr, flush=True)
    return ledger
