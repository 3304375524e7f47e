"""What the [ui] settings and the terminal size do to the room: keymap remaps, low bandwidth,
the bell on failure, the status bar's figures against the ledger, the compact 80x24 layout."""

from __future__ import annotations

import pytest

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.screens.new_task import NewTaskScreen
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.status_bar import StatusBar
from swarm_tui.tui.widgets.task_table import COLUMNS, COMPACT
from tests.tui.conftest import Room, RoomFactory, room_settings


def status(room: Room) -> str:
    return str(room.app.query_one(StatusBar).render())


# ---------------------------------------------------------------- keymap


async def test_keymap_moves_a_command_to_another_key(make_room: RoomFactory) -> None:
    async with make_room(ui={"keymap": {"new_task": "ctrl+n"}}) as room:
        await room.press("n")
        assert not isinstance(room.app.screen, NewTaskScreen), "n no longer opens the form"
        await room.press("ctrl+n")
        assert isinstance(room.app.screen, NewTaskScreen)
        await room.pilot.press(*"remapped")
        await room.press("ctrl+s")
        [task] = await room.orch.tasks()
        assert task.prompt == "remapped"
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        assert not room.notices("warning")


async def test_keymap_with_an_unknown_id_warns_and_keeps_the_rest(make_room: RoomFactory) -> None:
    keymap = {"launch_missiles": "m", "retry": "ctrl+r"}
    async with make_room(ui={"keymap": keymap}) as room:
        [warning] = room.notices("warning")
        assert "[ui.keymap] launch_missiles: no such command" in warning
        assert "new_task" in warning  # it names the ids that exist
        task = await room.submit("[fail] broken", role="c")
        await room.wait_state(task.id, TaskState.FAILED)
        await room.select(task.id)
        await room.press("R")  # retry's old key does nothing now
        assert len(await room.orch.attempts(task.id)) == 1
        assert (await room.orch.task(task.id)).state == TaskState.FAILED
        await room.press("ctrl+r")

        async def retried() -> bool:
            return len(await room.orch.attempts(task.id)) == 2

        await room.wait_for(retried, "a second attempt")


# ---------------------------------------------------------------- low bandwidth


async def test_low_bandwidth_flushes_streams_at_most_twice_a_second(
    make_room: RoomFactory,
) -> None:
    async with make_room(ui={"low_bandwidth": True, "stream_flush_ms": 50}) as room:
        assert room.app.bridge.flush >= 0.5
        assert room.app.bridge.totals_every >= 5.0
        assert room.app.animation_level == "none"
        task = await room.submit("still works")
        await room.wait_state(task.id, TaskState.SUCCEEDED)


async def test_normal_bandwidth_uses_the_configured_flush(make_room: RoomFactory) -> None:
    async with make_room(ui={"stream_flush_ms": 40}) as room:
        assert room.app.bridge.flush == pytest.approx(0.04)


# ---------------------------------------------------------------- status bar


async def test_status_bar_counts_and_rate_follow_the_ledger(room: Room) -> None:
    done = await room.submit("done")
    failed = await room.submit("[fail] broken", role="c")
    await room.wait_state(done.id, TaskState.SUCCEEDED)
    await room.wait_state(failed.id, TaskState.FAILED)
    running = await room.submit("[hold] running", role="b")
    await room.wait_held(running.id)
    waiting = await room.submit("waiting", after=(running.id,))
    await room.wait_for(lambda: "1 queued" in status(room), "the queued count")

    totals = await room.orch.totals()
    assert totals.by_state == {"succeeded": 1, "failed": 1, "running": 1, "queued": 1}
    text = status(room)
    for part in ("1 running", "1 queued", "1 failed", "1 done", f"${totals.cost_usd:.4f}"):
        assert part in text, (part, text)
    # two tokens streamed "now" on a clock that does not move: 2 tok/s over the 1 s floor
    assert "2 tok/s" in text

    room.clock.now += 60  # the rate window passes with nothing streamed
    await room.wait_for(lambda: "0 tok/s" in status(room), "the rate to decay")

    room.release()
    await room.wait_state(waiting.id, TaskState.SUCCEEDED)
    totals = await room.orch.totals()
    await room.wait_for(lambda: "3 done" in status(room), "the done count")
    text = status(room)
    assert "0 running" in text and "0 queued" in text and "1 failed" in text
    assert f"${totals.cost_usd:.4f}" in text


async def test_status_bar_shows_spend_against_the_budget(make_room: RoomFactory) -> None:
    settings = room_settings()
    budget = settings.budget.model_copy(update={"run_usd": 2.5})
    async with make_room(settings=settings.model_copy(update={"budget": budget})) as room:
        task = await room.submit("spend")
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        await room.wait_for(lambda: "/ $2.50" in status(room), "the budget")


# ---------------------------------------------------------------- bell on failure


async def test_a_failed_task_rings_the_bell(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    rings: list[int] = []
    monkeypatch.setattr(room.app, "bell", lambda: rings.append(1))
    ok = await room.submit("fine")
    await room.wait_state(ok.id, TaskState.SUCCEEDED)
    await room.settle()
    assert rings == []
    task = await room.submit("[fail] broken", role="b")
    await room.wait_state(task.id, TaskState.FAILED)
    await room.wait_for(lambda: rings != [], "the bell")
    assert any(f"task #{task.id} failed" in n for n in room.notices("error"))


async def test_no_bell_when_it_is_turned_off(
    make_room: RoomFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with make_room(ui={"bell": False}) as room:
        rings: list[int] = []
        monkeypatch.setattr(room.app, "bell", lambda: rings.append(1))
        task = await room.submit("[fail] broken", role="b")
        await room.wait_state(task.id, TaskState.FAILED)
        failed = f"task #{task.id} failed"
        await room.wait_for(lambda: any(failed in n for n in room.notices("error")), "notice")
        assert rings == []


# ---------------------------------------------------------------- compact layout


async def test_80x24_is_compact_and_still_shows_queue_streams_and_status(
    make_room: RoomFactory,
) -> None:
    async with make_room(size=(80, 24)) as room:
        table = room.table
        assert table.compact
        assert tuple(c.key.value for c in table.ordered_columns) == COMPACT
        assert len(COMPACT) < len(COLUMNS)
        task = await room.submit("[hold] small screen")
        attempt = await room.wait_held(task.id)
        streams = room.app.query_one(AgentStreams)
        await room.wait_for(lambda: attempt.id in streams.panels, "the stream panel")
        panel = streams.panels[attempt.id]
        await room.wait_for(lambda: "partial" in "".join(panel.lines), "the streamed text")
        for widget in (table, streams, panel, room.app.query_one(StatusBar)):
            assert widget.is_on_screen, widget
            assert widget.region.height > 0 and widget.region.width > 0, widget
        assert str(task.id) in table.rows
        assert "1 running" in status(room)

        await room.pilot.resize_terminal(120, 40)
        await room.settle()
        assert not table.compact
        assert tuple(c.key.value for c in table.ordered_columns) == COLUMNS
