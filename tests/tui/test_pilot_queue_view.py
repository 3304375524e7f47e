"""The task queue as a supervisor reads it (issue 14): tasks in hand first, the cursor on what
is happening, columns that survive long titles at 80x24 and beside a side pane, the sort in
force marked, a filter over words (not figures), an empty ledger that says how to add work,
and a status bar that keeps the done count when compact."""

from __future__ import annotations

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.widgets.status_bar import StatusBar
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import Room, RoomFactory

LONG = "Compare the three retry strategies of every provider and write it all down " * 3


def lines(table: TaskTable) -> list[str]:
    """The table as drawn: one string per line of the widget (header first)."""
    return [table.render_line(y).text for y in range(table.size.height)]


def line_of(table: TaskTable, task_id: int) -> str:
    row = table.get_row_index(str(task_id))
    return lines(table)[row + 1 - int(table.scroll_y)]


def order(room: Room) -> list[int]:
    keys = [
        room.table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(room.table.row_count)
    ]
    return [int(k) for k in keys if k is not None and k.isdigit()]


async def test_tasks_in_hand_come_first_and_the_cursor_follows_its_task(room: Room) -> None:
    done = await room.submit("quick", title="done early")
    await room.wait_state(done.id, TaskState.SUCCEEDED)
    held = await room.submit("[hold] long job", title="running")
    await room.wait_held(held.id)
    paused = await room.submit("[hold] other", title="paused one", role="c")
    await room.wait_held(paused.id)
    await room.orch.pause(paused.id)
    queued = await room.submit("later", title="queued one", after=(held.id,))
    await room.wait_for(lambda: len(order(room)) == 4, "four rows")
    await room.wait_for(lambda: room.table.tasks[paused.id].state == TaskState.PAUSED, "paused")

    assert order(room) == [held.id, paused.id, queued.id, done.id]
    assert "state ▼" in lines(room.table)[0]  # the order in force is marked on its column

    await room.select(held.id)
    room.release()
    await room.wait_state(held.id, TaskState.SUCCEEDED)
    await room.wait_for(lambda: order(room)[-2:] == [held.id, done.id], "the row to move down")
    selected = room.table.selected_task
    assert selected is not None and selected.id == held.id  # the cursor went with it
    row = room.table.get_row_index(str(held.id))
    top = int(room.table.scroll_y)
    assert top <= row < top + room.table.size.height - 1  # and it is in view


async def test_a_restart_opens_on_what_is_happening(make_room: RoomFactory) -> None:
    async with make_room() as first:
        await first.orch.pause_all()
        ids = [(await first.submit(f"old {n}")).id for n in range(40)]
        for task_id in ids:
            await first.orch.cancel(task_id)
        await first.orch.resume_all()
        held = await first.submit("[hold] tonight's job", title="tonight")
        await first.wait_held(held.id)
    async with make_room(size=(80, 24), run_core=False) as second:
        table = second.table
        await second.wait_for(lambda: table.row_count == 41, "every row")
        selected = table.selected_task
        assert selected is not None and selected.id == held.id
        assert table.scroll_y == 0
        assert "tonight" in line_of(table, held.id)


async def test_long_titles_are_cut_and_the_figures_stay_at_80x24(make_room: RoomFactory) -> None:
    async with make_room(size=(80, 24)) as room:
        task = await room.submit("[hold] " + LONG, title=LONG.strip())
        await room.wait_held(task.id)
        line = line_of(room.table, task.id)
        assert "running" in line and "a · m1" in line and "0.0000" in line
        row = room.table.tasks[task.id]
        assert room.table._tokens(row) in line  # the live count: ledger + streamed so far
        assert "…" in line  # the title is what got cut
        assert "prio" in lines(room.table)[0]  # the priority shows at 80 columns too


async def test_a_side_pane_cuts_the_title_not_the_figures(room: Room) -> None:
    task = await room.submit("[hold] " + LONG, title=LONG.strip())
    await room.wait_held(task.id)
    await room.press("c")  # the cost pane opens beside the queue
    await room.wait_for(lambda: room.table.size.width < 100, "the queue to narrow")
    await room.wait_for(lambda: "0.0000" in line_of(room.table, task.id), "the cost column")
    line = line_of(room.table, task.id)
    assert "running" in line and "a · p" in line and "…" in line


async def test_s_marks_the_sorted_column_and_says_the_order(room: Room) -> None:
    await room.submit("one")
    await room.press("s")
    assert "id ▼" in lines(room.table)[0] and "state ▼" not in lines(room.table)[0]
    await room.press("s")
    assert "prio ▼" in lines(room.table)[0]
    assert any("sorted by priority: highest first" in n for n in room.notices())


async def test_the_filter_matches_words_not_figures(room: Room) -> None:
    await room.orch.pause_all()
    names = "abcdefghijkl"
    tasks = [await room.submit(f"task {c}", title=f"title {c}", role="b") for c in names]
    await room.wait_for(lambda: len(order(room)) == 12, "twelve rows")
    room.table.set_filter("1")
    assert order(room) == [tasks[0].id]  # id 1, not 10, 11, 12 nor "0/0" tokens
    room.table.set_filter("0")
    assert order(room) == []  # no token or cost figure matches
    assert "No task matches '0'" in lines(room.table)[1]
    room.table.set_filter("queued b title")
    assert len(order(room)) == 12


async def test_an_empty_ledger_says_how_to_add_a_task(make_room: RoomFactory) -> None:
    for size in ((120, 40), (80, 24)):
        async with make_room(size=size, run_core=False) as room:
            shown = "\n".join(lines(room.table))
            assert "n " in shown and "the new-task form" in shown
            assert "--tasks" in shown and 'swarm-tui submit "PROMPT"' in shown


async def test_the_compact_status_bar_keeps_the_done_count(make_room: RoomFactory) -> None:
    async with make_room(size=(80, 24)) as room:
        task = await room.submit("quick")
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        bar = room.app.query_one(StatusBar)
        await room.wait_for(lambda: "1 done" in bar.text, "the done count")
        assert room.app.compact
