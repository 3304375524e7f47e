"""The service's goals over the socket: reads (every goal, one goal, its figures) and commands
(start, approve a plan, cancel) on the service's own goal engine.

The engine's decisions are read back from the ledger, so this engine and the one that moves
goals on beside the service's run (``goals.run.run_with_goals``) agree; a goal started here is
moved on by that one as its tasks end. A plan travels as its JSON (``Plan.to_json``).
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from pydantic import ValidationError

from swarm_tui.core.errors import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.goals import Goal
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.goals.plan import Plan
from swarm_tui.service.calls import CallFailed, carry_out
from swarm_tui.service.protocol import GOAL_CALLS

__all__ = ["GoalCalls", "call_goal"]


class GoalCalls:
    """What :data:`GOAL_CALLS` names, on a :class:`GoalEngine` over the service's orchestrator."""

    def __init__(self, orch: Orchestrator) -> None:
        self.orch = orch
        self.engine = GoalEngine(orch)

    async def goals(self) -> list[Goal]:
        """Every goal, newest first."""
        return await self.engine.goals()

    async def goal(self, goal_id: int) -> Goal:
        return await self.engine.goal(goal_id)

    async def goal_figures(self, goal_id: int) -> dict[str, Any]:
        """The goal's figures (its steps' states, times and costs; see goals.figures)."""
        return await self.engine.figures(await self.engine.goal(goal_id))

    async def goal_start(self, request: str) -> Goal:
        """A new goal, planned by the service's planner agent."""
        return await self.engine.start(request)

    async def goal_approve(self, goal_id: int, plan: str | None = None) -> Goal:
        """Run the plan that waits (``plan``: an edited one, as JSON, checked again)."""
        edited = None
        if plan is not None:
            try:
                edited = Plan.model_validate_json(plan)
            except ValidationError as exc:
                raise ControlError(f"the edited plan is not a plan: {exc}") from None
        return await self.engine.approve(goal_id, edited)

    async def goal_cancel(self, goal_id: int) -> Goal:
        return await self.engine.cancel(goal_id)


@functools.cache
def _hints(name: str) -> dict[str, Any]:
    return typing.get_type_hints(getattr(GoalCalls, name))


async def call_goal(calls: GoalCalls, name: str, args: dict[str, Any]) -> Any:
    """``calls.name(**args)`` with decoded arguments; the result encoded for JSON."""
    if name not in GOAL_CALLS:
        raise CallFailed("request", f"no call {name!r}")
    return await carry_out(name, getattr(calls, name), _hints(name), args, calls.orch.redactor)
