"""The task queue pane: every task with its state, agent and model, priority, elapsed time,
tokens and cost; live-updated row by row, sortable and filterable."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from swarm_tui.core.models import Task, TaskState

__all__ = ["SORTS", "TaskTable", "elapsed_text"]

COLUMNS = ("id", "title", "role", "state", "agent · model", "prio", "elapsed", "tokens", "cost $")
COMPACT = ("id", "title", "state", "agent · model", "tokens")

SORTS: list[tuple[str, Callable[[Task], object], bool]] = [
    ("id", lambda t: t.id, False),
    ("priority", lambda t: (-t.priority, t.id), False),
    ("state", lambda t: (t.state.value, t.id), False),
    ("cost", lambda t: (-t.cost_usd, t.id), False),
    ("tokens", lambda t: (-(t.tokens_in + t.tokens_out), t.id), False),
]


def elapsed_text(task: Task, now: float) -> str:
    if task.started_at is None:
        return "-"
    end = task.finished_at if task.state.terminal and task.finished_at else now
    seconds = max(0, int(end - task.started_at))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


class TaskTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    TaskTable { height: 1fr; }
    """
    BINDINGS = [Binding("s", "cycle_sort", "Sort", id="sort")]

    def __init__(self, *, clock: Callable[[], float], id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.clock = clock
        self.tasks: dict[int, Task] = {}
        self.filter_text = ""
        self.sort_index = 0
        self.compact = False

    def on_mount(self) -> None:
        self._rebuild()

    # ---------------------------------------------------------------- data
    def set_tasks(self, tasks: list[Task]) -> None:
        self.tasks = {t.id: t for t in tasks}
        self._rebuild()

    def upsert(self, tasks: list[Task]) -> None:
        changed_order = False
        for task in tasks:
            old = self.tasks.get(task.id)
            self.tasks[task.id] = task
            key = str(task.id)
            visible = self._matches(task)
            if key in self.rows and visible:
                for column, value in zip(self._columns(), self._cells(task), strict=True):
                    self._set_cell(key, column, value)
                changed_order |= old is None or self._sort_key(old) != self._sort_key(task)
            elif visible:
                self.add_row(*self._cells(task), key=key)
                changed_order = True
            elif key in self.rows:
                self.remove_row(key)
        if changed_order and self.sort_index:
            self._sort()

    def tick(self) -> None:
        """Refresh elapsed times of running tasks (once a second)."""
        if self.compact:
            return
        now = self.clock()
        for task in self.tasks.values():
            if task.state == TaskState.RUNNING and str(task.id) in self.rows:
                self._set_cell(str(task.id), "elapsed", elapsed_text(task, now))

    def _set_cell(self, row: str, column: str, value: str | Text) -> None:
        """Widen a column only when the new value needs it: a width update re-lays out the
        whole screen, which under a busy swarm made key presses lag."""
        width = value.cell_len if isinstance(value, Text) else cell_len(value)
        grow = width > self.columns[ColumnKey(column)].content_width
        self.update_cell(row, column, value, update_width=grow)

    @property
    def selected_task(self) -> Task | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.tasks.get(int(key)) if key is not None else None

    # ---------------------------------------------------------------- view
    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip().lower()
        self._rebuild()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._rebuild()

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._sort()
        self.notify(f"sorted by {SORTS[self.sort_index][0]}", timeout=2)

    def _columns(self) -> tuple[str, ...]:
        return COMPACT if self.compact else COLUMNS

    def _matches(self, task: Task) -> bool:
        if not self.filter_text:
            return True
        haystack = " ".join(
            [str(task.id), task.title, task.role, task.state.value, task.agent or "",
             f"{task.provider}/{task.model}", *task.tags]
        ).lower()  # fmt: skip
        return all(word in haystack for word in self.filter_text.split())

    def _sort_key(self, task: Task) -> object:
        return SORTS[self.sort_index][1](task)

    def _cells(self, task: Task) -> list[str | Text]:
        model = (
            f"{task.agent or task.role} · {task.provider}/{task.model}"
            if task.provider
            else (task.pin_agent or task.role)
        )
        colour = self.app.theme_variables.get(f"state-{task.state.value.replace('_', '-')}", "")
        state = Text(task.state.value, style=f"bold {colour}".strip())
        tokens = f"{task.tokens_in}/{task.tokens_out}"
        if self.compact:
            return [str(task.id), task.title, state, model, tokens]
        return [
            str(task.id), task.title, task.role, state, model, str(task.priority),
            elapsed_text(task, self.clock()), tokens, f"{task.cost_usd:.4f}",
        ]  # fmt: skip

    def _rebuild(self) -> None:
        selected = self.selected_task
        self.clear(columns=True)
        for name in self._columns():
            self.add_column(name, key=name)
        for task in sorted(self.tasks.values(), key=self._sort_key):  # type: ignore[arg-type]
            if self._matches(task):
                self.add_row(*self._cells(task), key=str(task.id))
        if selected is not None and str(selected.id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected.id)))

    def _sort(self) -> None:
        """Reorder the rows in place (no rebuild: cheaper, and the cursor stays on its task)."""
        tasks = self.tasks
        selected = self.selected_task
        self.sort("id", key=lambda cell: self._sort_key(tasks[int(str(cell))]))
        if selected is not None and str(selected.id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected.id)))

    def restyle(self) -> None:
        """Re-render the state colours after a theme change."""
        self._rebuild()
