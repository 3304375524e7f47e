"""The PostgreSQL ledger's schema as ordered migrations, versioned in the database itself
(``schema_version``: one row per migration applied, with when).

:data:`PG_MIGRATIONS` mirrors the SQLite ledger's (``store/schema/``) in PostgreSQL's
dialect: ``_BASE`` is SQLite v1..v7 at once (tasks, attempts, events, usage, flags, tool
calls, approvals, memory, consensus, the change feed). A migration added to the SQLite
ledger later (workspaces, goals, ...) gets its twin appended here, under the same name, and
:data:`COVERS` says up to which SQLite version the PostgreSQL schema holds the same tables
(``ledger copy`` checks it). Never edit a released migration: append one. The migrations
live by topic in this package's modules, named as their SQLite twins are; :data:`PG_MIGRATIONS`
below is their one order (a new one: its module, one import and one line there).

Differences that matter: ids are identity columns (``ledger copy`` inserts them as they are,
then moves the sequences on), times are Unix seconds in ``DOUBLE PRECISION`` as in SQLite,
and the change feed's triggers are PL/pgSQL functions that also ``NOTIFY swarm_changes`` (one
notification per transaction: PostgreSQL folds equal ones) so readers on any host wake.
Every change is logged under a transaction-wide advisory lock (:data:`FEED_LOCK`), which every
write transaction takes first: sequence numbers are then handed out in commit order, so a
reader that saw ``seq`` N has seen every change up to N, as with SQLite's single writer.
"""

from __future__ import annotations

from swarm_tui.store.pg.schema.base import _BASE
from swarm_tui.store.pg.schema.evals import _EVALS
from swarm_tui.store.pg.schema.feed import _EVAL_FEED, FEED_LOCK
from swarm_tui.store.pg.schema.goals import _GOALS
from swarm_tui.store.pg.schema.running import _CHILDREN, _HOLDS, _PROVIDER_SLOTS
from swarm_tui.store.pg.schema.workspaces import _WORKSPACES

__all__ = ["COVERS", "FEED_LOCK", "PG_MIGRATIONS", "PG_SCHEMA_VERSION", "TABLES"]

PG_MIGRATIONS: tuple[tuple[str, str], ...] = (
    ("_BASE", _BASE),
    ("_GOALS", _GOALS),
    ("_EVALS", _EVALS),
    ("_WORKSPACES", _WORKSPACES),
    ("_HOLDS", _HOLDS),
    ("_PROVIDER_SLOTS", _PROVIDER_SLOTS),
    ("_CHILDREN", _CHILDREN),
    ("_EVAL_FEED", _EVAL_FEED),
)
"""``(name, script)``; ``PG_MIGRATIONS[i]`` takes the schema from version ``i`` to ``i + 1``.
Each runs in one transaction (PostgreSQL's DDL is transactional)."""

PG_SCHEMA_VERSION = len(PG_MIGRATIONS)

COVERS = 14
"""The SQLite schema version whose tables this schema holds (``_BASE`` = SQLite v1..v7, then
``_GOALS``, ``_EVALS``, ``_WORKSPACES``, ``_HOLDS``, ``_PROVIDER_SLOTS``,
``_CHILDREN``, ``_EVAL_FEED`` = v8..v14)."""

TABLES = (
    "goals", "tasks", "task_deps", "attempts", "budget_holds", "events", "usage", "flags",
    "tool_calls", "tool_approvals", "memories", "consensus", "consensus_models", "eval_runs",
    "eval_results", "eval_pairs", "shadow_samples", "workspaces", "workspace_rounds",
    "check_runs", "provider_slots", "children", "changes",
)  # fmt: skip
"""Every table of the ledger, parents before children (the order ``ledger copy`` fills)."""
