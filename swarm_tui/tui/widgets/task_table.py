"""The task queue pane: every task with its state, agent and model, priority, elapsed time,
tokens and cost; live-updated row by row, sortable and filterable.

It lists the tasks in hand (running, paused, voting), the first queued ones in dispatch order
(``QUEUED_ROWS``) and the newest finished ones (``FINISHED_ROWS``); a first line says how many
queued and older finished tasks are not listed, and Enter (or a click) on it asks for the next
page of them (:class:`TaskTable.MoreWanted`: the queue first, then history). Rows are slim
(:class:`TaskRow`: no prompt or result), and finished rows beyond the limit are dropped oldest
first, so a night of work does not grow the control room's memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey

from swarm_tui.core.models import Task, TaskState
from swarm_tui.core.task_row import TaskRow
from swarm_tui.tui.messages import StreamInfo

__all__ = ["MORE", "SORTS", "TaskTable", "elapsed_text"]

MORE = "more"
"""Row key of the line standing for older finished tasks not listed."""

COLUMNS = ("id", "title", "role", "state", "agent · model", "prio", "elapsed", "tokens", "cost $")
COMPACT = ("id", "title", "state", "agent · model", "tokens")

SORTS: list[tuple[str, Callable[[TaskRow], object], bool]] = [
    ("id", lambda t: t.id, False),
    ("priority", lambda t: (-t.priority, t.id), False),
    ("state", lambda t: (t.state.value, t.id), False),
    ("cost", lambda t: (-t.cost_usd, t.id), False),
    ("tokens", lambda t: (-(t.tokens_in + t.tokens_out), t.id), False),
]


def elapsed_text(task: Task | TaskRow, now: float) -> str:
    """Time from the first start to now while it runs, else to when its work stopped (it
    finished, or its newest attempt ended: paused, re-queued, waiting for a vote)."""
    if task.started_at is None:
        return "-"
    if task.state == TaskState.RUNNING:
        end = now
    elif task.state.terminal and task.finished_at:
        end = task.finished_at
    else:
        end = task.last_ended_at or task.finished_at or now
    seconds = max(0, int(end - task.started_at))
    if seconds < 3600:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}"


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
            self._set_cell(MORE, "title", self._more_text(hidden))
        elif self.columns:
            self.add_row(*self._more_cells(hidden), key=MORE)
            self._sort()

    def _more_text(self, hidden: int) -> Text:
        parts = [f"{self.hidden_queued:,} queued"] if self.hidden_queued else []
        parts += [f"{self.hidden_finished:,} older finished"] if self.hidden_finished else []
        what = "loading…" if self.loading else "enter lists more"
        return Text(f"{' + '.join(parts)} not listed ({what})", style="italic")

    def _more_cells(self, hidden: int) -> list[str | Text]:
        return ["…", self._more_text(hidden), *[""] * (len(self._columns()) - 2)]

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
        """Output tokens the streams counted: a running task's row counts them (refreshed
        by :meth:`tick`), and so does a task whose stopped attempt reported no usage."""
        for info in infos:
            counts = self.streamed.setdefault(info.task_id, {})
            if info.counted:
                counts[info.attempt_id] = info.tokens
            else:  # the ledger's totals hold it now
                counts.pop(info.attempt_id, None)
            if not counts:
                del self.streamed[info.task_id]

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
        self._sort()
        self.notify(f"sorted by {SORTS[self.sort_index][0]}", timeout=2)

    def _columns(self) -> tuple[str, ...]:
        return COMPACT if self.compact else COLUMNS

    def _matches(self, task: TaskRow) -> bool:
        if not self.filter_text:
            return True
        haystack = " ".join(
            [str(task.id), task.title, task.role, task.state.value, task.agent or "",
             f"{task.provider}/{task.model}", *task.tags]
        ).lower()  # fmt: skip
        return all(word in haystack for word in self.filter_text.split())

    def _sort_key(self, task: TaskRow) -> object:
        return SORTS[self.sort_index][1](task)

    def _cells(self, task: TaskRow) -> list[str | Text]:
        model = (
            f"{task.agent or task.role} · {task.provider}/{task.model}"
            if task.provider
            else (task.pin_agent or task.role)
        )
        colour = self.app.theme_variables.get(f"state-{task.state.value.replace('_', '-')}", "")
        state = Text(task.state.value, style=f"bold {colour}".strip())
        tokens = self._tokens(task)
        if self.compact:
            return [str(task.id), task.title, state, model, tokens]
        return [
            str(task.id), task.title, task.role, state, model, str(task.priority),
            elapsed_text(task, self.clock()), tokens, f"{task.cost_usd:.4f}",
        ]  # fmt: skip

    def _tokens(self, task: TaskRow) -> str:
        streamed = self.streamed.get(task.id)
        out = task.tokens_out + (sum(streamed.values()) if streamed else 0)
        return f"{task.tokens_in}/{out}"

    def _rebuild(self) -> None:
        selected = self.selected_task
        self.clear(columns=True)
        for name in self._columns():
            self.add_column(name, key=name)
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
