"""Keys that act on agents and the whole swarm: pause/resume agent (a), pause/resume all (A),
and quit (q), which asks first when agents are running."""

from __future__ import annotations

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.tui.screens.choose import ConfirmScreen, QuitScreen
from swarm_tui.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import Room, RoomFactory


def status(room: Room) -> str:
    return str(room.app.query_one(StatusBar).render())


# ---------------------------------------------------------------- pause / resume agent (a)


async def test_pause_agent_stops_and_requeues_its_work_and_resume_restarts_it(room: Room) -> None:
    mine = await room.submit("[hold] agent a's job")  # role a
    other = await room.submit("[hold] agent c's job", role="c")
    await room.wait_held(mine.id)
    await room.wait_held(other.id)
    await room.select(mine.id)

    await room.press("a")
    assert (await room.ledger.flags()).get("paused_agent:a") == "1"
    assert room.orch.agent_paused("a")
    requeued = await room.wait_state(mine.id, TaskState.QUEUED)
    [stopped] = await room.orch.attempts(mine.id)
    assert (stopped.state, stopped.output) == (AttemptState.STOPPED, "partial")
    assert requeued.state == TaskState.QUEUED
    assert (await room.orch.task(other.id)).state == TaskState.RUNNING  # other agents go on
    await room.wait_for(lambda: "⏸ a" in status(room), "the status bar to show the pause")
    await room.settle()
    assert len(await room.orch.attempts(mine.id)) == 1, "a paused agent gets no new work"

    await room.press("a")
    assert "paused_agent:a" not in await room.ledger.flags()
    second = await room.wait_held(mine.id)
    assert second.agent == "a"
    assert second.number == 2
    assert "⏸" not in status(room)
    room.release()
    await room.wait_state(mine.id, TaskState.SUCCEEDED)
    await room.wait_state(other.id, TaskState.SUCCEEDED)


# ---------------------------------------------------------------- pause / resume all (A)


async def test_pause_all_stops_everything_and_resume_all_restarts_it(room: Room) -> None:
    one = await room.submit("[hold] one")
    two = await room.submit("[hold] two", role="c")
    await room.wait_held(one.id)
    await room.wait_held(two.id)

    await room.press("A")
    assert (await room.ledger.flags()).get("paused_all") == "1"
    for task in (one, two):
        await room.wait_state(task.id, TaskState.QUEUED)
        [stopped] = await room.orch.attempts(task.id)
        assert (stopped.state, stopped.output) == (AttemptState.STOPPED, "partial")
    late = await room.submit("submitted while paused", role="b")
    await room.settle()
    assert await room.orch.attempts(late.id) == []
    await room.wait_for(lambda: "ALL PAUSED" in status(room), "the status bar to show the pause")

    room.release()
    await room.press("A")
    assert "paused_all" not in await room.ledger.flags()
    for task in (one, two, late):
        await room.wait_state(task.id, TaskState.SUCCEEDED)
    assert [a.state for a in await room.orch.attempts(one.id)] == [
        AttemptState.STOPPED,
        AttemptState.SUCCEEDED,
    ]
    assert "ALL PAUSED" not in status(room)


# ---------------------------------------------------------------- quit (q)


async def test_quit_with_nothing_running_exits_at_once(room: Room) -> None:
    task = await room.submit("quick")
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.pilot.press("q")
    await room.pilot.pause()
    assert not isinstance(room.app.screen, ConfirmScreen)
    assert room.app._exit, "the app is on its way out"


async def test_quit_asks_first_and_no_keeps_running(room: Room) -> None:
    task = await room.submit("[hold] busy")
    await room.wait_held(task.id)
    await room.press("q")
    screen = room.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert "1 attempt(s) running" in screen.question
    await room.press("n")
    assert not isinstance(room.app.screen, ConfirmScreen)
    assert not room.app._exit
    [attempt] = await room.orch.attempts(task.id)
    assert attempt.state == AttemptState.RUNNING
    assert (await room.orch.task(task.id)).state == TaskState.RUNNING


async def test_quit_yes_exits_and_stop_requeues_the_running_work(make_room: RoomFactory) -> None:
    async with make_room() as room:
        task = await room.submit("[hold] interrupted")
        await room.wait_held(task.id)
        await room.press("q")
        assert isinstance(room.app.screen, ConfirmScreen)
        await room.pilot.press("y")
        await room.pilot.pause()
        assert room.app._exit
    # the app has closed; the caller (headless.run_app / runtime) then stops the core
    assert not room.app.is_running
    await room.orch.stop()
    requeued = await room.orch.task(task.id)
    assert requeued.state == TaskState.QUEUED
    [attempt] = await room.orch.attempts(task.id)
    assert (attempt.state, attempt.output) == (AttemptState.STOPPED, "partial")
    assert "shutdown" in (attempt.error or "")


async def test_ctrl_q_asks_first_too_and_asks_once(room: Room) -> None:
    task = await room.submit("[hold] busy")
    await room.wait_held(task.id)
    await room.press("ctrl+q")
    screen = room.app.screen
    assert isinstance(screen, QuitScreen), "ctrl+q must not stop running work unasked"
    assert "1 attempt(s) running" in screen.question
    await room.press("ctrl+q")  # again while the question is up: still one question
    assert room.app.screen is screen
    assert sum(isinstance(s, QuitScreen) for s in room.app.screen_stack) == 1
    await room.press("n")
    assert not isinstance(room.app.screen, ConfirmScreen)
    assert not room.app._exit
    assert (await room.orch.task(task.id)).state == TaskState.RUNNING


async def test_ctrl_q_with_nothing_running_exits_at_once(room: Room) -> None:
    await room.pilot.press("ctrl+q")
    await room.pilot.pause()
    assert not isinstance(room.app.screen, ConfirmScreen)
    assert room.app._exit


async def test_quit_can_hand_the_run_over_to_a_service(make_room: RoomFactory) -> None:
    """``h`` on the quit question: the room closes with ``handover`` set (cli/headless.py
    then stops this orchestrator, which puts the attempt back in the queue, and starts
    ``swarm-tui up`` for the ledger: tests/e2e/test_attach_tmux.py runs that end to end)."""
    async with make_room() as room:
        task = await room.submit("[hold] hand me over")
        await room.wait_held(task.id)
        await room.press("q")
        screen = room.app.screen
        assert isinstance(screen, QuitScreen)
        assert "Hand over (h)" in screen.question
        await room.pilot.press("h")
        await room.pilot.pause()
        assert room.app._exit and room.app.handover
    await room.orch.stop()
    assert (await room.orch.task(task.id)).state == TaskState.QUEUED  # for the service to take
    [attempt] = await room.orch.attempts(task.id)
    assert (attempt.state, attempt.output) == (AttemptState.STOPPED, "partial")


async def test_quit_stop_does_not_hand_over(make_room: RoomFactory) -> None:
    async with make_room() as room:
        task = await room.submit("[hold] stop me")
        await room.wait_held(task.id)
        await room.press("q")
        await room.pilot.press("y")
        await room.pilot.pause()
        assert room.app._exit and not room.app.handover
