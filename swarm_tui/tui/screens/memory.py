"""The swarm's shared memory: every entry with its author and time, the selected one in full.
``n`` adds one, ``e`` edits it (saved by the human, ctrl+s), ``x`` deletes it after asking.

Reads and writes go through the memory books (``swarm_tui.core.memory_books``): the swarm's
own memory, then each project's, which for a project with Serena's ``.serena/memories`` are
those files. The screen reads again when the room hears of a memory change (another
process's write, or a memory file Serena changed)."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from swarm_tui.core.errors import ControlError
from swarm_tui.core.toolcontrol import DEFAULT_PROJECT
from swarm_tui.service.room_api import SwarmAPI
from swarm_tui.store.tools import MemoryEntry
from swarm_tui.tui.screens.choose import ConfirmScreen

__all__ = ["EMPTY_MEMORY", "MemoryEditScreen", "MemoryNewScreen", "MemoryScreen"]

EMPTY_MEMORY = """No shared memory yet.

Entries are notes any agent can read later. Agents write them with the write_memory tool
(every agent the swarm launches has it; `swarm-tui mcp-serve` offers it to others) and read
them with read_memory and list_memories.

n adds one here (a name such as design/decisions, then Markdown); e edits, x deletes."""


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


class MemoryEditScreen(ModalScreen[str | None]):
    """Edit one entry's content: ctrl+s saves (dismisses with the text), escape discards."""

    DEFAULT_CSS = """
    MemoryEditScreen { align: center middle; }
    MemoryEditScreen > Vertical {
        width: 90%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    MemoryEditScreen TextArea { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memory_save", priority=True),
        Binding("escape", "dismiss(None)", "Discard", id="memory_discard"),
    ]

    def __init__(self, name: str, content: str) -> None:
        super().__init__()
        self.entry_name = name
        self.initial = content

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"memory {self.entry_name} (ctrl+s saves · esc discards)")
            yield TextArea(self.initial, id="memory_text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)


class MemoryNewScreen(ModalScreen[tuple[str, str] | None]):
    """A new entry: its name and content; ctrl+s saves (dismisses with both), escape drops."""

    DEFAULT_CSS = MemoryEditScreen.DEFAULT_CSS.replace("MemoryEditScreen", "MemoryNewScreen")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memory_new_save", priority=True),
        Binding("escape", "dismiss(None)", "Discard", id="memory_new_discard"),
    ]

    def __init__(self, taken: set[str]) -> None:
        super().__init__()
        self.taken = taken

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New memory (ctrl+s saves · esc discards)")
            yield Input(placeholder="name, e.g. design/decisions", id="memory_name")
            yield Label("", id="memory_error")
            yield TextArea(id="memory_text")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_save(self) -> None:
        name = self.query_one(Input).value.strip()
        error = self.query_one("#memory_error", Label)
        if not name:
            error.update("the name is empty")
        elif name in self.taken:
            error.update(f"{name} exists: e edits it")
        else:
            self.dismiss((name, self.query_one(TextArea).text))


class MemoryScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    MemoryScreen { align: center middle; }
    MemoryScreen > Vertical {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    MemoryScreen OptionList { height: auto; max-height: 40%; }
    MemoryScreen VerticalScroll { height: 1fr; border-top: solid $primary; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="memory_new"),
        Binding("e", "edit", "Edit", id="memory_edit"),
        Binding("x", "delete", "Delete", id="memory_delete"),
        Binding("escape", "dismiss(None)", "Close", id="memory_close"),
    ]

    def __init__(self, api: SwarmAPI, default_project: str = DEFAULT_PROJECT) -> None:
        super().__init__()
        self.api = api
        self.default_project = default_project
        self.entries: list[MemoryEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Shared memory (n new · e edit · x delete · esc)")
            yield OptionList(id="memories")
            with VerticalScroll():
                yield Static("", markup=False, id="memory")

    async def on_mount(self) -> None:
        await self.reload()
        self.query_one(OptionList).focus()

    def _label(self, entry: MemoryEntry) -> str:
        """``name`` for the swarm's own memory, ``project: name`` for a project's."""
        if entry.project == self.default_project:
            return entry.name
        return f"{entry.project}: {entry.name}"

    async def reload(self, keep: str | None = None) -> None:
        """Read the entries again; keep ``keep`` (a label; else the current one) selected."""
        keep = keep or self._selected_name()
        self.entries = await self.api.memories()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            [Option(f"{self._label(e)} · {e.author} · {_when(e.updated_at)}") for e in self.entries]
        )
        if self.entries:
            labels = [self._label(e) for e in self.entries]
            options.highlighted = labels.index(keep) if keep in labels else 0
        self._show()

    def selected(self) -> MemoryEntry | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not 0 <= options.highlighted < len(self.entries):
            return None
        return self.entries[options.highlighted]

    def _selected_name(self) -> str | None:
        entry = self.selected()
        return self._label(entry) if entry is not None else None

    def _show(self) -> None:
        entry = self.selected()
        detail = self.query_one("#memory", Static)
        if entry is None:
            detail.update(EMPTY_MEMORY if not self.entries else "")
        else:
            detail.update(
                f"{self._label(entry)} · by {entry.author} · created {_when(entry.created_at)}"
                f" · updated {_when(entry.updated_at)}\n\n{entry.content}"
            )

    def on_option_list_option_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show()

    def action_new(self) -> None:
        async def made(entry: tuple[str, str] | None) -> None:
            if entry is not None:
                try:
                    await self.api.save_memory(*entry, author="human")
                except ControlError as exc:
                    self.notify(str(exc), severity="error", timeout=6)
                await self.reload(keep=entry[0])

        taken = {e.name for e in self.entries if e.project == self.default_project}
        self.app.push_screen(MemoryNewScreen(taken), made)

    def action_edit(self) -> None:
        entry = self.selected()
        if entry is None:
            self.notify("no memory selected", severity="warning", timeout=3)
            return
        name, project, label = entry.name, entry.project, self._label(entry)

        async def edited(content: str | None) -> None:
            if content is None:
                return
            try:
                await self.api.save_memory(name, content, author="human", project=project)
            except ControlError as exc:
                self.notify(str(exc), severity="error", timeout=6)
            await self.reload(keep=label)

        self.app.push_screen(MemoryEditScreen(label, entry.content), edited)

    async def action_delete(self) -> None:
        entry = self.selected()
        if entry is None:
            self.notify("no memory selected", severity="warning", timeout=3)
            return
        name, project, label = entry.name, entry.project, self._label(entry)

        async def answered(yes: bool | None) -> None:
            if not yes:
                return
            if not await self.api.remove_memory(name, project=project):
                self.notify(f"memory {label} is already gone", severity="warning", timeout=4)
            await self.reload()

        path = await self.api.memory_file(name, project=project)
        what = f" (its file {path} too)" if path is not None else ""
        self.app.push_screen(ConfirmScreen(f"Delete memory {label}?{what}"), answered)
