"""The new-task form (n): what it writes to the ledger, and what it refuses to write."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label, Select, TextArea

from swarm_tui.config import ProjectConfig
from swarm_tui.domain.models import AttemptState, TaskMode, TaskState
from swarm_tui.tui.screens.new_task import NO_PROJECT, NewTaskScreen
from tests.tui.conftest import Room, RoomFactory, room_settings


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


async def test_project_follows_the_role_default_and_is_submitted(
    make_room: RoomFactory, tmp_path: Path
) -> None:
    """Agent b's default project is pre-selected when b is picked; "(none)" submits an
    explicit no-project (a text task even for b); a picked project is the task's."""
    base = room_settings()
    agents = dict(base.agents)
    agents["b"] = agents["b"].model_copy(update={"project": "api"})
    projects = {n: ProjectConfig(repo=str(tmp_path / n)) for n in ("api", "docs")}
    settings = base.model_copy(update={"agents": agents, "projects": projects})
    async with make_room(settings=settings, run_core=False) as room:
        form = await open_form(room)
        project = form.query_one("#project", Select)
        assert project.value == NO_PROJECT, "agent a (the default role) has no project"
        await room.pilot.press(*"fix the bug")
        form.query_one("#role", Select).focus()
        await room.pilot.press("enter", "down", "enter")
        assert form.query_one("#role", Select).value == "b"
        await room.wait_for(lambda: project.value == "api", "b's default project")
        await room.press("ctrl+s")
        form = await open_form(room)  # b again, but "(none)" picked by hand
        project = form.query_one("#project", Select)
        await room.pilot.press(*"just explain")
        form.query_one("#role", Select).focus()
        await room.pilot.press("enter", "down", "enter")
        await room.wait_for(lambda: project.value == "api", "b's default project")
        project.focus()
        await room.pilot.press("enter", "up", "enter")
        assert project.value == NO_PROJECT
        await room.press("ctrl+s")
        form = await open_form(room)  # a, with docs picked; then the role moves: docs stays
        project = form.query_one("#project", Select)
        await room.pilot.press(*"write docs")
        project.focus()
        await room.pilot.press("enter", "down", "down", "enter")
        assert project.value == "docs"
        form.query_one("#role", Select).focus()
        await room.pilot.press("enter", "down", "enter")
        await room.pilot.pause()
        assert project.value == "docs", "a project picked by hand does not follow the role"
        await room.press("ctrl+s")
        tasks = await room.orch.tasks()
    assert [(t.prompt, t.role, t.project) for t in tasks] == [
        ("fix the bug", "b", "api"),
        ("just explain", "b", None),
        ("write docs", "b", "docs"),
    ]
