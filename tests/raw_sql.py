"""SQL run on a ledger by another connection, outside swarm-tui (a hand-run ``sqlite3`` or
``psql``), on either backend: ``?`` placeholders, committed when it returns."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

__all__ = ["raw_sql"]


def raw_sql(ledger: Any, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` on ``ledger``'s database through a connection of its own; its rows."""
    if getattr(ledger, "backend", "sqlite") == "sqlite":
        con = sqlite3.connect(ledger.path)
        try:
            rows = [tuple(r) for r in con.execute(sql, tuple(args)).fetchall()]
            con.commit()
            return rows
        finally:
            con.close()
    import psycopg

    target = ledger.target
    with psycopg.connect(target.url, password=target.password(), autocommit=True) as con:
        cur = con.execute(sql.replace("?", "%s").encode(), tuple(args))
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
