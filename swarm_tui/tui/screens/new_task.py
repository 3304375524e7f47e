"""The new-task form: prompt, role, mode, priority and dependencies. Returns a TaskSpec or
None."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from swarm_tui.core.models import TaskMode, TaskSpec

__all__ = ["NewTaskScreen", "parse_after"]


def parse_after(text: str) -> tuple[int | str, ...]:
    """``"3, 7 design"`` -> (3, 7, "design"): task ids or keys, separated by commas/spaces."""
    out: list[int | str] = []
    for part in text.replace(",", " ").split():
        part = part.lstrip("#")
        out.append(int(part) if part.isdigit() else part)
    return tuple(out)


class NewTaskScreen(ModalScreen[TaskSpec | None]):
    DEFAULT_CSS = """
    NewTaskScreen { align: center middle; }
    NewTaskScreen > Vertical {
        width: 90%; max-width: 100; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    NewTaskScreen TextArea { height: 6; }
    NewTaskScreen Horizontal { height: auto; }
    NewTaskScreen Horizontal > * { width: 1fr; }
    NewTaskScreen #error { color: $error; height: auto; }
    NewTaskScreen Button { margin: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
        Binding("ctrl+s", "submit", "Submit", id="form_submit"),
    ]

    def __init__(self, roles: list[str], default_role: str) -> None:
        super().__init__()
        self.roles = roles
        self.default_role = default_role

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New task — ctrl+s submits, esc cancels")
            yield TextArea(id="prompt", soft_wrap=True, show_line_numbers=False)
            yield Input(placeholder="title (optional)", id="title")
            with Horizontal():
                yield Select(
                    [(r, r) for r in self.roles],
                    value=self.default_role,
                    allow_blank=False,
                    id="role",
                )
                yield Select(
                    [(f"mode: {m.value}", m.value) for m in TaskMode],
                    value=TaskMode.SINGLE.value,
                    allow_blank=False,
                    id="mode",
                )
                yield Input("0", placeholder="priority", id="priority", type="integer")
                yield Input(placeholder="after: ids or keys", id="after")
            yield Label("", id="error")
            with Horizontal():
                yield Button("Submit", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.action_submit()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        prompt = self.query_one("#prompt", TextArea).text
        error = self.query_one("#error", Label)
        if not prompt.strip():
            error.update("the prompt is empty")
            return
        priority_text = self.query_one("#priority", Input).value.strip() or "0"
        try:
            priority = int(priority_text)
        except ValueError:
            error.update(f"priority must be a whole number, not {priority_text!r}")
            return
        role = self.query_one("#role", Select).value
        mode = self.query_one("#mode", Select).value
        self.dismiss(
            TaskSpec(
                prompt=prompt,
                title=self.query_one("#title", Input).value,
                role=str(role) if isinstance(role, str) else None,
                priority=priority,
                after=parse_after(self.query_one("#after", Input).value),
                mode=TaskMode(mode) if isinstance(mode, str) else TaskMode.SINGLE,
            )
        )
