"""The goals of the service a room is attached to, with the goal engine's own method names,
so the goals view and the plan editor take either (:class:`~swarm_tui.service.room_api.GoalsAPI`).

The service moves its goals on as their tasks end; :meth:`ServiceGoals.drive` only reads
the goal as it stands. A plan's worst-case cost is worked out here from the room's settings
(the same function the engine uses)."""

from __future__ import annotations

from typing import Any

from swarm_tui.config import Settings
from swarm_tui.domain.goals import Goal
from swarm_tui.goals.plan import Plan, plan_worst_case
from swarm_tui.service.client import ServiceClient

__all__ = ["ServiceGoals"]


class ServiceGoals:
    def __init__(self, client: ServiceClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def goals(self) -> list[Goal]:
        return await self.client.goals()

    async def goal(self, goal_id: int) -> Goal:
        return await self.client.goal(goal_id)

    async def figures(self, goal: Goal) -> dict[str, Any]:
        return await self.client.goal_figures(goal.id)

    async def start(self, request: str) -> Goal:
        return await self.client.goal_start(request)

    async def approve(self, goal_id: int, plan: Plan | None = None) -> Goal:
        return await self.client.goal_approve(goal_id, None if plan is None else plan.to_json())

    async def cancel(self, goal_id: int) -> Goal:
        return await self.client.goal_cancel(goal_id)

    async def drive(self, goal_id: int) -> Goal:
        """The service drives its goals: the goal as it stands."""
        return await self.client.goal(goal_id)

    def worst_case(self, plan: Plan, max_rounds: int) -> float:
        return plan_worst_case(self.settings, plan, max_rounds)
