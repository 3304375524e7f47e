"""What the goal engine does to one goal: submit a step's task (with its idempotency key
``goal:ID:STEP#ROUND``), stop the goal or note why it waits, and the few reads each state
needs (the goal, who plans and synthesises, what holds an agent, a code step's change).

The planning, running and synthesizing moves (:mod:`~swarm_tui.goals.planning`,
:mod:`~swarm_tui.goals.dispatch`, :mod:`~swarm_tui.goals.synthesis`) act through it.
"""

from __future__ import annotations

from swarm_tui.core.control import Control
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.goals import Goal, GoalState, split_step
from swarm_tui.domain.models import TaskMode, TaskSpec
from swarm_tui.goals.prompts import diff_summary, schema_json
from swarm_tui.store.ledger import Ledger

__all__ = ["GoalMoves"]


class GoalMoves:
    """One goal's hands on the orchestrator (:class:`Control`) and its ledger."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.settings = control.settings

    @property
    def ledger(self) -> Ledger:
        return self.control.ledger

    def planner(self) -> str:
        goals = self.settings.goals
        if goals.planner:
            return goals.planner
        return "project-manager" if "project-manager" in self.settings.agents else (
            self.settings.default_agent
        )  # fmt: skip

    def synthesizer(self) -> str:
        return self.settings.goals.synthesizer or self.planner()

    async def goal(self, goal_id: int) -> Goal:
        goal = await self.ledger.get_goal(goal_id)
        if goal is None:
            raise ControlError(f"no goal #{goal_id}")
        return goal

    async def submit(
        self,
        goal: Goal,
        label: str,
        role: str,
        prompt: str,
        *,
        mode: TaskMode = TaskMode.SINGLE,
        schema: dict[str, object] | None = None,
        tags: tuple[str, ...] = (),
        project: str | None = None,
        after: tuple[int, ...] = (),
    ) -> None:
        name, number = split_step(label)
        spec = TaskSpec(
            prompt=prompt,
            title=f"goal #{goal.id} {name}" + (f" (round {number})" if number > 1 else ""),
            role=role,
            mode=mode,
            tags=("goal", *tags),
            key=f"goal:{goal.id}:{label}",
            goal_id=goal.id,
            step=label,
            output_schema=schema_json(schema) if schema is not None else None,
            project=project,
            after=after,
        )
        await self.control.submit([spec], [f"goal #{goal.id} step {label}"])

    async def stop(self, goal: Goal, state: GoalState, reason: str, **fields: object) -> None:
        now = self.control.clock()
        finished = now if state.terminal else None
        await self.ledger.update_goal(
            goal.id, now, state=state, reason=reason, finished_at=finished, **fields
        )

    async def note(self, goal: Goal, reason: str) -> None:
        """Say why a goal in hand does not move (a step waits for review, a task is held),
        or clear what was said once it moves again."""
        if (goal.reason or "") != reason:
            await self.ledger.update_goal(goal.id, self.control.clock(), reason=reason or None)

    def stopped(self, agent: str) -> str | None:
        """Why no attempt of ``agent`` starts now: a budget stop, or a pause of the swarm
        or of the agent (None: nothing stops it)."""
        if self.control.flags.paused_all():
            return "the swarm is paused (resume it)"
        if self.control.flags.agent_paused(agent):
            return f"agent {agent} is paused (resume it)"
        return self.control.parts.spending.stopped(agent)

    async def diff_summary(self, task_id: int) -> str:
        """A code step's change: its files with +/- counts and the checks' verdict."""
        review = await self.control.review_of(task_id)
        if review is None:
            return ""
        return diff_summary(review)
