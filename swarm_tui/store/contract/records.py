"""The ledger contract's records: flags, tool calls, approvals and memory, consensus, goals,
evals and shadow samples, workspaces, spend. Each protocol names the SQLite part and its
PostgreSQL twin that keep it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from swarm_tui.domain.evals import EvalResult, EvalRunRow, ShadowSample
from swarm_tui.domain.goals import Goal, GoalState
from swarm_tui.domain.models import Task
from swarm_tui.domain.reads import ConsensusRow, ReportFigures, Totals
from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.spend import Spent
from swarm_tui.store.tools import Approval, MemoryEntry, ToolCallRecord

__all__ = [
    "ConsensusAPI",
    "EvalsAPI",
    "FlagsAPI",
    "GoalsAPI",
    "SpendAPI",
    "ToolsAPI",
    "WorkspacesAPI",
]


class FlagsAPI(Protocol):
    """SQLite: ``FlagRecords`` (flags.py); PostgreSQL: ``PgFlags`` (pg/records.py)."""

    async def flags(self) -> dict[str, str]: ...
    async def set_flag(self, name: str, value: str | None, now: float) -> None: ...


class ToolsAPI(Protocol):
    """SQLite: ``ToolRecords`` (tools.py); PostgreSQL: ``PgTools`` (pg/records.py)."""

    async def record_tool_call(self, rec: ToolCallRecord) -> None: ...
    async def tool_calls(
        self, *, task_id: int | None = None, attempt_id: int | None = None
    ) -> list[ToolCallRecord]: ...
    async def approval(self, agent: str, tool: str) -> Approval | None: ...
    async def set_approval(self, approval: Approval) -> None: ...
    async def memory(self, project: str, name: str) -> MemoryEntry | None: ...
    async def memories(self, project: str, prefix: str = "") -> list[MemoryEntry]: ...
    async def put_memory(
        self, project: str, name: str, content: str, author: str, now: float
    ) -> None: ...
    async def update_memory(
        self, project: str, name: str, change: Callable[[str], str], author: str, now: float
    ) -> bool: ...
    async def delete_memory(self, project: str, name: str) -> bool: ...
    async def rename_memory(
        self, project: str, old: str, new: str, author: str, now: float
    ) -> str | None: ...


class ConsensusAPI(Protocol):
    """SQLite: ``ConsensusRecords`` (consensus.py); PostgreSQL: ``PgConsensus``
    (pg/records.py)."""

    async def save_consensus(self, row: ConsensusRow, now: float) -> None: ...
    async def settle_consensus(
        self,
        row: ConsensusRow,
        result: str | None,
        now: float,
        *,
        extra_cost: float = 0.0,
        agent: str = "",
        event: str = "vote",
        to_state: str = "succeeded",
    ) -> bool: ...
    async def consensus(self, task_id: int) -> ConsensusRow | None: ...
    async def waiting_consensus(self) -> list[ConsensusRow]: ...
    async def consensus_since(self, since: float) -> list[ConsensusRow]: ...
    async def model_standing(self, models: Sequence[str], window: int) -> dict[str, float]: ...


class GoalsAPI(Protocol):
    """SQLite: ``GoalRecords`` (goals.py); PostgreSQL: ``PgGoals`` (pg/goals.py)."""

    async def insert_goal(
        self,
        request: str,
        state: GoalState,
        now: float,
        *,
        plan: str | None = None,
        workflow: str | None = None,
        pass_mark: int = 8,
        max_rounds: int = 2,
        approved: bool = False,
        key: str | None = None,
    ) -> Goal: ...
    async def update_goal(self, goal_id: int, now: float, **fields: Any) -> None: ...
    async def get_goal(self, goal_id: int) -> Goal | None: ...
    async def goal_by_key(self, key: str) -> Goal | None: ...
    async def list_goals(self, states: tuple[GoalState, ...] = ()) -> list[Goal]: ...
    async def goal_tasks(self, goal_id: int) -> list[Task]: ...


class EvalsAPI(Protocol):
    """SQLite: ``EvalRecords`` (evals.py); PostgreSQL: ``PgEvals`` (pg/evals.py)."""

    async def eval_run(self, name: str) -> EvalRunRow | None: ...
    async def eval_runs(self) -> list[EvalRunRow]: ...
    async def add_eval_run(
        self,
        name: str,
        set_name: str,
        digest: str,
        configs: Sequence[str],
        repeat: int,
        judge: str | None,
        now: float,
    ) -> EvalRunRow: ...
    async def save_eval_result(self, r: EvalResult) -> bool: ...
    async def eval_results(self, run_id: int) -> list[EvalResult]: ...
    async def eval_evidence(self) -> list[EvalResult]: ...
    async def save_eval_pair(
        self, run_id: int, case_id: str, a: str, b: str, rep: int, verdict: str, now: float
    ) -> None: ...
    async def eval_pairs(self, run_id: int) -> list[tuple[str, str, str, int, str]]: ...
    async def add_shadow(
        self, task_id: int, role: str, model: str, baseline: str, now: float
    ) -> bool: ...
    async def update_shadow(
        self,
        task_id: int,
        now: float,
        *,
        shadow_task_id: int | None = None,
        verdict: str | None = None,
        cost_usd: float | None = None,
    ) -> None: ...
    async def shadow_samples(self, since: float | None = None) -> list[ShadowSample]: ...


class WorkspacesAPI(Protocol):
    """SQLite: ``WorkspaceRecords`` (workspaces.py); PostgreSQL: ``PgWorkspaces``
    (pg/workspaces.py)."""

    async def save_workspace(self, row: WorkspaceRow) -> None: ...
    async def set_workspace(
        self, task_id: int, attempt: int, now: float, **fields: object
    ) -> bool: ...
    async def record_round(self, rec: RoundRecord, checks: Iterable[CheckRun]) -> None: ...
    async def record_refusal(
        self, task_id: int, attempt_id: int, tool: str, path: str, reason: str, now: float
    ) -> None: ...
    async def workspace_rows(
        self, task_id: int | None = None, states: Iterable[str] | None = None
    ) -> list[WorkspaceRow]: ...
    async def workspace_of(self, task_id: int) -> WorkspaceRow | None: ...
    async def workspace_rounds(self, task_id: int) -> list[RoundRecord]: ...
    async def check_runs(self, task_id: int) -> list[CheckRun]: ...


class SpendAPI(Protocol):
    """SQLite: ``SpendReads`` (spend.py); PostgreSQL: ``PgSpend`` (pg/records.py)."""

    async def totals(self) -> Totals: ...
    async def spent(self, owner: str, now: float) -> Spent: ...
    async def report_figures(self, since: float | None) -> ReportFigures: ...
