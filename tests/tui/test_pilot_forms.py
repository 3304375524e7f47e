"""Forms and screens that teach (issue 14): the new-task form labels every field and fits
80x24 without wrapped selects; the detail view renders its Markdown; the memory screen says how
entries are made and adds one; the filter box says what it matches."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Input, Label, Markdown, Select, Static, TextArea
from textual.widgets._markdown import MarkdownH1, MarkdownH2
from textual.widgets._select import SelectCurrent

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.screens.memory import MemoryNewScreen, MemoryScreen
from swarm_tui.tui.screens.new_task import NewTaskScreen
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from tests.tui.conftest import Room, RoomFactory


def screen_lines(room: Room) -> list[str]:
    return [strip.text for strip in room.app.screen._compositor.render_strips()]


async def test_the_new_task_form_labels_every_field_and_fits_80x24(
    make_room: RoomFactory,
) -> None:
    async with make_room(size=(80, 24)) as room:
        await room.press("n")
        form = room.app.screen
        assert isinstance(form, NewTaskScreen)
        shown = "\n".join(screen_lines(room))
        for label in ("prompt", "title", "role", "mode", "priority", "after", "Submit"):
            assert label in shown, label
        labels = [str(label.render()) for label in form.query(Label)]
        assert {"prompt", "title", "role", "mode", "priority", "after"} <= set(labels)
        screen = room.app.screen.region
        for widget in (*form.query(Input), *form.query(Select), form.query_one(TextArea)):
            assert screen.contains_region(widget.region), widget  # nothing off the screen
        for select in form.query(Select):
            assert select.region.height == 3  # one line of text: not wrapped
            current = select.query_one(SelectCurrent)
            label = current.query_one("#label", Static)
            assert cell_len(str(label.render())) <= label.region.width, select.id


async def test_the_detail_view_renders_markdown(room: Room) -> None:
    task = await room.submit("Explain *why* in a list", title="render me")
    await room.wait_state(task.id, TaskState.SUCCEEDED)
    await room.select(task.id)
    await room.press("i")
    screen = room.app.screen
    assert isinstance(screen, TaskDetailScreen)
    await room.wait_for(lambda: bool(screen.query(MarkdownH1)), "the rendered heading")
    assert str(screen.query_one(MarkdownH1).render()).strip() == f"Task #{task.id}: render me"
    headings = [str(h.render()).strip() for h in screen.query(MarkdownH2)]
    assert headings[0] == "Prompt" and headings[1].startswith("Attempt 1: succeeded")
    shown = "\n".join(screen_lines(room))
    assert "# Task" not in shown and "## Prompt" not in shown
    assert "Explain why in a list" in shown  # *why* is emphasis, not asterisks
    assert screen.query_one("#detail", Markdown).source.startswith("# Task")


async def test_an_empty_memory_says_how_entries_are_made_and_n_adds_one(room: Room) -> None:
    await room.press("M")
    screen = room.app.screen
    assert isinstance(screen, MemoryScreen)
    text = str(screen.query_one("#memory", Static).render())
    assert "write_memory" in text and "n adds one" in text
    await room.press("n")
    new = room.app.screen
    assert isinstance(new, MemoryNewScreen)
    name = new.query_one("#memory_name", Input)
    assert name.placeholder
    await room.press("ctrl+s")  # no name yet: refused, said why
    assert isinstance(room.app.screen, MemoryNewScreen)
    assert "the name is empty" in str(new.query_one("#memory_error", Label).render())
    await room.press(*"design/decisions", "tab", *"Use SQLite in WAL mode.", "ctrl+s")
    assert room.app.screen is screen
    [entry] = await room.orch.memories()
    assert (entry.name, entry.content, entry.author) == (
        "design/decisions", "Use SQLite in WAL mode.", "human",
    )  # fmt: skip
    await room.wait_for(lambda: "WAL mode" in str(screen.query_one("#memory", Static).render()))


async def test_a_memory_name_in_use_is_refused(room: Room) -> None:
    await room.orch.save_memory("todo", "nothing", author="agent-b")
    await room.press("M", "n", *"todo", "ctrl+s")
    new = room.app.screen
    assert isinstance(new, MemoryNewScreen)
    assert "todo exists: e edits it" in str(new.query_one("#memory_error", Label).render())
    [entry] = await room.orch.memories()
    assert entry.content == "nothing"


async def test_the_filter_box_says_what_it_matches(room: Room) -> None:
    await room.press("slash")
    box = room.app.query_one("#filter", Input)
    assert box.has_focus
    line = next(line for line in screen_lines(room) if "filter:" in line)
    assert "title" in line and "agent" in line and "esc" in line
