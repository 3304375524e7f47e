"""The goals view in the room: ``g`` lists goals as trees of their steps; ``n`` starts one;
a waiting plan opens as an editable list: one step edited, one removed, approved, and the
run follows the edited plan (its tasks are the edited steps, the removed one never runs)."""

from __future__ import annotations

import json

from textual.widgets import Label, OptionList, TextArea, Tree

from swarm_tui.domain.goals import GoalState
from swarm_tui.providers.base import StreamRequest
from swarm_tui.tui.screens.goals import GoalNewScreen, GoalsScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen
from swarm_tui.tui.screens.plan_edit import PlanEditScreen
from tests.fakes import Script
from tests.tui.conftest import Room

PLAN = {
    "steps": [
        {"name": "draft", "role": "a", "prompt": "draft it", "depends_on": [],
         "mode": "single", "acceptance": ""},
        {"name": "check", "role": "b", "prompt": "check it", "depends_on": ["draft"],
         "mode": "single", "acceptance": ""},
        {"name": "ship", "role": "c", "prompt": "ship it", "depends_on": ["check"],
         "mode": "single", "acceptance": ""},
    ]
}  # fmt: skip


def planner(request: StreamRequest) -> Script:
    if request.output is not None and request.output.name == "plan":
        return Script(tokens=[json.dumps(PLAN)])
    return Script(tokens=["done"])


def tree_lines(screen: GoalsScreen) -> list[str]:
    tree: Tree[int] = screen.query_one(Tree)
    out = []
    for node in tree.root.children:
        out.append(str(node.label))
        out += [str(child.label) for child in node.children]
    return out


async def test_goal_started_in_the_room_plan_edited_and_approved(room: Room) -> None:
    for provider in room.providers.values():
        provider.script = planner
    await room.press("g")
    screen = room.app.screen
    assert isinstance(screen, GoalsScreen)
    assert "No goals yet" in str(screen.query_one("#goals_empty", Label).render())
    await room.press("n")
    assert isinstance(room.app.screen, GoalNewScreen)
    await room.press(*"write the launch post", "enter")

    async def waiting() -> bool:
        goals = await screen.engine.goals()
        return bool(goals) and goals[0].state == GoalState.AWAITING_APPROVAL

    await room.wait_for(waiting, "the plan to wait for approval")
    await screen.reload()
    lines = tree_lines(screen)
    assert lines[0].startswith("#1 awaiting_approval · 0/3 steps") and "launch post" in lines[0]
    assert any(line.startswith("plan#1 succeeded") for line in lines)
    assert "draft waiting (a)" in lines

    await room.press("a")
    editor = room.app.screen
    assert isinstance(editor, PlanEditScreen)
    assert "3 step(s); worst case $" in str(editor.query_one("#plan_cost", Label).render())
    await room.press("e")  # the first step's prompt
    assert isinstance(room.app.screen, MemoryEditScreen)
    room.app.screen.query_one(TextArea).text = "draft it in two paragraphs"
    await room.press("ctrl+s")
    assert room.app.screen is editor
    await room.press("down", "x")  # remove "check": "ship" no longer depends on it
    options = editor.query_one(OptionList)
    assert options.option_count == 2
    assert "2 step(s)" in str(editor.query_one("#plan_cost", Label).render())
    await room.press("ctrl+s")
    assert room.app.screen is screen

    async def ended() -> bool:
        return (await screen.engine.goal(1)).state == GoalState.SUCCEEDED

    await room.wait_for(ended, "the goal to end", within=30)
    tasks = await room.orch.ledger.goal_tasks(1)
    assert [t.step for t in tasks] == ["plan#1", "draft#1", "ship#1", "synthesis#1"]
    assert "draft it in two paragraphs" in tasks[1].prompt
    assert "check" not in (await screen.engine.goal(1)).plan  # type: ignore[operator]
    await screen.reload()
    assert tree_lines(screen)[0].startswith("#1 succeeded · 2/2 steps")
