"""The new-task form (n): what it writes to the ledger, and what it refuses to write."""

from __future__ import annotations

from textual.widgets import Input, Label, Select, TextArea

from swarm_tui.domain.models import AttemptState, TaskMode, TaskState
from swarm_tui.tui.screens.new_task import NewTaskScreen
from tests.tui.conftest import Room


async def open_form(room: Room) -> NewTaskScreen:
    await room.press("n")
    screen = room.app.screen
    assert isinstance(screen, NewTaskScreen)
    return screen


async def test_form_writes_the_task_and_it_runs_to_success(room: Room) -> None:
    app, pilot, orch, _ = room
    dep = await room.submit("first, the dependency")
    await room.wait_state(dep.id, TaskState.SUCCEEDED)

    form = await open_form(room)
    assert form.query_one("#prompt", TextArea).has_focus
    await pilot.press(*"write a haiku")
    # role: open the Select and pick agent "c" with the keyboard
    form.query_one("#role", Select).focus()
    await pilot.press("enter", "down", "down", "enter")
    assert form.query_one("#role", Select).value == "c"
    form.query_one("#mode", Select).focus()  # consensus: agent c's model answers three times
    await pilot.press("enter", "down", "enter")
    assert form.query_one("#mode", Select).value == "consensus"
    priority = form.query_one("#priority", Input)
    priority.focus()
    await pilot.press("backspace", "7")
    assert priority.value == "7"
    form.query_one("#after", Input).focus()
    await pilot.press(*f"#{dep.id}")
    await room.press("ctrl+s")

    assert not isinstance(app.screen, NewTaskScreen)
    tasks = await orch.tasks()
    assert len(tasks) == 2
    task = tasks[-1]
    assert (task.prompt, task.role, task.priority, task.after, task.mode) == (
        "write a haiku",
        "c",
        7,
        (dep.id,),
        TaskMode.CONSENSUS,
    )
    assert any(f"task #{task.id} queued for c" in n for n in room.notices())

    done = await room.wait_state(task.id, TaskState.SUCCEEDED)
    assert done.result == "hello world"
    [attempt] = await orch.attempts(task.id)
    assert (attempt.agent, attempt.provider, attempt.state) == (
        "c",
        "consensus",
        AttemptState.SUCCEEDED,
    )
    await room.wait_for(lambda: room.table.tasks[task.id].state == TaskState.SUCCEEDED, "row")


async def test_form_refuses_an_empty_prompt_without_writing(room: Room) -> None:
    form = await open_form(room)
    await room.pilot.press(" ", " ")  # whitespace only
    await room.press("ctrl+s")
    assert room.app.screen is form
    assert "prompt is empty" in str(form.query_one("#error", Label).render())
    assert await room.orch.tasks() == []


async def test_form_refuses_a_non_integer_priority_without_writing(room: Room) -> None:
    form = await open_form(room)
    await room.pilot.press(*"do it")
    priority = form.query_one("#priority", Input)
    priority.focus()
    await room.pilot.press("backspace", *"high")  # letters are filtered out as they are typed
    assert priority.value == ""
    await room.pilot.press("-")  # a sign alone gets through the filter but is no number
    assert priority.value == "-"
    await room.press("ctrl+s")
    assert room.app.screen is form
    assert "whole number" in str(form.query_one("#error", Label).render())
    assert await room.orch.tasks() == []


async def test_escape_cancels_the_form_without_writing(room: Room) -> None:
    await open_form(room)
    await room.pilot.press(*"never mind")
    await room.press("escape")
    assert not isinstance(room.app.screen, NewTaskScreen)
    assert await room.orch.tasks() == []
