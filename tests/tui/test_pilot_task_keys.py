"""Keys that act on the selected task: dispatch now (d), pause/resume (p), reassign (r),
cancel (x), retry (R), priority (+/-). Each asserts what the ledger holds afterwards."""

from __future__ import annotations

from textual.widgets import OptionList

from swarm_tui.core.abandoned import settle_recovered
from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.tui.screens.choose import ChooseScreen
from tests.tui.conftest import Room, RoomFactory

# ---------------------------------------------------------------- dispatch now (d)


async def test_dispatch_starts_a_task_held_back_by_its_retry_backoff(room: Room) -> None:
    task = await room.submit("[flaky] try me", role="c")  # one model: no fallback

    async def failed_once() -> bool:
        attempts = await room.orch.attempts(task.id)
        return len(attempts) == 1 and attempts[0].state == AttemptState.FAILED

    await room.wait_for(failed_once, "the first (retryable) failure")
    queued = await room.orch.task(task.id)
    assert queued.state == TaskState.QUEUED
    assert queued.not_before > room.clock()  # an hour of back-off on a clock that never moves

    await room.select(task.id)
    await room.press("d")
    assert any(f"task #{task.id} started" in n for n in room.notices())
    done = await room.wait_state(task.id, TaskState.SUCCEEDED)
    assert [a.state for a in await room.orch.attempts(task.id)] == [
        AttemptState.FAILED,
        AttemptState.SUCCEEDED,
    ]
    assert done.result == "hello world"


async def test_dispatch_starts_a_task_below_the_swarm_limit(make_room: RoomFactory) -> None:
    async with make_room(max_concurrent=1) as room:
        first = await room.submit("[hold] important", priority=5)
        await room.wait_held(first.id)
        waiting = await room.submit("[hold] later", role="c")
        await room.settle()
        assert (await room.orch.task(waiting.id)).state == TaskState.QUEUED
        assert await room.orch.attempts(waiting.id) == []

        await room.select(waiting.id)
        await room.press("d")
        attempt = await room.wait_held(waiting.id)
        assert attempt.agent == "c"
        assert (await room.orch.task(waiting.id)).state == TaskState.RUNNING
        assert (await room.orch.task(first.id)).state == TaskState.RUNNING


async def test_dispatch_refuses_a_task_whose_dependencies_are_unfinished(room: Room) -> None:
    dep = await room.submit("[hold] the dependency")
    await room.wait_held(dep.id)
    task = await room.submit("after it", after=(dep.id,))
    await room.select(task.id)
    await room.press("d")
    assert any(f"waits for #{dep.id}" in n for n in room.notices())
    assert await room.orch.attempts(task.id) == []
    assert (await room.orch.task(task.id)).state == TaskState.QUEUED


async def test_dispatch_on_a_running_task_is_refused_with_a_notice(room: Room) -> None:
    task = await room.submit("[hold] busy")
    await room.wait_held(task.id)
    await room.select(task.id)
    await room.press("d")
    assert any("only queued tasks dispatch" in n for n in room.notices())
    assert len(await room.orch.attempts(task.id)) == 1


# ---------------------------------------------------------------- pause / resume (p)


async def test_pause_keeps_partial_output_and_resume_runs_it_to_success(room: Room) -> None:
    task = await room.submit("[hold] long job")
    await room.wait_held(task.id)
    await room.select(task.id)

    await room.press("p")
    paused = await room.wait_state(task.id, TaskState.PAUSED)
    [stopped] = await room.orch.attempts(task.id)
    assert stopped.state == AttemptState.STOPPED
    assert stopped.output == "partial"
    assert "pause" in (stopped.error or "")
    assert room.table.tasks[task.id].state == TaskState.PAUSED  # the row shows it at once
    assert paused.state == TaskState.PAUSED

    room.release()
    await room.press("p")
    done = await room.wait_state(task.id, TaskState.SUCCEEDED)
    first, second = await room.orch.attempts(task.id)
    assert (first.state, first.output) == (AttemptState.STOPPED, "partial")
    assert (second.state, second.output) == (AttemptState.SUCCEEDED, "partial output")
    assert done.result == "partial output"


async def test_pause_and_resume_a_queued_task(room: Room) -> None:
    dep = await room.submit("[hold] first")
    await room.wait_held(dep.id)
    task = await room.submit("second", after=(dep.id,))
    await room.select(task.id)
    await room.press("p")
    assert (await room.orch.task(task.id)).state == TaskState.PAUSED
    await room.press("p")
    assert (await room.orch.task(task.id)).state == TaskState.QUEUED
    assert await room.orch.attempts(task.id) == []


# ---------------------------------------------------------------- reassign (r)


async def choose(room: Room, value: str) -> None:
    """In the open ChooseScreen, move the highlight to ``value`` with the arrow keys, then
    press enter."""
    screen = room.app.screen
    assert isinstance(screen, ChooseScreen)
    options = screen.query_one(OptionList)
    assert options.has_focus
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    assert value in ids, ids
    options.highlighted = 0
    await room.pilot.press(*["down"] * ids.index(value))
    assert options.highlighted is not None
    assert options.get_option_at_index(options.highlighted).id == value
    await room.press("enter")


async def test_reassign_to_another_agent_keeps_output_and_runs_there(room: Room) -> None:
    task = await room.submit("[hold] move me")  # role a
    first = await room.wait_held(task.id)
    assert first.agent == "a"
    await room.select(task.id)
    await room.press("r")
    screen = room.app.screen
    assert isinstance(screen, ChooseScreen)
    labels = [str(o.prompt) for o in screen.query_one(OptionList).options]
    assert labels == ["agent b", "agent c", "model p1/m1", "model p2/m1"]
    await choose(room, "agent:b")

    assert not isinstance(room.app.screen, ChooseScreen)
    second = await room.wait_held(task.id)
    stopped, _ = await room.orch.attempts(task.id)
    assert (stopped.id, stopped.state, stopped.output) == (
        first.id,
        AttemptState.STOPPED,
        "partial",
    )
    assert (second.agent, second.provider) == ("b", "p2")
    assert (await room.orch.task(task.id)).agent == "b"  # the pin is used up by this attempt
    assert any(f"task #{task.id} reassigned to b" in n for n in room.notices())

    room.release()
    await room.wait_state(task.id, TaskState.SUCCEEDED)


async def test_reassign_to_a_model_pins_the_next_attempt(room: Room) -> None:
    task = await room.submit("[hold] pin me", role="c")  # agent c only uses p1/m1
    first = await room.wait_held(task.id)
    assert first.provider == "p1"
    await room.select(task.id)
    await room.press("r")
    await choose(room, "model:p2/m1")

    second = await room.wait_held(task.id)
    stopped, _ = await room.orch.attempts(task.id)
    assert (stopped.state, stopped.output) == (AttemptState.STOPPED, "partial")
    assert (second.agent, second.provider, second.model) == ("c", "p2", "m1")
    assert "pinned by reassign" in second.routing_reason
    assert (await room.orch.task(task.id)).provider == "p2"


async def test_escape_in_the_reassign_picker_changes_nothing(room: Room) -> None:
    task = await room.submit("[hold] stay")
    await room.wait_held(task.id)
    await room.select(task.id)
    await room.press("r")
    await room.press("escape")
    assert not isinstance(room.app.screen, ChooseScreen)
    [attempt] = await room.orch.attempts(task.id)
    assert attempt.state == AttemptState.RUNNING
    assert (await room.orch.task(task.id)).pin_agent is None


# ---------------------------------------------------------------- cancel (x)


async def test_cancel_a_running_task_keeps_its_partial_output(room: Room) -> None:
    task = await room.submit("[hold] doomed")
    await room.wait_held(task.id)
    await room.select(task.id)
    await room.press("x", "y")  # running: asks first
    await room.wait_state(task.id, TaskState.CANCELLED)
    [attempt] = await room.orch.attempts(task.id)
    assert (attempt.state, attempt.output) == (AttemptState.STOPPED, "partial")
    room.release()
    await room.settle()
    assert (await room.orch.task(task.id)).state == TaskState.CANCELLED


async def test_cancel_a_queued_task_and_refuse_to_cancel_a_finished_one(room: Room) -> None:
    done = await room.submit("quick")
    await room.wait_state(done.id, TaskState.SUCCEEDED)
    dep = await room.submit("[hold] blocker")
    await room.wait_held(dep.id)
    queued = await room.submit("waiting", after=(dep.id,))

    await room.select(queued.id)
    await room.press("x")
    assert (await room.orch.task(queued.id)).state == TaskState.CANCELLED
    assert await room.orch.attempts(queued.id) == []

    await room.select(done.id)
    await room.press("x")
    assert (await room.orch.task(done.id)).state == TaskState.SUCCEEDED
    assert room.notices("error"), "a refusal is shown, not swallowed"


# ---------------------------------------------------------------- retry (R)


async def test_retry_a_failed_task_queues_it_and_it_runs_again(room: Room) -> None:
    task = await room.submit("[fail-once] shaky", role="c")  # one model: no fallback
    failed = await room.wait_state(task.id, TaskState.FAILED)
    assert failed.error and "scripted failure" in failed.error
    await room.select(task.id)
    await room.press("R")
    done = await room.wait_state(task.id, TaskState.SUCCEEDED)
    assert [a.state for a in await room.orch.attempts(task.id)] == [
        AttemptState.FAILED,
        AttemptState.SUCCEEDED,
    ]
    assert done.error is None
    assert done.result == "hello world"


async def test_retry_refuses_a_task_that_did_not_fail(room: Room) -> None:
    task = await room.submit("fine")
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.select(task.id)
    await room.press("R")
    assert room.notices("error")
    assert len(await room.orch.attempts(task.id)) == 1
    assert (await room.orch.task(task.id)).state == TaskState.SUCCEEDED


# ---------------------------------------------------------------- priority (+ / -)


async def test_plus_and_minus_change_the_priority_in_the_ledger(room: Room) -> None:
    dep = await room.submit("[hold] blocker")
    await room.wait_held(dep.id)
    task = await room.submit("waiting", after=(dep.id,), priority=2)
    await room.select(task.id)

    await room.press("plus")
    assert (await room.orch.task(task.id)).priority == 3
    await room.press("equals_sign")  # "=" is "+" without shift
    assert (await room.orch.task(task.id)).priority == 4
    await room.press("minus", "minus", "minus", "minus", "minus")
    assert (await room.orch.task(task.id)).priority == -1
    assert room.table.tasks[task.id].priority == -1
    assert room.table.get_cell(str(task.id), "prio") == "-1"


async def test_dispatch_for_a_paused_agent_says_so_and_starts_nothing(room: Room) -> None:
    await room.orch.pause_agent("b")
    task = await room.submit("for b", role="b")
    await room.select(task.id)
    await room.press("d")
    assert any("agent b is paused" in n for n in room.notices())
    assert await room.orch.attempts(task.id) == []
    assert (await room.orch.task(task.id)).state == TaskState.QUEUED


async def test_task_keys_with_an_empty_queue_say_no_task_is_selected(room: Room) -> None:
    for key in ("d", "p", "x", "R", "plus", "r", "f", "a"):
        await room.press(key)
    assert room.notices().count("no task selected") == 8
    assert await room.orch.tasks() == []
    assert await room.ledger.flags() == {}


async def test_a_held_poison_task_shows_held_with_why_and_p_queues_it_again(room: Room) -> None:
    dep = await room.submit("[hold] first")
    await room.wait_held(dep.id)
    task = await room.submit("poison", after=(dep.id,))
    now = room.clock()
    attempt = await room.orch.ledger.claim(
        task.id, agent="a", provider="p1", model="m1", reason="r", owner="gone:1:1",
        now=now, lease_until=now + 60,
    )  # fmt: skip
    assert attempt is not None
    lost = await room.orch.ledger.recover(lambda o: o == "gone:1:1", now, hold_after=1)
    await settle_recovered(room.orch.settings, room.orch.ledger, room.orch.bus, lost, now, str)

    def shown() -> list[str]:
        return [str(c) for c in room.table.get_row(str(task.id))]

    await room.wait_for(lambda: "held" in shown(), "the row shows the task held")
    assert any(f"task #{task.id} held after 1 abandoned attempts" in n for n in room.notices())
    await room.select(task.id)
    await room.press("p")
    again = await room.wait_state(task.id, TaskState.QUEUED)
    assert again.held is None and again.abandoned == 0
    await room.wait_for(lambda: "held" not in shown(), "the row no longer shows it held")
