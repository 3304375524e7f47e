"""The queue's view keeps its order: a row that comes later takes its place in the order in
force (by id too)."""

from __future__ import annotations

from swarm_tui.core.models import TaskState
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import Room


def row_ids(table: TaskTable) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


async def test_a_row_that_comes_later_takes_its_place_by_id(room: Room) -> None:
    tasks = [await room.submit(f"[hold] job {n}", title=f"job {n}", role="a") for n in range(3)]
    for task in tasks:
        await room.wait_held(task.id)
    assert room.table.sort_index == 0  # by id
    await room.press("slash", *"paused", "enter")  # only paused tasks are listed
    assert row_ids(room.table) == []
    for task in (tasks[2], tasks[0]):  # the last one first
        await room.orch.pause(task.id)
        await room.wait_for(lambda t=task: str(t.id) in room.table.rows, f"#{task.id} listed")  # type: ignore[misc]
    assert row_ids(room.table) == [str(tasks[0].id), str(tasks[2].id)]
