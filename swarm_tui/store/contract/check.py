"""mypy's proof that both ledgers keep the contract: :func:`sqlite_keeps_it` and
:func:`pg_keeps_it` type-check only while ``SqliteLedger`` and ``PgLedger`` each satisfy
:class:`~swarm_tui.store.contract.Ledger` (every method with its parameters and return type,
every attribute); mypy names the member that differs. Nothing calls them; nothing imports
this module at run time (so nothing here imports psycopg)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from swarm_tui.store.contract import Ledger
    from swarm_tui.store.ledger import SqliteLedger
    from swarm_tui.store.pg.ledger import PgLedger

__all__ = ["pg_keeps_it", "sqlite_keeps_it"]


def sqlite_keeps_it(ledger: SqliteLedger) -> Ledger:
    return ledger


def pg_keeps_it(ledger: PgLedger) -> Ledger:
    return ledger
