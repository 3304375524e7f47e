"""The ledger contract's task half: reads of tasks and attempts, the queue's rows, claims and
the fenced writes. Each protocol names the SQLite part and its PostgreSQL twin that keep it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, Protocol

from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.domain.reads import QueueStart
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.claims import Claim
from swarm_tui.store.holds import HoldAsk
from swarm_tui.store.records import NewTask
from swarm_tui.store.writes import AttemptEnd

__all__ = ["ClaimsAPI", "TaskReadsAPI", "TaskRowsAPI", "TaskWritesAPI"]


class TaskReadsAPI(Protocol):
    """SQLite: ``TaskReads`` (task_reads.py); PostgreSQL: ``PgTaskReads`` (pg/task_reads.py)."""

    async def get_task(self, task_id: int) -> Task | None: ...
    async def get_tasks(self, ids: Iterable[int]) -> list[Task]: ...
    async def task_by_key(self, key: str) -> Task | None: ...
    async def list_tasks(self, states: Iterable[TaskState] | None = None) -> list[Task]: ...
    async def ready_tasks(self, now: float, limit: int) -> list[Task]: ...
    async def doomed_tasks(self) -> list[tuple[int, int, str]]: ...
    async def existing_ids(self, ids: Iterable[int]) -> set[int]: ...
    async def existing_keys(self, keys: Iterable[str]) -> dict[str, int]: ...
    async def dep_results(self, task_id: int) -> list[tuple[int, str, str]]: ...
    async def attempts(self, task_id: int) -> list[Attempt]: ...
    async def attempts_by_id(self, ids: Iterable[int]) -> list[Attempt]: ...
    async def running_attempts(self) -> list[Attempt]: ...
    async def failed_attempts(self, task_id: int) -> int: ...
    async def failed_by_model(self, task_id: int) -> dict[str, int]: ...
    async def events(self, task_id: int | None = None) -> list[tuple[str, int | None, str]]: ...


class TaskRowsAPI(Protocol):
    """SQLite: ``TaskRows`` (task_rows.py); PostgreSQL: ``PgTaskRows`` (pg/task_reads.py)."""

    async def recent_task_rows(self, finished: int, queued: int) -> QueueStart: ...
    async def queued_task_rows(
        self, after: tuple[int, int] | None, limit: int
    ) -> list[TaskRow]: ...
    async def older_task_rows(self, before_id: int, limit: int) -> list[TaskRow]: ...


class ClaimsAPI(Protocol):
    """SQLite: ``Claims`` (claims.py); PostgreSQL: ``PgClaims`` (pg/claims.py)."""

    async def claim_many(
        self, claims: Sequence[Claim], *, owner: str, now: float, lease_until: float
    ) -> list[Attempt | None]: ...
    async def claim(
        self,
        task_id: int,
        *,
        agent: str,
        provider: str,
        model: str,
        reason: str,
        owner: str,
        now: float,
        lease_until: float,
        hold: HoldAsk | None = None,
    ) -> Attempt | None: ...


class TaskWritesAPI(Protocol):
    """SQLite: ``TaskWrites`` (writes.py); PostgreSQL: ``PgTaskWrites`` (pg/task_writes.py)."""

    async def insert_tasks(self, batch: list[NewTask], now: float) -> list[tuple[int, bool]]: ...
    async def add_tasks(
        self, batch: list[NewTask], now: float
    ) -> list[tuple[int, Task | None]]: ...
    async def transition(
        self,
        task_id: int,
        to: TaskState,
        allowed_from: set[TaskState],
        now: float,
        *,
        event: str,
        fields: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> bool: ...
    async def update_task(self, task_id: int, now: float, event: str, **fields: Any) -> bool: ...
    async def finish_attempt(self, attempt: Attempt, end: AttemptEnd, now: float) -> bool: ...
    async def renew_leases(
        self, owner: str, now: float, lease_until: float, ids: Collection[int] | None = None
    ) -> int: ...
    async def recover(
        self,
        is_dead: Callable[[str], bool],
        now: float,
        orphans: Collection[int] = (),
        *,
        hold_after: int = 0,
        keep: Collection[int] = (),
    ) -> list[Attempt]: ...
    async def charge_abandoned(
        self, attempt_id: int, tokens_in: int, tokens_out: int, cost: float, now: float
    ) -> bool: ...
    def append_output(self, attempt_id: int, text: str) -> None: ...
