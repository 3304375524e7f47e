"""The plan editor adds a step: ``n`` asks its role, its prompt and the step it depends on;
the edited plan is approved and the run includes the new step, after its dependency and
given its result."""

from __future__ import annotations

from textual.widgets import Label, OptionList, TextArea

from swarm_tui.domain.goals import GoalState
from swarm_tui.tui.screens.goals import GoalsScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen
from swarm_tui.tui.screens.plan_edit import PlanEditScreen
from tests.tui.conftest import Room
from tests.tui.test_pilot_goals import planner
from tests.tui.test_pilot_task_keys import choose


async def test_a_step_added_in_the_plan_editor_runs(room: Room) -> None:
    for provider in room.providers.values():
        provider.script = planner
    await room.press("g")
    screen = room.app.screen
    assert isinstance(screen, GoalsScreen)
    await room.press("n", *"write the launch post", "enter")

    async def waiting() -> bool:
        goals = await screen.engine.goals()
        return bool(goals) and goals[0].state == GoalState.AWAITING_APPROVAL

    await room.wait_for(waiting, "the plan to wait for approval")
    await room.press("a")
    editor = room.app.screen
    assert isinstance(editor, PlanEditScreen)
    await room.press("down", "n")  # a step after "check"
    await choose(room, "b")  # its role
    prompt = room.app.screen
    assert isinstance(prompt, MemoryEditScreen)
    prompt.query_one(TextArea).text = "translate it into French"
    await room.press("ctrl+s")
    await choose(room, "check")  # the highlighted step is offered first
    assert room.app.screen is editor
    await room.press("m", "m", "m")  # its mode: consensus, review, back to single
    options = editor.query_one(OptionList)
    assert options.option_count == 4
    line = str(options.get_option_at_index(2).prompt)
    assert line.startswith("step4 (b, single) after check: translate it into French"), line
    assert "4 step(s)" in str(editor.query_one("#plan_cost", Label).render())
    await room.press("ctrl+s")
    assert room.app.screen is screen  # type: ignore[comparison-overlap]

    async def ended() -> bool:
        return (await screen.engine.goal(1)).state == GoalState.SUCCEEDED

    await room.wait_for(ended, "the goal to end", within=30)
    tasks = await room.orch.ledger.goal_tasks(1)
    steps = [t.step for t in tasks]
    assert "step4#1" in steps and steps.index("step4#1") > steps.index("check#1")
    added = tasks[steps.index("step4#1")]
    assert added.role == "b" and "translate it into French" in added.prompt
    assert "## Result of step check" in added.prompt
    assert steps[-1] == "synthesis#1"
