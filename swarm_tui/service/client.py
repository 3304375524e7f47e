"""A running service's public API over its socket: the same async methods as the in-process
orchestrator (``submit``, ``cancel``, ``decide``...) and its events, for rooms and commands.

Replies come back as the very types the orchestrator returns (decoded by this class's own
type hints). A refusal raises :class:`ControlError` with the service's message; a lost
connection fails every call in flight with :class:`ServiceError`, ends :meth:`events`, and
sets :attr:`lost`. :meth:`reconnect` attaches the same client (its :attr:`bus` and whoever
listens to it) to the ledger's service again, a new ``up`` included.

It is what an attached room programs against (:class:`swarm_tui.service.room_api.SwarmAPI`,
which :class:`~swarm_tui.core.control.Control` satisfies too): what the room reads without
waiting (the flags, the attempts running, the tool calls held for a person) is kept current
from the service's events (``client_events``); the connection is ``client_socket``'s. This
module holds the calls only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.domain.evals import EvalResult, EvalRunRow, ShadowSample
from swarm_tui.domain.goals import Goal
from swarm_tui.domain.models import Attempt, Task, TaskSpec
from swarm_tui.domain.reads import QueueStart, ReportFigures, Totals
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.domain.workspaces import Review, ReviewOutcome
from swarm_tui.service.client_events import LOST_STATE, EventClient
from swarm_tui.service.client_socket import ServiceError
from swarm_tui.store.tools import MemoryEntry

if TYPE_CHECKING:
    from swarm_tui.core.budget import Line

__all__ = ["LOST_STATE", "ServiceClient", "ServiceError"]


class ServiceClient(EventClient):
    async def status(self) -> dict[str, Any]:
        """pid, version, ledger, clients attached (subscribers: of events), attempts running."""
        return dict(await self.call("service"))

    async def shutdown(self) -> None:
        """Stop the service (as ``swarm-tui down`` does)."""
        await self.call("shutdown")

    # -------------------------------------------------------------------------------------- reads
    async def task(self, task_id: int) -> Task:
        result: Task = await self._typed("task", task_id=task_id)
        return result

    async def tasks(self) -> list[Task]:
        result: list[Task] = await self._typed("tasks")
        return result

    async def recent_rows(self, finished: int, queued: int) -> QueueStart:
        result: QueueStart = await self._typed("recent_rows", finished=finished, queued=queued)
        return result

    async def queued_rows(self, after: tuple[int, int] | None, limit: int) -> list[TaskRow]:
        result: list[TaskRow] = await self._typed("queued_rows", after=after, limit=limit)
        return result

    async def older_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        result: list[TaskRow] = await self._typed("older_rows", before_id=before_id, limit=limit)
        return result

    async def attempts(self, task_id: int) -> list[Attempt]:
        result: list[Attempt] = await self._typed("attempts", task_id=task_id)
        return result

    async def totals(self) -> Totals:
        result: Totals = await self._typed("totals")
        return result

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        result: list[tuple[Task, ConsensusRecord]] = await self._typed("conflicts")
        return result

    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        result: ConsensusRecord | None = await self._typed("consensus_record", task_id=task_id)
        return result

    async def swarm_version(self) -> int:
        """A number that moves when the service's ledger changes (as ``Control``'s)."""
        result: int = await self._typed("swarm_version")
        return result

    async def tasks_by_id(self, ids: Iterable[int]) -> list[Task]:
        result: list[Task] = await self._typed("tasks_by_id", ids=list(ids))
        return result

    async def budget_lines(self) -> list[Line]:
        result: list[Line] = await self._typed("budget_lines")
        return result

    async def report_figures(self, since: float | None = None) -> ReportFigures:
        result: ReportFigures = await self._typed("report_figures", since=since)
        return result

    async def memories(self) -> list[MemoryEntry]:
        result: list[MemoryEntry] = await self._typed("memories")
        return result

    # -------------------------------------------------------------------------------------- tasks
    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]:
        result: list[tuple[Task, bool]] = await self._typed("submit", specs=specs, labels=labels)
        return result

    async def cancel(self, task_id: int) -> Task:
        result: Task = await self._typed("cancel", task_id=task_id)
        return result

    async def pause(self, task_id: int) -> Task:
        result: Task = await self._typed("pause", task_id=task_id)
        return result

    async def resume(self, task_id: int) -> Task:
        result: Task = await self._typed("resume", task_id=task_id)
        return result

    async def retry(self, task_id: int) -> Task:
        result: Task = await self._typed("retry", task_id=task_id)
        return result

    async def set_priority(self, task_id: int, priority: int) -> Task:
        result: Task = await self._typed("set_priority", task_id=task_id, priority=priority)
        return result

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        result: Task = await self._typed("reassign", task_id=task_id, agent=agent, model=model)
        return result

    async def dispatch_now(self, task_id: int) -> str:
        result: str = await self._typed("dispatch_now", task_id=task_id)
        return result

    # ----------------------------------------------------------------- agents and the whole swarm
    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        await self._typed("pause_agent", agent=agent, stop_running=stop_running)

    async def resume_agent(self, agent: str) -> None:
        await self._typed("resume_agent", agent=agent)

    async def pause_all(self, *, stop_running: bool = True) -> None:
        await self._typed("pause_all", stop_running=stop_running)

    async def resume_all(self) -> None:
        await self._typed("resume_all")

    # ------------------------------------------------------------ votes, approvals, shared memory
    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        result: Task = await self._typed("decide", task_id=task_id, label=label, note=note)
        return result

    async def review_of(self, task_id: int) -> Review | None:
        result: Review | None = await self._typed("review_of", task_id=task_id)
        return result

    async def review_accept(self, task_id: int) -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_accept", task_id=task_id)
        return result

    async def review_reject(self, task_id: int, note: str = "") -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_reject", task_id=task_id, note=note)
        return result

    async def review_send_back(self, task_id: int, note: str) -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_send_back", task_id=task_id, note=note)
        return result

    async def send_to_arbiter(self, task_id: int, model: str | None = None) -> Task:
        result: Task = await self._typed("send_to_arbiter", task_id=task_id, model=model)
        return result

    async def approve(self, approval_id: int, *, always: bool = False) -> bool:
        result: bool = await self._typed("approve", approval_id=approval_id, always=always)
        self._approvals = [p for p in self._approvals if p.id != approval_id]
        return result

    async def deny(self, approval_id: int) -> bool:
        result: bool = await self._typed("deny", approval_id=approval_id)
        self._approvals = [p for p in self._approvals if p.id != approval_id]
        return result

    async def save_memory(
        self, name: str, content: str, author: str = "human", project: str | None = None
    ) -> None:
        await self._typed("save_memory", name=name, content=content, author=author, project=project)

    async def remove_memory(self, name: str, project: str | None = None) -> bool:
        result: bool = await self._typed("remove_memory", name=name, project=project)
        return result

    async def memory_file(self, name: str, project: str | None = None) -> str | None:
        result: str | None = await self._typed("memory_file", name=name, project=project)
        return result

    # ---------------------------------------------------------------------------------- goals
    async def goals(self) -> list[Goal]:
        """Every goal of the service, newest first."""
        result: list[Goal] = await self._typed("goals")
        return result

    async def goal(self, goal_id: int) -> Goal:
        result: Goal = await self._typed("goal", goal_id=goal_id)
        return result

    async def goal_figures(self, goal_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self._typed("goal_figures", goal_id=goal_id)
        return result

    async def goal_start(self, request: str) -> Goal:
        result: Goal = await self._typed("goal_start", request=request)
        return result

    async def goal_approve(self, goal_id: int, plan: str | None = None) -> Goal:
        """Run the plan that waits (``plan``: an edited one as JSON, checked again)."""
        result: Goal = await self._typed("goal_approve", goal_id=goal_id, plan=plan)
        return result

    async def goal_cancel(self, goal_id: int) -> Goal:
        result: Goal = await self._typed("goal_cancel", goal_id=goal_id)
        return result

    # ---------------------------------------------------------------------------------- evals
    async def eval_runs(self) -> list[EvalRunRow]:
        """Every eval run in the service's ledger, oldest first."""
        result: list[EvalRunRow] = await self._typed("eval_runs")
        return result

    async def eval_results(self, run_id: int) -> list[EvalResult]:
        result: list[EvalResult] = await self._typed("eval_results", run_id=run_id)
        return result

    async def shadow_samples(self, since: float | None = None) -> list[ShadowSample]:
        result: list[ShadowSample] = await self._typed("shadow_samples", since=since)
        return result
