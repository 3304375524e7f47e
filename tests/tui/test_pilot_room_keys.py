"""Running work in view and feedback for every key (issue 14): stream panes titled with their
attempt, every stream one key away (``l``), an empty streams area that says what shows there,
``x`` asking before it stops running work, ``+``/``-`` saying the new priority, and the vote
digits working when the voting pane opened by itself."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import OptionList, Static

from swarm_tui.config import ConsensusSettings
from swarm_tui.domain.models import TaskMode, TaskState
from swarm_tui.tui.screens.choose import ChooseScreen, ConfirmScreen
from swarm_tui.tui.screens.help import HelpScreen
from swarm_tui.tui.screens.stream_focus import StreamFocusScreen
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.voting_pane import VotingPane
from tests.tui.conftest import Room, RoomFactory, room_settings
from tests.tui.test_pilot_voting import own_answer


async def test_a_reassigned_task_shows_two_panes_titled_by_attempt(room: Room) -> None:
    task = await room.submit("[hold] first try", role="c")  # agent c: p1/m1 only
    first = await room.wait_held(task.id)
    await room.orch.reassign(task.id, model="p1/m1")  # same agent, same model: a new attempt
    second = await room.wait_held(task.id)
    assert second.id != first.id
    streams = room.app.query_one(AgentStreams)
    await room.wait_for(
        lambda: (
            {first.id, second.id} <= set(streams.panels)
            and streams.panels[first.id].info.state != "running"
        ),
        "both panes, the first ended",
    )
    titles = [str(streams.panels[a.id].border_title) for a in (first, second)]
    assert titles == [f"#{task.id} attempt 1 · c · p1/m1", f"#{task.id} attempt 2 · c · p1/m1"]


async def test_every_stream_is_one_key_away(make_room: RoomFactory) -> None:
    async with make_room(size=(80, 24)) as room:
        roles = ["a", "a", "b", "c"]
        tasks = [await room.submit(f"[hold] job {r}", title=f"job {r}", role=r) for r in roles]
        attempts = [await room.wait_held(t.id) for t in tasks]
        streams = room.app.query_one(AgentStreams)
        await room.wait_for(lambda: len(streams.running()) == 4, "four panes")
        last = streams.panels[attempts[-1].id]
        assert not last.in_view  # more streams than fit at 80x24

        await room.press("l")
        screen = room.app.screen
        assert isinstance(screen, ChooseScreen)
        listed = screen.query_one(OptionList)
        labels = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert len(labels) == 4
        assert all(f"#{t.id} attempt 1 ·" in label for t, label in zip(tasks, labels, strict=True))
        assert listed.has_focus and listed.highlighted == 0
        await room.press("down", "down", "down", "enter")
        focus = room.app.screen
        assert isinstance(focus, StreamFocusScreen) and focus.attempt_id == attempts[-1].id
        await room.press("escape")
        await room.wait_for(lambda: last.in_view, "the chosen pane scrolled into view")


async def test_the_empty_streams_area_says_what_shows_there(make_room: RoomFactory) -> None:
    async with make_room(size=(80, 24)) as room:
        hint = room.app.query_one("#streams-empty", Static)
        assert hint.display and hint.region.height > 0
        assert "one pane per running attempt" in str(hint.render())
        task = await room.submit("[hold] now something runs")
        await room.wait_held(task.id)
        await room.wait_for(lambda: not hint.display, "the hint to give way to the pane")


async def test_x_on_a_running_task_asks_first(make_room: RoomFactory) -> None:
    async with make_room(size=(80, 24)) as room:
        task = await room.submit("[hold] precious work", title="precious")
        await room.wait_held(task.id)
        await room.select(task.id)
        await room.press("x")
        assert isinstance(room.app.screen, ConfirmScreen)
        shown = " ".join(line.strip(" █▌") for line in screen_lines(room))
        assert "Cancel task #1 'precious'?" in shown and "the output so far is kept." in shown
        await room.press("n")
        assert (await room.orch.task(task.id)).state == TaskState.RUNNING
        await room.press("x")
        await room.press("y")
        await room.wait_state(task.id, TaskState.CANCELLED)
        assert f"task #{task.id} cancelled" in room.notices()


async def test_x_on_a_queued_task_cancels_at_once(room: Room) -> None:
    blocker = await room.submit("[hold] blocker")
    await room.wait_held(blocker.id)
    task = await room.submit("waits", after=(blocker.id,))
    await room.select(task.id)
    await room.press("x")
    await room.wait_state(task.id, TaskState.CANCELLED)


async def test_plus_and_minus_say_the_new_priority(room: Room) -> None:
    blocker = await room.submit("[hold] blocker")
    await room.wait_held(blocker.id)
    task = await room.submit("waits", after=(blocker.id,), priority=3)
    await room.select(task.id)
    await room.press("plus")
    assert f"task #{task.id}: priority 3 → 4" in room.notices()
    await room.press("minus", "minus")
    assert f"task #{task.id}: priority 4 → 3" in room.notices()
    await room.wait_for(lambda: room.table.tasks[task.id].priority == 2, "the row")


async def test_vote_digits_work_when_the_pane_opened_by_itself(make_room: RoomFactory) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings) as room:
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        pane = room.app.query_one(VotingPane)
        await room.wait_for(lambda: task.id in pane.conflicts, "the conflict in the pane")
        assert pane.display and not pane.has_focus_within  # it opened; the queue kept focus
        assert room.table.has_focus
        record = pane.conflicts[task.id].record
        blue = next(i for i, g in enumerate(record.groups, 1) if g.text == "Blue")
        await room.press(str(blue))
        done = await room.wait_state(task.id, TaskState.SUCCEEDED)
        assert done.result == "Blue"


async def test_digits_do_nothing_when_no_vote_waits(room: Room) -> None:
    task = await room.submit("[hold] no vote here")
    await room.wait_held(task.id)
    await room.press("1")
    assert not any("conflict" in n.lower() for n in room.notices())
    assert (await room.orch.task(task.id)).state == TaskState.RUNNING


# ---------------------------------------------------------------- keys you can find


def screen_lines(room: Room) -> list[str]:
    """The whole screen as drawn, one string per line."""
    return [strip.text for strip in room.app.screen._compositor.render_strips()]


async def test_the_footer_shows_keys_in_order_of_use_and_always_help_and_quit(
    make_room: RoomFactory,
) -> None:
    for size in ((120, 40), (80, 24)):
        async with make_room(size=size) as room:
            footer = screen_lines(room)[-1]
            assert footer.rstrip().endswith("? help q quit ^p palette"), footer
            first = [footer.index(k) for k in ("n new", "i detail", "f stream", "p pause")]
            assert first == sorted(first), footer
            keys = footer.split("? help")[0].split()
            assert len(keys) % 2 == 0  # whole "key name" pairs: nothing cut in half


async def test_the_footer_shows_the_vote_digits_while_a_vote_waits(make_room: RoomFactory) -> None:
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    async with make_room(settings=settings, size=(80, 24)) as room:
        room.providers["p1"].script = own_answer("Red")  # type: ignore[assignment]
        room.providers["p2"].script = own_answer("Blue")  # type: ignore[assignment]
        assert "1-9 vote" not in screen_lines(room)[-1]
        task = await room.submit("Which colour?", role="a", mode=TaskMode.CONSENSUS)
        pane = room.app.query_one(VotingPane)
        await room.wait_for(lambda: task.id in pane.conflicts, "the conflict in the pane")
        await room.wait_for(lambda: "1-9 vote" in screen_lines(room)[-1], "the vote key")
        assert screen_lines(room)[-1].startswith("1-9 vote")


async def test_the_palette_names_keys_as_typed(room: Room) -> None:
    await room.press("ctrl+p")
    palette = room.app.screen
    assert isinstance(palette, CommandPalette)
    await room.press(*"filter")
    options = palette.query_one(OptionList)
    await room.wait_for(lambda: options.option_count > 0, "the palette's hits")
    shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    assert any("Filter" in hit and "key /" in hit for hit in shown), shown
    assert not any("slash" in hit for hit in shown)


async def test_help_groups_the_rooms_commands_first_and_generic_keys_last(room: Room) -> None:
    await room.press("question_mark")
    screen = room.app.screen
    assert isinstance(screen, HelpScreen)
    titles = [title for title, _ in screen.sections]
    assert titles == ["The room", "This pane", "Tables, lists and scrolling"]
    room_keys = dict(screen.sections[0][1])
    assert list(room_keys)[:3] == ["n", "i", "f"]
    for key in ("h", "c", "M", "t", "l", "v", "?", "q", "/"):
        assert key in room_keys, key
    assert ("s", "Sort") in screen.sections[1][1]
    generic = [what for _, what in screen.sections[-1][1]]
    assert "Cursor down" in generic and "New task" not in generic
