"""The new-task form: every field labelled (prompt, title, project, role, mode, priority,
after), laid out to fit 80x24. Returns a TaskSpec or None.

The project select lists the configured ``[projects]`` plus "none"; it starts on the role's
default project and follows the role select until the user picks a project by hand."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, TextArea

from swarm_tui.domain.models import TaskMode, TaskSpec

__all__ = ["NO_PROJECT", "NewTaskScreen", "parse_after"]

NO_PROJECT = "(none)"
"""The project select's "no project" entry: submitted as ``project=""`` (explicitly none,
so the role's default project does not apply)."""


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
        width: 90%; max-width: 100; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    NewTaskScreen .row { height: auto; }
    NewTaskScreen .row > Label { width: 10; padding: 1 1 0 0; color: $text-muted; }
    NewTaskScreen .row > Label.-next { width: auto; padding: 1 1 0 2; }
    NewTaskScreen .row > Input, NewTaskScreen .row > Select { width: 1fr; }
    NewTaskScreen #prompt { width: 1fr; height: 6; }
    NewTaskScreen #priority { width: 12; }
    NewTaskScreen #project { width: 24; }
    NewTaskScreen #error { color: $error; height: auto; }
    NewTaskScreen #buttons { height: auto; align-horizontal: right; }
    NewTaskScreen Button { margin: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form_cancel"),
        Binding("ctrl+s", "submit", "Submit", id="form_submit"),
    ]

    def __init__(
        self,
        roles: list[str],
        default_role: str,
        projects: list[str] | None = None,
        role_projects: dict[str, str | None] | None = None,
    ) -> None:
        super().__init__()
        self.roles = roles
        self.default_role = default_role
        self.projects = list(projects or [])
        self.role_projects = dict(role_projects or {})
        self._role = default_role

    def _role_project(self, role: str) -> str:
        project = self.role_projects.get(role)
        return project if project in self.projects else NO_PROJECT

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New task — ctrl+s submits, esc cancels, tab moves on")
            with Horizontal(classes="row"):
                yield Label("prompt")
                yield TextArea(id="prompt", soft_wrap=True, show_line_numbers=False)
            with Horizontal(classes="row"):
                yield Label("title")
                yield Input(placeholder="optional (1st line)", id="title")
                yield Label("project", classes="-next")
                yield Select(
                    [(p, p) for p in [NO_PROJECT, *self.projects]],
                    value=self._role_project(self.default_role),
                    allow_blank=False,
                    id="project",
                )
            with Horizontal(classes="row"):
                yield Label("role")
                yield Select(
                    [(r, r) for r in self.roles],
                    value=self.default_role,
                    allow_blank=False,
                    id="role",
                )
                yield Label("mode", classes="-next")
                yield Select(
                    [(m.value, m.value) for m in TaskMode],
                    value=TaskMode.SINGLE.value,
                    allow_blank=False,
                    id="mode",
                )
            with Horizontal(classes="row"):
                yield Label("priority")
                yield Input("0", placeholder="0", id="priority", type="integer")
                yield Label("after", classes="-next")
                yield Input(placeholder="task ids or keys: 3, 7 design", id="after")
            yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Submit", variant="primary", id="submit")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#prompt", TextArea).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        """The project follows the role while it still shows the last role's default."""
        if event.select.id != "role" or not isinstance(event.value, str):
            return
        project = self.query_one("#project", Select)
        if project.value == self._role_project(self._role):
            project.value = self._role_project(event.value)
        self._role = event.value

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
        project = self.query_one("#project", Select).value
        self.dismiss(
            TaskSpec(
                prompt=prompt,
                title=self.query_one("#title", Input).value,
                role=str(role) if isinstance(role, str) else None,
                priority=priority,
                after=parse_after(self.query_one("#after", Input).value),
                mode=TaskMode(mode) if isinstance(mode, str) else TaskMode.SINGLE,
                project="" if not isinstance(project, str) or project == NO_PROJECT else project,
            )
        )
