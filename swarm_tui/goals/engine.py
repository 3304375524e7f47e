"""The goal engine: plan, approve, run the steps, gate them by review, synthesise.

Every decision is read back from the ledger (the goal's row and the tasks it spawned), and
every task is submitted with an idempotency key (``goal:ID:STEP#ROUND``), so
:meth:`GoalEngine.advance` can be called any number of times, by any process, after any
crash: a goal killed while planning or mid-run resumes where its ledger says it is. The
plan is stored before any of its tasks is created.

This module holds the commands and the driving; each state's move is its own module:
:mod:`~swarm_tui.goals.planning`, :mod:`~swarm_tui.goals.dispatch` (the steps, with the
review gates of :mod:`~swarm_tui.goals.gates`) and :mod:`~swarm_tui.goals.synthesis`, all
acting through :class:`~swarm_tui.goals.moves.GoalMoves`.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from swarm_tui.core.bus import Subscription
from swarm_tui.core.control import Control
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.events import TaskChanged
from swarm_tui.domain.goals import Goal, GoalState
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.goals.dispatch import advance_running
from swarm_tui.goals.figures import goal_figures
from swarm_tui.goals.moves import GoalMoves
from swarm_tui.goals.plan import Plan, plan_from_workflow, plan_worst_case, refusal
from swarm_tui.goals.planning import advance_planning, retry_plan
from swarm_tui.goals.synthesis import advance_synthesizing
from swarm_tui.goals.waiting import stalled
from swarm_tui.store.ledger import Ledger

__all__ = ["ACTIVE", "GoalEngine"]

ACTIVE = (GoalState.PLANNING, GoalState.RUNNING, GoalState.SYNTHESIZING)
"""Goals a running orchestrator moves on by itself."""


class GoalEngine:
    """Goals over a :class:`Control` (whose orchestrator runs the tasks)."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.settings = control.settings
        self.moves = GoalMoves(control)
        self._lock = asyncio.Lock()  # one advance at a time in this process

    @property
    def ledger(self) -> Ledger:
        return self.moves.ledger

    # ------------------------------------------------------------------ commands
    async def start(
        self,
        request: str,
        *,
        workflow: str | None = None,
        approve: bool = False,
        key: str | None = None,
    ) -> Goal:
        """A new goal: planned (or laid out from ``workflow``), then advanced once; with
        ``key``, the goal that has it if there is one."""
        if not request.strip():
            raise ControlError("a goal needs a request (what you want done)")
        if key is not None:
            existing = await self.ledger.goal_by_key(key)
            if existing is not None:
                return existing
        goals = self.settings.goals
        approve = approve or goals.auto_approve
        now = self.control.clock()
        if workflow is None:
            goal = await self.ledger.insert_goal(
                request, GoalState.PLANNING, now, pass_mark=goals.pass_mark,
                max_rounds=goals.max_rounds, approved=approve, key=key,
            )  # fmt: skip
            return await self.advance(goal.id)
        flow = self.settings.workflows.get(workflow)
        if flow is None:
            known = ", ".join(self.settings.workflows) or "none configured: see [workflows.NAME]"
            raise ControlError(f"unknown workflow {workflow!r} (known: {known})")
        plan = plan_from_workflow(flow)
        rounds = flow.max_rounds or goals.max_rounds
        why = refusal(self.settings, plan, rounds, self._task_usd())
        state = GoalState.REFUSED if why else (
            GoalState.RUNNING if approve else GoalState.AWAITING_APPROVAL
        )  # fmt: skip
        goal = await self.ledger.insert_goal(
            request, state, now, plan=plan.to_json(), workflow=workflow,
            pass_mark=flow.pass_mark or goals.pass_mark, max_rounds=rounds, approved=approve,
            key=key,
        )  # fmt: skip
        if why:
            await self.ledger.update_goal(goal.id, now, reason=why, finished_at=now)
        return await self.advance(goal.id)

    async def goals(self) -> list[Goal]:
        """Every goal, newest first."""
        return await self.ledger.list_goals()

    async def figures(self, goal: Goal) -> dict[str, Any]:
        """The goal's figures (see goals.figures)."""
        return await goal_figures(self.ledger, self.settings, goal, self.control.clock())

    def worst_case(self, plan: Plan, max_rounds: int) -> float:
        """The plan's worst-case cost: every step on its role's dearest model, every round
        of a gated step."""
        return plan_worst_case(self.settings, plan, max_rounds)

    async def goal(self, goal_id: int) -> Goal:
        return await self.moves.goal(goal_id)

    async def approve(self, goal_id: int, plan: Plan | None = None) -> Goal:
        """Run a plan that waits for approval (``plan``: an edited one, checked again)."""
        goal = await self.goal(goal_id)
        if goal.state != GoalState.AWAITING_APPROVAL:
            raise ControlError(f"goal #{goal_id} is {goal.state.value}, not awaiting approval")
        fields: dict[str, object] = {"state": GoalState.RUNNING, "approved": True}
        if plan is not None:
            why = refusal(self.settings, plan, goal.max_rounds, self._task_usd())
            if why:
                raise ControlError(f"the edited plan cannot run: {why}")
            fields["plan"] = plan.to_json()
        await self.ledger.update_goal(goal_id, self.control.clock(), **fields)
        return await self.advance(goal_id)

    async def resume(self, goal_id: int) -> Goal:
        """Advance a goal; one that waits for a person (``needs_human``) is taken up again
        first, once its cause is dealt with (a failed task retried, a plan fixed by hand):
        the planner gets one more try, a step its task's new state."""
        goal = await self.goal(goal_id)
        if goal.state == GoalState.NEEDS_HUMAN:
            back = GoalState.PLANNING if goal.plan is None else GoalState.RUNNING
            fields: dict[str, object] = {"state": back, "reason": None}
            if back == GoalState.PLANNING:
                await retry_plan(self.moves, goal)
            await self.ledger.update_goal(goal_id, self.control.clock(), **fields)
        return await self.advance(goal_id)

    async def cancel(self, goal_id: int) -> Goal:
        goal = await self.goal(goal_id)
        if goal.state.terminal:
            return goal
        for task in await self.ledger.goal_tasks(goal_id):
            if not task.state.terminal:
                # it may have ended since it was read (a planner that just answered)
                with contextlib.suppress(ControlError, InvalidTransition):
                    await self.control.cancel(task.id)
        now = self.control.clock()
        await self.ledger.update_goal(
            goal_id, now, state=GoalState.CANCELLED, reason="cancelled", finished_at=now
        )
        return await self.goal(goal_id)

    # ------------------------------------------------------------------ the state machine
    async def advance(self, goal_id: int) -> Goal:
        """Move the goal as far as its tasks allow now; returns it as it is then."""
        async with self._lock:
            goal = await self.goal(goal_id)
            tasks = await self.ledger.goal_tasks(goal_id)
            if goal.state == GoalState.PLANNING:
                await advance_planning(self.moves, goal, tasks)
            elif goal.state == GoalState.RUNNING:
                await advance_running(self.moves, goal, tasks)
            elif goal.state == GoalState.SYNTHESIZING:
                await advance_synthesizing(self.moves, goal, tasks)
            return await self.goal(goal_id)

    # ------------------------------------------------------------------ driving
    async def advance_active(self) -> bool:
        """Advance every goal in hand (planning, running, synthesizing); True when any of
        them moved (a new state or a new task)."""
        moved = False
        for goal in await self.ledger.list_goals(ACTIVE):
            before = (goal.state, len(await self.ledger.goal_tasks(goal.id)))
            after = await self.advance(goal.id)
            moved |= before != (after.state, len(await self.ledger.goal_tasks(goal.id)))
        return moved

    async def drive_active(self) -> None:
        """Advance the goals in hand whenever a task ends (or every ``[goals]
        poll_seconds``), until cancelled: what a headless run does beside its scheduling."""
        sub = self.control.bus.subscribe()
        try:
            while True:
                await self.advance_active()
                await self._next_end(sub)
        finally:
            sub.close()

    async def _next_end(self, sub: Subscription) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.goals.poll_seconds):
                while not any(_ended(e) for e in await sub.get()):
                    pass

    async def drive(self, goal_id: int) -> Goal:
        """Advance the goal whenever one of its tasks changes (or every ``[goals]
        poll_seconds``) until it ends or waits for a person. The orchestrator must run."""
        sub = self.control.bus.subscribe()
        try:
            while True:
                goal = await self.advance(goal_id)
                if goal.state.terminal or goal.state.waiting or stalled(goal):
                    return goal
                await self._next_end(sub)
        finally:
            sub.close()

    def _task_usd(self) -> float:
        """The per-task limit now: the config's, or as raised during the run."""
        return self.control.parts.spending.limit("task")


def _ended(event: object) -> bool:
    return isinstance(event, TaskChanged) and event.state.terminal
