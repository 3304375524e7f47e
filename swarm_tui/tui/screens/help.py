"""The help screen: every key, from the live bindings (so a remapped key shows as remapped),
the room's commands first, the focused pane's keys next, the generic cursor and scroll keys
of tables and lists last."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from swarm_tui.tui.bindings import APP_BINDINGS, VOTE_BINDINGS

__all__ = ["HelpScreen", "Section", "help_sections"]

INTRO = """swarm-tui control room

The task queue is on top, live agent streams below, the status bar at the top edge.
tab moves between panes; enter on a task opens its detail, on a stream its full screen.
ctrl+p opens the command palette: every command below by name.
"""

Section = tuple[str, list[tuple[str, str]]]
"""A heading and its (keys, what they do) lines."""

ROOM_IDS = [b.id for b in APP_BINDINGS if b.id]
VOTE_IDS = {b.id for b in VOTE_BINDINGS}


def help_sections(
    active: Iterable[ActiveBinding], key_display: Callable[[Binding], str]
) -> list[Section]:
    """The keys in force, grouped: the room's commands (in the order of ``APP_BINDINGS``),
    the vote digits while a vote waits, the focused pane's keys, then the generic ones."""
    keys: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    order: list[str] = []
    for entry in active:
        binding = entry.binding
        if not binding.description or binding.system:
            continue
        name = binding.id or f"{binding.action}|{binding.description}"
        if name not in keys:
            keys[name], described[name] = [], binding.description
            order.append(name)
        shown = key_display(binding)
        if shown not in keys[name]:
            keys[name].append(shown)

    def lines(names: Iterable[str]) -> list[tuple[str, str]]:
        return [(" ".join(keys[n]), described[n]) for n in names if n in keys]

    room = lines(ROOM_IDS)
    votes = [n for n in order if n in VOTE_IDS]
    if votes:
        first, last = keys[votes[0]][0], keys[votes[-1]][0]
        room.append((f"{first}-{last}", "Vote: that candidate wins (while a vote waits)"))
    pane = lines(n for n in order if n not in ROOM_IDS and n not in VOTE_IDS and "|" not in n)
    generic = sorted(lines(n for n in order if "|" in n), key=lambda kv: kv[1].lower())
    sections: list[Section] = [("The room", room), ("This pane", pane)]
    sections.append(("Tables, lists and scrolling", generic))
    return [(title, entries) for title, entries in sections if entries]


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80%; max-width: 90; height: 90%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close", id="help_close")]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    @property
    def keys(self) -> list[tuple[str, str]]:
        """Every (keys, what they do) line, in the order shown."""
        return [entry for _, entries in self.sections for entry in entries]

    def compose(self) -> ComposeResult:
        width = max((len(k) for k, _ in self.keys), default=4) + 2
        text = INTRO
        for title, entries in self.sections:
            text += f"\n{title}\n" + "".join(f"{k:<{width}}{what}\n" for k, what in entries)
        with VerticalScroll():
            yield Static(text.rstrip(), markup=False, id="help-text")
