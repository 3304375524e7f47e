"""The goals view says why a goal does not move: its planner's task is queued behind a paused
agent, and the goal's tree has a ``why:`` line naming it instead of sitting silently in
``planning``; resumed, the goal plans on and the line is gone."""

from __future__ import annotations

from swarm_tui.domain.goals import GoalState
from swarm_tui.tui.screens.goals import GoalsScreen
from tests.tui.conftest import Room
from tests.tui.test_pilot_goals import planner, tree_lines


async def test_the_goals_view_names_why_a_planning_goal_waits(room: Room) -> None:
    for provider in room.providers.values():
        provider.script = planner
    agent = room.orch.settings.default_agent
    await room.orch.pause_agent(agent)
    await room.press("g")
    screen = room.app.screen
    assert isinstance(screen, GoalsScreen)
    await room.press("n", *"write the launch post", "enter")
    said = f"why: task #1 (plan#1) is held: agent {agent} is paused (resume it)"

    async def explained() -> bool:
        await screen.reload()
        return said in tree_lines(screen)

    await room.wait_for(explained, "the goal to say why it waits", within=30)
    assert (await screen.engine.goal(1)).state == GoalState.PLANNING
    await room.orch.resume_agent(agent)

    async def planned() -> bool:
        return (await screen.engine.goal(1)).state == GoalState.AWAITING_APPROVAL

    await room.wait_for(planned, "the plan to wait for approval", within=30)
    await screen.reload()
    assert not any(line.startswith("why:") for line in tree_lines(screen))
