"""The task queue pane: every task with its state, agent and model, priority, elapsed time,
tokens and cost; live-updated row by row, sortable and filterable. It lists the tasks in hand,
the first queued (``QUEUED_ROWS``) and the newest finished (``FINISHED_ROWS``); a first line
counts the rest, and Enter on it asks for the next page (:class:`TaskTable.MoreWanted`). Rows
are slim (:class:`TaskRow`) and finished rows past the limit are dropped oldest first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.events import Resize
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from swarm_tui.domain.models import Task, TaskState
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.tui.messages import StreamInfo
from swarm_tui.tui.widgets.task_columns import (
    COLUMNS,
    COMPACT,
    SORTS,
    elapsed_text,
    header_label,
    matches,
    more_text,
    note_streamed,
    row_cells,
    tokens_text,
)
from swarm_tui.tui.widgets.task_widths import fit_columns

__all__ = ["COLUMNS", "COMPACT", "EMPTY_HINT", "MORE", "SORTS", "TaskTable", "elapsed_text"]

MORE = "more"
"""Row key of the line standing for older finished tasks not listed."""

EMPTY_HINT = [
    "No tasks yet. To add one:",
    "  n                                  the new-task form, here",
    "  swarm-tui --tasks FILE.toml        start the room with a task file",
    '  swarm-tui submit "PROMPT"          from another shell, on the same ledger',
]
"""What an empty ledger shows in place of rows."""


class TaskTable(DataTable[str | Text]):
    DEFAULT_CSS = """
    TaskTable { height: 1fr; }
    """
    BINDINGS = [Binding("s", "cycle_sort", "Sort", id="sort")]
    FINISHED_ROWS = 1_000
    """Finished tasks listed at start (the newest); also the page size of older history."""
    QUEUED_ROWS = 1_000
    """Queued tasks listed at start (the next to run); also the page size of the rest."""
    SLACK = 100
    """Finished rows allowed over the limit before the oldest are dropped (in one go)."""

    @dataclass
    class MoreWanted(Message):
        """The user asked for more rows: answer with :meth:`add_page`."""

        table: TaskTable
        queued_after: tuple[int, int] | None
        """Set: the queued tasks after this ``(priority, id)``; None: older finished ones."""
        before_id: int
        """Finished tasks older than this one (when ``queued_after`` is None)."""
        limit: int

    def __init__(self, *, clock: Callable[[], float], id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.clock = clock
        self.tasks: dict[int, TaskRow] = {}
        self.filter_text = ""
        self.sort_index = 0
        self.compact = False
        self.counts: dict[str, int] = {}
        """Tasks in the ledger per state, listed or not (the status totals)."""
        self.queued_after: tuple[int, int] | None = None
        """Where the next page of queued tasks starts (None: every queued task came)."""
        self.finished_limit = self.FINISHED_ROWS
        self.loaded_from = 0
        """Every finished task with an id at or above this one was listed (or was dropped)."""
        self.loading = False
        self.streamed: dict[int, dict[int, int]] = {}
        """Task id -> attempt id -> output tokens its stream counted, for attempts whose
        usage the ledger does not hold (running, or stopped before any was reported)."""

    def on_mount(self) -> None:
        self._rebuild()

    # ---------------------------------------------------------------- data
    def set_tasks(
        self,
        tasks: Iterable[Task | TaskRow],
        by_state: dict[str, int] | None = None,
        queued_after: tuple[int, int] | None = None,
    ) -> None:
        """List these tasks. ``by_state`` counts the ledger's tasks (default: those given);
        ``queued_after`` says where the queued tasks not given start. The newest finished rows
        are kept up to the limit."""
        self.tasks = {t.id: TaskRow.of(t) for t in tasks}
        self.counts = dict(by_state or Counter(t.state.value for t in self.tasks.values()))
        self.queued_after = queued_after
        held = self._finished_ids()
        self.loaded_from = held[0] if held and self.hidden_finished else 0
        self._trim()
        self._rebuild()

    @property
    def hidden_finished(self) -> int:
        total = sum(n for state, n in self.counts.items() if TaskState(state).terminal)
        return max(0, total - len(self._finished_ids()))

    @property
    def hidden_queued(self) -> int:
        held = sum(1 for t in self.tasks.values() if t.state == TaskState.QUEUED)
        return max(0, self.counts.get(TaskState.QUEUED.value, 0) - held)

    @property
    def hidden(self) -> int:
        """Tasks in the ledger that are not listed."""
        return self.hidden_finished + self.hidden_queued

    def set_counts(self, by_state: dict[str, int]) -> None:
        """The ledger's task counts per state (from the status totals)."""
        if by_state != self.counts:
            self.counts = dict(by_state)
            self._show_more()

    def request_more(self) -> None:
        """Ask (once at a time) for the next page: the rest of the queue, then history."""
        if self.loading:
            return
        if self.hidden_queued and self.queued_after is not None:
            wanted = self.MoreWanted(self, self.queued_after, 0, self.QUEUED_ROWS)
        elif self.hidden_finished and self.loaded_from:
            wanted = self.MoreWanted(self, None, self.loaded_from, self.FINISHED_ROWS)
        else:
            return
        self.loading = True
        self._show_more()
        self.post_message(wanted)

    def add_page(self, rows: Iterable[Task | TaskRow], wanted: MoreWanted) -> None:
        """The rows asked for with ``wanted``: listed, and kept (the finished limit grows)."""
        self.loading = False
        page = [TaskRow.of(r) for r in rows]
        got = [r for r in page if r.id not in self.tasks]
        full = len(page) == wanted.limit and page
        if wanted.queued_after is not None:
            self.queued_after = (page[-1].priority, page[-1].id) if full else None
        else:
            self.finished_limit += len(got)
            self.loaded_from = min(r.id for r in page) if full else 0
        for row in got:
            self.tasks[row.id] = row
            if self._matches(row):
                self.add_row(*self._cells(row), key=str(row.id))
        self._show_more()
        self._sort()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value == MORE:
            event.stop()
            self.request_more()

    def _finished_ids(self) -> list[int]:
        return sorted(i for i, t in self.tasks.items() if t.state.terminal)

    def _trim(self, slack: int = 0) -> list[int]:
        """Drop the oldest finished rows over the limit (never the selected one)."""
        finished = self._finished_ids()
        extra = len(finished) - self.finished_limit
        if extra <= slack:
            return []
        keep = self.selected_task.id if self.is_mounted and self.selected_task else None
        drop = [i for i in finished if i != keep][:extra]
        for task_id in drop:
            del self.tasks[task_id]
            self.streamed.pop(task_id, None)
        self.loaded_from = max(self.loaded_from, drop[-1] + 1)
        return drop

    def _show_more(self) -> None:
        """Add, update or remove the first line that counts the finished tasks not listed."""
        hidden = self.hidden
        if not hidden:
            if MORE in self.rows:
                selected = self.selected_task
                self.remove_row(MORE)
                if selected is not None:  # the rows below moved up: the cursor follows
                    self.move_cursor(row=self.get_row_index(str(selected.id)))
        elif MORE in self.rows:
            self._set_cell(
                MORE,
                "title",
                self._more_text(),
            )
        elif self.columns:
            self.add_row(*self._more_cells(hidden), key=MORE)
            self._sort()

    def _more_text(self) -> Text:
        return more_text(self.hidden_queued, self.hidden_finished, loading=self.loading)

    def _more_cells(self, hidden: int) -> list[str | Text]:
        return [
            "…",
            self._more_text(),
            *[""] * (len(self._columns()) - 2),
        ]

    def upsert(self, tasks: Iterable[Task | TaskRow]) -> None:
        changed_order = False
        for full in tasks:
            task = TaskRow.of(full)
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
        selected = self.selected_task
        dropped = [str(i) for i in self._trim(slack=self.SLACK) if str(i) in self.rows]
        for key in dropped:
            self.remove_row(key)
        if dropped and selected is not None:  # rows above it went: the cursor stays on it
            self.move_cursor(row=self.get_row_index(str(selected.id)))
        self._show_more()
        if changed_order:  # a new row goes to its place in every order (by id too)
            self._sort()

    def note_streams(self, infos: Iterable[StreamInfo]) -> None:
        """Output tokens the streams counted (see :func:`note_streamed`)."""
        note_streamed(self.streamed, infos)

    def tick(self) -> None:
        """Refresh elapsed times and tokens of running tasks (once a second)."""
        now = self.clock()
        for task in self.tasks.values():
            if task.state == TaskState.RUNNING and str(task.id) in self.rows:
                key = str(task.id)
                if not self.compact:
                    self._set_cell(key, "elapsed", elapsed_text(task, now))
                if task.id in self.streamed:
                    self._set_cell(key, "tokens", self._tokens(task))

    def _set_cell(self, row: str, column: str, value: str | Text) -> None:
        """Widen a column only when the new value needs it: a width update re-lays out the
        whole screen, which under a busy swarm made key presses lag."""
        width = value.cell_len if isinstance(value, Text) else cell_len(value)
        grow = width > self.columns[ColumnKey(column)].content_width
        self.update_cell(row, column, value, update_width=grow)

    @property
    def selected_task(self) -> TaskRow | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.tasks.get(int(key)) if key is not None and key != MORE else None

    # ---------------------------------------------------------------- view
    def set_filter(self, text: str) -> None:
        """List the rows that match. The columns stay as they are: rebuilt, they started at
        their labels' widths until the table's next idle pass measured the rows again, and
        clearing a filter could leave every column squeezed."""
        wanted = text.strip().lower()
        if wanted != self.filter_text:
            self.filter_text = wanted
            selected = self.selected_task
            self.clear()
            self._fill(selected)

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self._rebuild()

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORTS)
        self._label_columns()
        self._sort()
        order = SORTS[self.sort_index]
        self.notify(f"sorted by {order.name}: {order.says}", timeout=3)

    def _columns(self) -> tuple[str, ...]:
        return COMPACT if self.compact else COLUMNS

    def _label_columns(self) -> None:
        for key, column in self.columns.items():
            column.label = header_label(str(key.value), SORTS[self.sort_index].column)
            column.content_width = max(column.content_width, column.label.cell_len)
        self._require_update_dimensions = True
        self._clear_caches()

    def _matches(self, task: TaskRow) -> bool:
        return matches(task, self.filter_text.split())

    def _sort_key(self, task: TaskRow) -> object:
        return SORTS[self.sort_index].key(task)

    def _cells(self, task: TaskRow) -> list[str | Text]:
        colour = self.app.theme_variables.get(f"state-{task.state.value.replace('_', '-')}", "")
        elapsed = "" if self.compact else elapsed_text(task, self.clock())
        return row_cells(task, colour, self._tokens(task), elapsed, compact=self.compact)

    def _tokens(self, task: TaskRow) -> str:
        streamed = self.streamed.get(task.id)
        out = task.tokens_out + (sum(streamed.values()) if streamed else 0)
        return tokens_text(task.tokens_in, out)

    def _rebuild(self) -> None:
        selected = self.selected_task
        self.clear(columns=True)
        for name in self._columns():
            self.add_column(header_label(name, SORTS[self.sort_index].column), key=name)
        self._fill(selected)

    def _fill(self, selected: TaskRow | None) -> None:
        """Add the listed rows (the table has its columns and no rows)."""
        if self.hidden:
            self.add_row(*self._more_cells(self.hidden), key=MORE)
        for task in sorted(self.tasks.values(), key=self._sort_key):  # type: ignore[arg-type]
            if self._matches(task):
                self.add_row(*self._cells(task), key=str(task.id))
        if selected is not None and str(selected.id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected.id)))
        elif self.row_count > 1 and MORE in self.rows:
            self.move_cursor(row=1)  # what is happening, not the "not listed" line

    # ---------------------------------------------------------------- widths
    def on_resize(self, _event: Resize) -> None:
        if self._fit_columns():
            self._require_update_dimensions = True
            self._clear_caches()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable measures the cells here (when idle); the widths are then fitted."""
        super()._update_dimensions(new_rows)
        if self._fit_columns():
            self._clear_caches()  # cells were rendered at the old widths
            super()._update_dimensions(())

    def _fit_columns(self) -> bool:
        """Cut the long columns, the title last, so every other column fits the width
        (state, agent, tokens and cost stay visible at 80 columns and beside a side pane).
        True when a width changed."""
        if not self.size.width:
            return False
        room = self.size.width - self.styles.scrollbar_size_vertical
        return fit_columns(self.columns, room, compact=self.compact, padding=self.cell_padding)

    # ---------------------------------------------------------------- empty
    def render_line(self, y: int) -> Strip:
        """An empty queue says how to fill it (an empty filter result, how to clear it)."""
        if self.row_count or y < 1 or not self.show_header:
            return super().render_line(y)
        lines = (
            EMPTY_HINT
            if not self.tasks
            else [f"No task matches {self.filter_text!r} (esc clears)."]
        )
        if y - 1 >= len(lines):
            return super().render_line(y)
        text = Text(lines[y - 1], style=self.app.theme_variables.get("text-muted", ""))
        return Strip(text.render(self.app.console), text.cell_len).crop_extend(
            0, self.size.width, self.rich_style
        )

    def _sort(self) -> None:
        """Reorder the rows in place (no rebuild: cheaper, and the cursor stays on its task)."""
        tasks = self.tasks
        selected = self.selected_task

        def order(cell: object) -> object:  # the "older" line first, then the chosen order
            return (1, self._sort_key(tasks[int(str(cell))])) if str(cell) != "…" else (0,)

        self.sort("id", key=order)
        if selected is not None and str(selected.id) in self.rows:
            self.move_cursor(row=self.get_row_index(str(selected.id)))

    def restyle(self) -> None:
        """Re-render the state colours after a theme change."""
        self._rebuild()
