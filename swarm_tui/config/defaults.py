"""The config's defaults that the one-line commands' view (:mod:`~swarm_tui.config.quick`) and
the models (:mod:`~swarm_tui.config.settings`) share, so the two never disagree."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BUILTIN_AGENT",
    "BUILTIN_SOURCE",
    "DEFAULT_COMMIT_MS",
    "DEFAULT_LEDGER",
    "DEFAULT_PASSWORD_ENV",
    "expand_ledger_path",
]

DEFAULT_LEDGER = "~/.local/share/swarm-tui/ledger.db"
"""``[storage] path`` when the config does not set it."""
DEFAULT_COMMIT_MS = 50.0
"""``[orchestrator] commit_interval_ms`` when the config does not set it."""
DEFAULT_PASSWORD_ENV = "SWARM_PG_PASSWORD"
"""``[storage] password_env`` when the config does not set it."""
BUILTIN_AGENT = "generalist"
"""The built-in default's one agent (on the embedded model)."""
BUILTIN_SOURCE = "<built-in default>"


def expand_ledger_path(raw: str) -> Path:
    """A ``[storage] path`` with ``~`` and ``$VARS`` expanded."""
    return Path(os.path.expandvars(raw)).expanduser()
