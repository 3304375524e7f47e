"""Released migrations are never edited, on either backend: a ledger upgraded step by step
and a fresh one must end with the same schema, and PostgreSQL records each migration by name.
Each released script is pinned here by its digest, in its place in the order; a migration
appended after them is free until it is released (then add its digest here)."""

from __future__ import annotations

import hashlib

from swarm_tui.store.pg.schema import PG_MIGRATIONS
from swarm_tui.store.schema import MIGRATIONS

SQLITE_RELEASED = [
    ("_V1", "c2fa9e4460d89179"),
    ("_V2", "053ae92e3771be30"),
    ("_V3", "5dfd2c360f11e81e"),
    ("_V4", "cc5e28e65f01747c"),
    ("_V5", "198b0df1771520d4"),
    ("_V6", "f041153d159d4e8d"),
    ("_V7", "28adfa7d6ea44a5a"),
    ("_GOALS", "3316240095b6fe10"),
    ("_EVALS", "e7be21478c31f1be"),
    ("_WORKSPACES", "e11a2a2dbc8444b7"),
    ("_HOLDS", "002a9351b1b14211"),
    ("_PROVIDER_SLOTS", "8ba946ea6b3c4a85"),
    ("_CHILDREN", "f1ec392f9ec227fe"),
    ("_EVAL_FEED", "03f67183a3d4ecee"),
]
"""``(constant, sha256 prefix)`` of ``MIGRATIONS[i]`` (store/schema/)."""

PG_RELEASED = [
    ("_BASE", "9dbce7611e51295d"),
    ("_GOALS", "4cc4ec04e0ea7dd9"),
    ("_EVALS", "7f3e98f51ac4711e"),
    ("_WORKSPACES", "a22c5b5182ee2188"),
    ("_HOLDS", "3c49b0ef17aeaa0b"),
    ("_PROVIDER_SLOTS", "c86bf558b0ec6b1a"),
    ("_CHILDREN", "19bef702b9bbc202"),
    ("_EVAL_FEED", "0694d25fe03ae648"),
]
"""``(name, sha256 prefix)`` of ``PG_MIGRATIONS[i]`` (store/pg/schema/)."""


def _digest(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()[:16]


def test_no_released_sqlite_migration_is_edited_or_moved() -> None:
    assert len(MIGRATIONS) >= len(SQLITE_RELEASED), "a released SQLite migration was removed"
    changed = [
        f"MIGRATIONS[{i}] ({name})"
        for i, (name, digest) in enumerate(SQLITE_RELEASED)
        if _digest(MIGRATIONS[i]) != digest
    ]
    assert not changed, f"{', '.join(changed)} changed: append a new migration instead"


def test_no_released_postgres_migration_is_edited_moved_or_renamed() -> None:
    assert len(PG_MIGRATIONS) >= len(PG_RELEASED), "a released PostgreSQL migration was removed"
    changed = [
        f"PG_MIGRATIONS[{i}] ({name})"
        for i, (name, digest) in enumerate(PG_RELEASED)
        if PG_MIGRATIONS[i][0] != name or _digest(PG_MIGRATIONS[i][1]) != digest
    ]
    assert not changed, f"{', '.join(changed)} changed: append a new migration instead"
