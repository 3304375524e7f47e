"""The ledger contract: what the core, the service, goals, evals, the runtime, the commands and
the room use of a ledger, as a :class:`typing.Protocol`. Two facades keep it structurally,
neither inheriting from it: the SQLite ``SqliteLedger`` (store/ledger.py) and the PostgreSQL
``PgLedger`` (store/pg/ledger.py). ``store/contract/check.py`` makes mypy prove it for both:
a method missing from one, or differing in a parameter (name, kind, type, default or not) or
its return type, fails ``make check``.

Both facades bind their parts' methods as instance attributes (``self.get_task =
tasks.get_task``); mypy checks those against the protocol's methods all the same.

Adding a method: declare it in its part's protocol (``tasks.py``, ``records.py``; the feed's
in ``store/changes.py``), write it in the SQLite part and its PostgreSQL twin, bind it in both
facades. Only what callers outside ``store/`` use belongs here: the writer, the connections,
``PgLedger.offset`` stay the backends' own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from swarm_tui.store.changes import ChangeFeed
from swarm_tui.store.contract.records import (
    ConsensusAPI,
    EvalsAPI,
    FlagsAPI,
    GoalsAPI,
    SpendAPI,
    ToolsAPI,
    WorkspacesAPI,
)
from swarm_tui.store.contract.swarm import ChildrenAPI, HoldsAPI, SlotsAPI
from swarm_tui.store.contract.tasks import ClaimsAPI, TaskReadsAPI, TaskRowsAPI, TaskWritesAPI

__all__ = [
    "ChangeFeed",
    "ChildrenAPI",
    "ClaimsAPI",
    "ConsensusAPI",
    "EvalsAPI",
    "FlagsAPI",
    "GoalsAPI",
    "HoldsAPI",
    "Ledger",
    "SlotsAPI",
    "SpendAPI",
    "TaskReadsAPI",
    "TaskRowsAPI",
    "TaskWritesAPI",
    "ToolsAPI",
    "WorkspacesAPI",
]


class Ledger(
    TaskReadsAPI,
    TaskRowsAPI,
    ClaimsAPI,
    TaskWritesAPI,
    FlagsAPI,
    ToolsAPI,
    ConsensusAPI,
    GoalsAPI,
    EvalsAPI,
    WorkspacesAPI,
    SpendAPI,
    HoldsAPI,
    SlotsAPI,
    ChildrenAPI,
    Protocol,
):
    """A ledger open on either backend (``core/opening.py`` opens it)."""

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        ...

    @property
    def path(self) -> Path:
        """The ledger file; on PostgreSQL the local folder's ledger path all the same (logs,
        worktrees and the service's socket live beside it)."""
        ...

    @property
    def created(self) -> bool:
        """This open made a new ledger."""
        ...

    @property
    def made_folder(self) -> bool:
        """This open also made the ledger's folder (SQLite; never on PostgreSQL)."""
        ...

    @property
    def changes(self) -> ChangeFeed:
        """The change feed (store/changes.py)."""
        ...

    async def integrity_check(self) -> str: ...
    async def data_version(self) -> int: ...
    async def log_event(
        self,
        ts: float,
        kind: str,
        task_id: int | None,
        attempt_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None: ...
    async def close(self) -> None: ...
