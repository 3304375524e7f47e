"""The goal calls over the socket: the service's goal engine answers reads and commands, and
refuses what it refuses (an unknown goal, a plan that is not one, an empty request) with its
own message; nothing reaches the ledger then."""

from __future__ import annotations

import pytest

from swarm_tui.core.control import ControlError
from swarm_tui.domain.goals import GoalState
from swarm_tui.service.client import ServiceClient
from tests.service.test_socket import Served, served

__all__ = ["served"]  # the fixture, shared with the socket tests


async def test_goals_are_read_started_and_cancelled_over_the_socket(served: Served) -> None:
    client = await ServiceClient.connect(served.paths.ledger)
    try:
        assert await client.goals() == []
        with pytest.raises(ControlError, match="a goal needs a request"):
            await client.goal_start("   ")
        with pytest.raises(ControlError, match="no goal #9"):
            await client.goal(9)
        goal = await client.goal_start("write the launch post")
        assert goal.request == "write the launch post" and goal.state == GoalState.PLANNING
        assert [g.id for g in await client.goals()] == [goal.id]
        figures = await client.goal_figures(goal.id)
        assert [s["step"] for s in figures["steps"]] == ["plan#1"]  # the planner's task
        with pytest.raises(ControlError, match="not awaiting approval"):
            await client.goal_approve(goal.id)
        with pytest.raises(ControlError, match="the edited plan is not a plan"):
            await client.goal_approve(goal.id, plan='{"steps": "none"}')
        cancelled = await client.goal_cancel(goal.id)
        assert cancelled.state == GoalState.CANCELLED
        stored = await served.orch.ledger.get_goal(goal.id)
        assert stored is not None and stored.state == GoalState.CANCELLED
    finally:
        await client.close()
