"""Ledger schema as an ordered list of migrations, tracked by ``PRAGMA user_version``.

Never edit a released migration: append a new one. Each runs in one transaction. The
migrations live by topic in this package's modules; :data:`MIGRATIONS` below is their one
order. A new migration goes in its topic's module (or a new one), named by topic (``_HOLDS``):
one import and one line appended here, and its PostgreSQL twin in ``store/pg/schema/``.
"""

from __future__ import annotations

from swarm_tui.store.schema.core import _V1, _V2, _V3, _V4, _V5, _V6
from swarm_tui.store.schema.evals import _EVALS
from swarm_tui.store.schema.feed import _EVAL_FEED, _V7
from swarm_tui.store.schema.goals import _GOALS
from swarm_tui.store.schema.running import _CHILDREN, _HOLDS, _PROVIDER_SLOTS
from swarm_tui.store.schema.workspaces import _WORKSPACES

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _V6,
    _V7,
    _GOALS,
    _EVALS,
    _WORKSPACES,
    _HOLDS,
    _PROVIDER_SLOTS,
    _CHILDREN,
    _EVAL_FEED,
)
"""``MIGRATIONS[i]`` takes the schema from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
