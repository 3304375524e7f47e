"""The task queue starts with the unfinished tasks and the newest finished ones; older history
comes a page at a time when asked for, its first line says how many are not listed; rows are
slim and finished ones beyond the limit are dropped oldest first."""

from __future__ import annotations

import dataclasses
import weakref

import pytest
from rich.text import Text
from textual._callback import invoke

from swarm_tui.domain.models import Task, TaskState
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.store.ledger import Ledger, NewTask
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from swarm_tui.tui.widgets.task_table import MORE, TaskTable
from tests.tui.conftest import Room, RoomFactory

NOW = 1000.0


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TaskTable, "FINISHED_ROWS", 5)
    monkeypatch.setattr(TaskTable, "SLACK", 2)


async def history(ledger: Ledger, finished: int, paused: int) -> list[int]:
    """``finished`` cancelled tasks, then ``paused`` paused ones (nothing dispatches)."""
    items = [NewTask(f"t{i}", f"p{i}", "a", 0, "single", (), None, ()) for i in range(finished)]
    items += [NewTask(f"w{i}", f"p{i}", "a", 0, "single", (), None, ()) for i in range(paused)]
    ids = [task_id for task_id, _ in await ledger.insert_tasks(items, NOW)]
    for n, task_id in enumerate(ids):
        state = TaskState.CANCELLED if n < finished else TaskState.PAUSED
        await ledger.transition(task_id, state, {TaskState.QUEUED}, NOW, event="setup")
    return ids


def listed(room: Room) -> list[int]:
    return sorted(room.table.tasks)


def more_line(room: Room) -> str:
    cell = room.table.get_cell(MORE, "title")
    return cell.plain if isinstance(cell, Text) else str(cell)


async def test_the_queue_lists_the_newest_finished_and_pages_older_ones_in(
    ledger: Ledger, make_room: RoomFactory
) -> None:
    ids = await history(ledger, finished=12, paused=2)
    async with make_room() as room:
        table = room.table
        # Both paused tasks and the five newest finished ones; seven older not listed.
        assert listed(room) == sorted(ids[7:12] + ids[12:])
        assert table.hidden == 7
        assert table.get_row_index(MORE) == 0  # the "older" line comes first
        assert more_line(room).startswith("7 older finished not listed")
        selected = table.selected_task  # what is happening, not the line (not a task)
        assert selected is not None and selected.id == ids[12]

        table.focus()
        table.move_cursor(row=0)
        await room.press("enter")  # asks for the next page (no detail screen opens)
        await room.wait_for(lambda: table.hidden == 2, "the next page")
        assert listed(room) == sorted(ids[2:12] + ids[12:])
        assert more_line(room).startswith("2 older finished not listed")
        assert table.get_row_index(MORE) == 0
        in_order = [*ids[12:], *reversed(ids[2:12])]  # in hand first, then newest finished
        assert [table.get_row_index(str(i)) for i in in_order] == list(range(1, 13))
        assert not any("no task selected" in n for n in room.notices())

        table.move_cursor(row=0)
        await room.press("enter")
        await room.wait_for(lambda: MORE not in table.rows, "the last page")
        assert listed(room) == sorted(ids)
        assert table.hidden == 0


async def test_rows_are_slim_and_finished_ones_are_capped(
    ledger: Ledger, make_room: RoomFactory
) -> None:
    ids = await history(ledger, finished=3, paused=0)
    async with make_room() as room:
        table = room.table
        assert table.hidden == 0 and MORE not in table.rows
        await room.select(ids[0])
        for n in range(6):  # six more tasks finish while the room is open
            task = await room.submit(f"job {n}", role="c")
            await room.wait_state(task.id, TaskState.SUCCEEDED)
        # Nine finished: at the eighth, over the limit (5) by more than SLACK (2), the three
        # oldest rows were dropped; the ninth is listed again.
        await room.wait_for(lambda: table.hidden == 3, "the oldest finished rows dropped")
        held = sorted(i for i, t in table.tasks.items() if t.state.terminal)
        assert len(held) == 6 and held[1] > ids[-1]
        assert held[0] == ids[0] == table.selected_task.id  # the selected row is never dropped
        assert more_line(room).startswith("3 older finished not listed")
        await room.select(held[2])
        for n in range(2):  # eleven finished: the three oldest unselected rows are dropped
            task = await room.submit(f"one more {n}", role="c")
            await room.wait_state(task.id, TaskState.SUCCEEDED)
        await room.wait_for(lambda: table.hidden == 6, "the next oldest rows dropped")
        assert sorted(i for i, t in table.tasks.items() if t.state.terminal)[0] == held[2]
        assert table.selected_task is not None and table.selected_task.id == held[2]
        for row in table.tasks.values():
            assert type(row) is TaskRow
            names = {f.name for f in dataclasses.fields(row)}
            assert not names & {"prompt", "result", "error"}
        selected = table.tasks[held[-1]]
        await room.select(selected.id)
        await room.press("i")  # the detail screen reads the full task from the ledger
        detail = room.app.screen
        assert isinstance(detail, TaskDetailScreen)
        assert isinstance(detail.task_, Task) and detail.task_.result == "hello world"


async def test_a_long_queue_lists_the_next_to_run_and_pages_the_rest_in(
    ledger: Ledger, make_room: RoomFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TaskTable, "QUEUED_ROWS", 3)
    priorities = [0, 5, 0, 5, 1, 0, 0, 1]
    items = [
        NewTask(f"q{i}", "p", "a", prio, "single", (), None, ())
        for i, prio in enumerate(priorities)
    ]
    ids = [task_id for task_id, _ in await ledger.insert_tasks(items, NOW)]
    order = sorted(ids, key=lambda i: (-priorities[ids.index(i)], i))  # dispatch order
    done = await history(ledger, finished=2, paused=0)
    async with make_room(run_core=False) as room:  # the test is the scheduler: nothing runs
        table = room.table
        assert listed(room) == sorted(order[:3] + done)
        assert (table.hidden_queued, table.hidden_finished) == (5, 0)
        assert more_line(room).startswith("5 queued not listed")
        table.focus()
        for shown, left in ((6, 2), (8, 0)):
            table.move_cursor(row=table.get_row_index(MORE))
            await room.press("enter")
            await room.wait_for(lambda left=left: table.hidden_queued == left, "a queued page")
            assert listed(room) == sorted(order[:shown] + done)
        assert MORE not in table.rows
        # The queue that was not listed at start runs like any other.
        assert await room.orch.tick() > 0


async def test_the_room_sweeps_its_garbage_on_a_timer(room: Room) -> None:
    """The room's GC thresholds make full collections rare; removed panes and rows are
    reference cycles, so a timer runs a full collection (here: called as Textual calls it)."""

    class Node:
        def __init__(self) -> None:
            self.me = self

    dead = weakref.ref(Node())  # a cycle: only the cyclic collector frees it
    [timer] = [t for t in room.app._timers if t.name == "gc"]
    await invoke(timer._callback)
    assert dead() is None
