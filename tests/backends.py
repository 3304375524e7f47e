"""A test's ledgers on one backend, by the path each lives at: ``sqlite`` (the file itself) or
``postgres`` (a new database on the session's server for each distinct path, its folder still
the path's folder for logs, worktrees and sockets). The ``backend`` fixture
(``tests/conftest.py``) gives one per backend; tests of the ledger's part in goals and
workspaces take it instead of opening ``SqliteLedger.open(path)`` themselves.

For commands run as processes (``swarm-tui goal``, ``review``, ``run --headless``),
:meth:`Backend.export` points ``$SWARM_TUI_DB_URL`` (and the password variable) at the
path's database, so that ``--db path`` keeps its folder and the ledger is on the server; and
:meth:`Backend.query` reads either backend with the same SQL (``?`` placeholders)."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.core.opening import URL_ENV
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.pg import PASSWORD_ENV, PgServer

__all__ = ["Backend"]


class Backend:
    def __init__(self, name: str, server: PgServer | None, monkeypatch: pytest.MonkeyPatch) -> None:
        self.name = name
        self.server = server
        self._monkeypatch = monkeypatch
        self._urls: dict[Path, str] = {}
        if server is not None:
            monkeypatch.setenv(PASSWORD_ENV, server.password)

    def __repr__(self) -> str:
        return self.name

    @property
    def postgres(self) -> bool:
        return self.server is not None

    def url(self, db: Path) -> str:
        """The database of ``db`` (made the first time; PostgreSQL only)."""
        assert self.server is not None, "a SQLite ledger has no URL"
        key = db.resolve()
        if key not in self._urls:
            self._urls[key] = self.server.create_database(f"b_{secrets.token_hex(6)}")
        return self._urls[key]

    async def open(self, db: Path, **kwargs: Any) -> Ledger:
        """The ledger at ``db`` on this backend (``SqliteLedger.open``'s keywords)."""
        kwargs.setdefault("commit_interval", 0.005)
        if self.server is None:
            return await SqliteLedger.open(db, **kwargs)
        from swarm_tui.store.pg.ledger import PgLedger
        from swarm_tui.store.pg.url import PgTarget

        db.parent.mkdir(parents=True, exist_ok=True)
        target = PgTarget(self.url(db), PASSWORD_ENV)
        return await PgLedger.open(target, db, **kwargs)

    def export(self, db: Path) -> None:
        """Commands started from now on (and in-process CLI calls) use ``db``'s ledger: on
        PostgreSQL through ``$SWARM_TUI_DB_URL``; on SQLite ``--db`` says it all."""
        if self.server is not None:
            self._monkeypatch.setenv(URL_ENV, self.url(db))

    def env(self, db: Path, base: dict[str, str]) -> dict[str, str]:
        """``base`` (a command's environment) pointed at ``db``'s ledger."""
        if self.server is None:
            return dict(base)
        return {**base, URL_ENV: self.url(db), PASSWORD_ENV: self.server.password}

    def query(self, db: Path, sql: str, args: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (``?`` placeholders) from ``db``'s ledger; [] while it has no
        schema yet."""
        if self.server is None:
            if not db.exists():
                return []
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError:  # schema not created yet
                return []
            finally:
                conn.close()
        import psycopg

        try:
            with psycopg.connect(
                self.url(db), password=self.server.password, connect_timeout=10
            ) as con:
                text = sql.replace("%", "%%").replace("?", "%s")
                cur = con.execute(text.encode(), args)
                return [tuple(r) for r in cur.fetchall()]
        except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
            return []  # not created yet, or its migrations under way
