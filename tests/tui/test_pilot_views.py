"""Keys that show things: detail (i / enter), focus (f / enter on a stream), filter (/), help
(?), the command palette (ctrl+p); and text for hidden streams kept until they show."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input, Log, Markdown, OptionList, Static

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.tui.screens.help import HelpScreen
from swarm_tui.tui.screens.stream_focus import StreamFocusScreen
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.stream_panel import StreamPanel
from tests.tui.conftest import Room, RoomFactory


def static_text(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


def row_ids(room: Room) -> list[str]:
    return sorted(str(key.value) for key in room.table.rows)


def keys_by_description(screen: HelpScreen) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for keys, description in screen.keys:
        found.setdefault(description, set()).update(keys.split())
    return found


def panel_of(room: Room, attempt_id: int) -> StreamPanel:
    return room.app.query_one(AgentStreams).panels[attempt_id]


# ---------------------------------------------------------------- detail (i)


async def test_detail_shows_prompt_attempts_with_routing_reasons_and_result(room: Room) -> None:
    task = await room.submit("[fail-once] explain the detail screen", title="detail me", role="c")
    await room.wait_state(task.id, TaskState.FAILED)
    await room.select(task.id)
    await room.press("R")
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    attempts = await room.orch.attempts(task.id)
    assert [a.state for a in attempts] == [AttemptState.FAILED, AttemptState.SUCCEEDED]

    await room.press("i")
    screen = room.app.screen
    assert isinstance(screen, TaskDetailScreen)
    text = screen.query_one("#detail", Markdown).source
    assert f"# Task #{task.id}: detail me" in text
    assert "state succeeded" in text
    assert "[fail-once] explain the detail screen" in text
    for attempt in attempts:
        assert f"## Attempt {attempt.number}: {attempt.state.value}" in text
        assert f"why: {attempt.routing_reason}" in text
    assert "p1/m1: weight 1 (100% of the mix)" in text  # agent c has one model
    assert "error: scripted failure" in text
    assert text.rstrip().endswith("## Result\n\nhello world")

    await room.press("escape")
    assert not isinstance(room.app.screen, TaskDetailScreen)


async def test_enter_on_a_task_row_opens_its_detail(room: Room) -> None:
    task = await room.submit("quick one")
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.select(task.id)
    await room.press("enter")
    screen = room.app.screen
    assert isinstance(screen, TaskDetailScreen)
    assert "quick one" in screen.query_one("#detail", Markdown).source


async def test_detail_with_no_task_selected_says_so(room: Room) -> None:
    await room.press("i")
    assert not isinstance(room.app.screen, TaskDetailScreen)
    assert "no task selected" in room.notices()


# ---------------------------------------------------------------- focus (f)


async def test_focus_shows_the_running_stream_and_text_keeps_arriving(room: Room) -> None:
    task = await room.submit("[hold] watch me", role="c")
    attempt = await room.wait_held(task.id)
    await room.wait_for(lambda: attempt.id in room.app.query_one(AgentStreams).panels, "panel")
    await room.wait_for(lambda: "partial" in "".join(panel_of(room, attempt.id).lines), "text")
    await room.select(task.id)

    await room.press("f")
    screen = room.app.screen
    assert isinstance(screen, StreamFocusScreen)
    assert screen.attempt_id == attempt.id
    log = screen.query_one(Log)
    assert "".join(log.lines) == "partial"
    assert log.border_title == f"#{task.id} attempt 1 · c · p1/m1"

    room.release()
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.wait_for(lambda: "".join(log.lines) == "partial output", "the rest of the text")
    assert (await room.orch.attempts(task.id))[0].output == "partial output"

    await room.press("escape")
    assert not isinstance(room.app.screen, StreamFocusScreen)
    assert "".join(panel_of(room, attempt.id).lines) == "partial output"


async def test_focus_on_a_task_without_a_stream_says_so(room: Room) -> None:
    dep = await room.submit("[hold] first")
    await room.wait_held(dep.id)
    task = await room.submit("never started", after=(dep.id,))
    await room.select(task.id)
    await room.press("f")
    assert not isinstance(room.app.screen, StreamFocusScreen)
    assert any(f"task #{task.id} has no live stream" in n for n in room.notices())


async def test_enter_on_a_stream_panel_opens_it_full_screen(room: Room) -> None:
    task = await room.submit("[hold] a stream")
    attempt = await room.wait_held(task.id)
    await room.wait_for(lambda: attempt.id in room.app.query_one(AgentStreams).panels, "panel")
    panel = panel_of(room, attempt.id)
    for _ in range(4):  # tab: task table -> hardware pane's model list -> streams pane
        if panel.has_focus:
            break
        await room.press("tab")
    assert panel.has_focus
    await room.press("enter")
    screen = room.app.screen
    assert isinstance(screen, StreamFocusScreen)
    assert screen.attempt_id == attempt.id


async def test_hidden_streams_keep_text_and_draw_it_when_shown(room: Room) -> None:
    watched = await room.submit("[hold] watched", role="c")  # p1
    hidden = await room.submit("[hold] behind", role="b")  # p2
    watched_attempt = await room.wait_held(watched.id)
    hidden_attempt = await room.wait_held(hidden.id)
    streams = room.app.query_one(AgentStreams)
    await room.wait_for(lambda: hidden_attempt.id in streams.panels, "the hidden stream's panel")
    await room.wait_for(lambda: "partial" in "".join(panel_of(room, hidden_attempt.id).lines), "")
    await room.select(watched.id)
    await room.press("f")
    assert isinstance(room.app.screen, StreamFocusScreen)
    assert room.app.screen.attempt_id == watched_attempt.id

    room.providers["p2"].release.set()  # only the hidden stream goes on
    await room.wait_state(hidden.id, TaskState.SUCCEEDED)
    panel = panel_of(room, hidden_attempt.id)
    await room.wait_for(lambda: panel.text() == "partial output", "text for the hidden panel")
    assert panel.stale
    assert "".join(panel.lines) == "partial", "nothing is written to a hidden log"

    await room.press("escape")
    assert not isinstance(room.app.screen, StreamFocusScreen)
    assert not panel.stale
    assert "".join(panel.lines) == "partial output"


# ---------------------------------------------------------------- filter (/)


async def test_filter_shows_matching_rows_and_escape_clears_it(room: Room) -> None:
    tasks = [
        await room.submit("alpha report", title="alpha report"),
        await room.submit("beta report", title="beta report", role="c"),
        await room.submit("gamma sketch", title="gamma sketch", role="c"),
    ]
    for task in tasks:
        await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.wait_for(lambda: room.table.row_count == 3, "three rows")
    box = room.app.query_one("#filter", Input)
    assert not box.display

    await room.press("slash")
    assert box.display and box.has_focus
    await room.press(*"report")
    assert row_ids(room) == [str(tasks[0].id), str(tasks[1].id)]
    await room.press("space", *"beta")  # every word must match
    assert row_ids(room) == [str(tasks[1].id)]

    await room.press("escape")
    assert not box.display
    assert box.value == ""
    assert room.table.row_count == 3
    assert room.table.has_focus


async def test_filter_enter_keeps_the_filter_and_new_rows_respect_it(room: Room) -> None:
    first = await room.submit("keep me", title="keep me")
    await room.wait_state(first.id, TaskState.SUCCEEDED)
    await room.press("slash", *"keep", "enter")
    assert room.table.has_focus
    other = await room.submit("other", title="other")
    match = await room.submit("keep too", title="keep too")
    await room.wait_state(other.id, TaskState.SUCCEEDED)
    await room.wait_state(match.id, TaskState.SUCCEEDED)
    assert row_ids(room) == [str(first.id), str(match.id)]


# ---------------------------------------------------------------- help (?)


async def test_help_lists_every_key_command(room: Room) -> None:
    await room.press("question_mark")
    screen = room.app.screen
    assert isinstance(screen, HelpScreen)
    keys = keys_by_description(screen)
    for description, key in [
        ("New task", "n"), ("Dispatch now", "d"), ("Pause/resume task", "p"),
        ("Pause/resume agent", "a"), ("Pause/resume all", "A"), ("Reassign", "r"),
        ("Cancel", "x"), ("Retry", "R"), ("Priority +", "+"), ("Priority -", "-"),
        ("Detail", "i"), ("Focus stream", "f"), ("Filter", "/"), ("Help", "?"), ("Quit", "q"),
    ]:  # fmt: skip
        assert description in keys, description
        assert key in keys[description], (description, keys[description])
    assert "New task" in static_text(screen, "#help-text")
    await room.press("escape")
    assert not isinstance(room.app.screen, HelpScreen)


async def test_help_shows_a_remapped_key_as_remapped(make_room: RoomFactory) -> None:
    async with make_room(ui={"keymap": {"new_task": "ctrl+n", "retry": "ctrl+r"}}) as room:
        await room.press("question_mark")
        screen = room.app.screen
        assert isinstance(screen, HelpScreen)
        keys = keys_by_description(screen)
        assert keys["New task"] == {"^n"}
        assert keys["Retry"] == {"^r"}
        assert keys["Cancel"] == {"x"}


# ---------------------------------------------------------------- command palette (ctrl+p)


async def run_from_palette(room: Room, query: str, expected: str) -> None:
    await room.press("ctrl+p")
    palette = room.app.screen
    assert isinstance(palette, CommandPalette)
    await room.press(*query)
    options = palette.query_one(OptionList)

    def first_is_expected() -> bool:
        return options.option_count > 0 and expected in str(options.get_option_at_index(0).prompt)

    await room.wait_for(first_is_expected, f"the palette to offer {expected!r}")
    await room.press("down")  # the highlight goes to the first hit
    await room.press("enter")
    assert not isinstance(room.app.screen, CommandPalette)


async def test_palette_runs_a_command_by_name(room: Room) -> None:
    task = await room.submit("[hold] busy")
    await room.wait_held(task.id)
    await run_from_palette(room, "pause/resume all", "Pause/resume all")
    assert (await room.ledger.flags()).get("paused_all") == "1"
    await room.wait_state(task.id, TaskState.QUEUED)


async def test_palette_pauses_an_agent_by_name(room: Room) -> None:
    await run_from_palette(room, "pause/resume agent b", "Pause/resume agent b")
    assert (await room.ledger.flags()).get("paused_agent:b") == "1"
    task = await room.submit("for b", role="b")
    await room.settle()
    assert await room.orch.attempts(task.id) == []
    await run_from_palette(room, "pause/resume agent b", "Pause/resume agent b")
    assert "paused_agent:b" not in await room.ledger.flags()
    await room.wait_state(task.id, TaskState.SUCCEEDED)


async def test_palette_raises_the_selected_tasks_priority(room: Room) -> None:
    dep = await room.submit("[hold] blocker")
    await room.wait_held(dep.id)
    task = await room.submit("waiting", after=(dep.id,))
    await room.select(task.id)
    await run_from_palette(room, "priority +", "Priority +")
    assert (await room.orch.task(task.id)).priority == 1


# ---------------------------------------------------------------- sort (s)


async def test_s_cycles_the_sort_and_priority_puts_the_highest_first(room: Room) -> None:
    await room.orch.pause_all()  # keep them queued: the order is the point here
    low = await room.submit("low", priority=1)
    high = await room.submit("high", priority=9)
    mid = await room.submit("mid", priority=5)
    await room.wait_for(lambda: room.table.row_count == 3, "three rows")

    def order() -> list[str]:
        return [str(room.table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(3)]

    assert order() == [str(high.id), str(mid.id), str(low.id)]  # state: queued in dispatch order
    await room.press("s")
    assert order() == [str(low.id), str(high.id), str(mid.id)]  # by id
    await room.press("s")
    assert order() == [str(high.id), str(mid.id), str(low.id)]  # by priority
    assert "sorted by priority: highest first" in room.notices()
    await room.select(low.id)
    for _ in range(9):
        await room.press("plus")
    assert (await room.orch.task(low.id)).priority == 10
    await room.wait_for(lambda: order()[0] == str(low.id), "the raised task to move up")
    assert room.table.selected_task is not None and room.table.selected_task.id == low.id
