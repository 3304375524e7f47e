"""The queue's view keeps its shape: the columns keep their widths while a filter is typed
and when it is cleared, and a row that comes later takes its place in the order in force (by
id too)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets.data_table import Column, ColumnKey

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.widgets.hardware_pane import HardwarePane
from swarm_tui.tui.widgets.task_table import TaskTable
from swarm_tui.tui.widgets.task_widths import CAPPED, READABLE_TITLE, fit_columns
from tests.tui.conftest import Room, RoomFactory


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


def dogfood_columns() -> dict[ColumnKey, Column]:
    """The demo room's queue as it was at 140 columns (content widths of its cells)."""
    content = {"id": 2, "title": 50, "role": 10, "state": 10, "agent · model": 26, "prio": 4,
               "elapsed": 7, "tokens": 6, "cost $": 6}  # fmt: skip
    return {
        ColumnKey(name): Column(ColumnKey(name), Text(name), width, width, auto_width=True)
        for name, width in content.items()
    }


def render_widths(columns: dict[ColumnKey, Column]) -> dict[str, int]:
    return {
        str(k.value): 2 + (c.content_width if c.auto_width else c.width) for k, c in columns.items()
    }


def test_a_long_agent_and_model_gives_way_to_the_title() -> None:
    """A queue of 110 cells with every column: ``generalist · local/smollm2`` whole would
    leave the title 21 cells, so it takes its compact width and the title reads; state,
    priority, tokens and cost stay whole, and everything fits."""
    columns = dogfood_columns()
    assert fit_columns(columns, 110, compact=False, padding=1)
    shown = render_widths(columns)
    assert shown["title"] - 2 >= READABLE_TITLE
    assert shown["agent · model"] - 2 == CAPPED["agent · model"][0]
    assert sum(shown.values()) <= 110, shown
    assert all(shown[n] == 2 + w for n, w in (("state", 10), ("prio", 4), ("cost $", 6)))
    wide = dogfood_columns()  # with room to spare, nothing is cut
    fit_columns(wide, 200, compact=False, padding=1)
    assert render_widths(wide)["agent · model"] == 2 + 26
    assert render_widths(wide)["title"] == 2 + 50


async def test_the_queue_beside_the_hardware_pane_shows_the_compact_columns(
    make_room: RoomFactory,
) -> None:
    """At 140 columns the hardware pane leaves the queue under 110 cells: role and elapsed
    go (as at 80 columns) and the title keeps the room; hiding the pane (``h``) brings them
    back, and so does a terminal wide enough for both."""
    title = "Summarise the queue's design notes for the release"
    async with make_room(size=(140, 40)) as room:
        task = await room.submit(title, title=title, role="a")
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        pane = room.app.query_one(HardwarePane)
        assert pane.display
        await room.wait_for(lambda: "role" not in widths(room.table), "the compact columns")
        await room.wait_for(lambda: widths(room.table)["title"] >= 32, "room for the title")
        room.table.focus()
        await room.press("h")
        await room.wait_for(lambda: not pane.display, "the hardware pane hidden")
        await room.wait_for(lambda: "role" in widths(room.table), "every column back")
        await room.press("h")
        await room.wait_for(lambda: "role" not in widths(room.table), "compact again")
        await room.pilot.resize_terminal(170, 40)
        await room.wait_for(lambda: "elapsed" in widths(room.table), "wide enough for both")
        assert pane.display
