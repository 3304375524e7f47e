"""The queue's view keeps its shape: the columns keep their widths while a filter is typed
and when it is cleared, and a row that comes later takes its place in the order in force (by
id too)."""

from __future__ import annotations

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import Room


def widths(table: TaskTable) -> dict[str, int]:
    return {str(key.value): column.get_render_width(table) for key, column in table.columns.items()}


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


async def test_the_columns_keep_their_widths_through_a_filter(room: Room) -> None:
    titles = ["summarise the design notes for the release", "translate README", "bench"]
    tasks = [await room.submit(t, title=t) for t in titles]
    for task in tasks:
        await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.wait_for(lambda: room.table.row_count == 3, "three rows")
    await room.wait_for(lambda: widths(room.table)["title"] > len(titles[0]), "wide titles")
    before = widths(room.table)

    await room.press("slash", *"haiku")
    assert room.table.row_count == 0
    assert widths(room.table) == before, "no column shrinks to its label while filtering"
    # Esc clears it: the rows are back at once, in columns as wide as before (nothing waits
    # for the table's next idle pass to measure them again)
    room.app.key_escape()
    assert room.table.row_count == 3
    assert widths(room.table) == before
    await room.settle()
    assert widths(room.table) == before
