"""What the task queue's columns hold, how its rows sort and what its filter matches.

Pure functions over :class:`TaskRow`, kept apart from the widget so the table stays small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rich.text import Text

from swarm_tui.domain.models import Task, TaskState
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.tui.messages import StreamInfo

__all__ = [
    "COLUMNS",
    "COMPACT",
    "SORTS",
    "Sort",
    "elapsed_text",
    "in_hand_first",
    "matches",
    "model_text",
    "tokens_text",
]

COLUMNS = ("id", "title", "role", "state", "agent · model", "prio", "elapsed", "tokens", "cost $")
COMPACT = ("id", "title", "state", "agent · model", "prio", "tokens", "cost $")
"""At 80x24 the queue drops role and elapsed; state, agent, priority, tokens and cost stay."""

IN_HAND = {
    TaskState.RUNNING: 0,
    TaskState.NEEDS_VOTE: 1,
    TaskState.NEEDS_REVIEW: 2,
    TaskState.PAUSED: 3,
}
"""The tasks a supervisor has in hand, in the order they come first."""


def in_hand_first(task: TaskRow) -> tuple[float, ...]:
    """Running, waiting for a vote, waiting for review, paused; then the queue in dispatch
    order; then the finished ones, the most recent first."""
    rank = IN_HAND.get(task.state)
    if rank is not None:
        return (0, rank, task.id)
    if task.state == TaskState.QUEUED:
        return (1, -task.priority, task.id)
    return (2, -(task.finished_at or 0.0), -task.id)


@dataclass(frozen=True, slots=True)
class Sort:
    """One order of the queue: its name, the column whose header is marked, the row key."""

    name: str
    column: str
    key: Callable[[TaskRow], object]
    says: str
    """What the notification says the order is."""


SORTS: list[Sort] = [
    Sort("state", "state", in_hand_first, "in hand, queued, newest finished"),
    Sort("id", "id", lambda t: t.id, "oldest first"),
    Sort("priority", "prio", lambda t: (-t.priority, t.id), "highest first"),
    Sort("cost", "cost $", lambda t: (-t.cost_usd, t.id), "most expensive first"),
    Sort("tokens", "tokens", lambda t: (-(t.tokens_in + t.tokens_out), t.id), "most tokens first"),
]  # fmt: skip
"""``s`` cycles through these; the first is the default."""


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


def model_text(task: TaskRow, *, compact: bool = False) -> str:
    """``agent · provider/model`` (compact: ``agent · model``, the provider is the first to go);
    before an attempt, the agent the task is for."""
    if task.provider:
        model = task.model if compact else f"{task.provider}/{task.model}"
        return f"{task.agent or task.role} · {model}"
    return task.pin_agent or task.role


def tokens_text(tokens_in: int, tokens_out: int) -> str:
    return f"{_short(tokens_in)}/{_short(tokens_out)}"


def _short(n: int) -> str:
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.0f}k"
    return f"{n / 1_000_000:.1f}M"


def matches(task: TaskRow, words: list[str]) -> bool:
    """Every word appears in the task's title, role, state, agent, model or tags, or names
    its id (``12`` or ``#12``). Figures (tokens, cost, elapsed) are not searched."""
    if not words:
        return True
    haystack = " ".join(
        [task.title, task.role, task.state.value, task.state.value.replace("_", " "),
         task.agent or "", task.pin_agent or "", f"{task.provider}/{task.model}"
         if task.provider else "", *task.tags]
    ).lower()  # fmt: skip
    ids = {str(task.id), f"#{task.id}"}
    return all(word in ids or word in haystack for word in words)


def header_label(column: str, sorted_by: str) -> Text:
    """A header; the sorted column's is marked (``s`` cycles the sort)."""
    if column == sorted_by:
        return Text.assemble(column, (" ▼", "bold"))
    return Text(column)


def row_cells(
    task: TaskRow, colour: str, tokens: str, elapsed: str, *, compact: bool
) -> list[str | Text]:
    """One queue row's cells (compact: no role nor elapsed); ``colour`` is the state's."""
    shown_state = "held" if task.held and task.state == TaskState.PAUSED else task.state.value
    state = Text(shown_state, style=f"bold {colour}".strip())
    # Text, not str: a cell string is read as markup ("[hold] x" would lose its brackets),
    # and a cut cell ends in an ellipsis.
    title = Text(task.title, no_wrap=True, overflow="ellipsis", end="")
    model = Text(model_text(task, compact=compact), no_wrap=True, overflow="ellipsis", end="")
    cost = f"{task.cost_usd:.4f}"
    if compact:
        return [str(task.id), title, state, model, str(task.priority), tokens, cost]
    return [
        str(task.id), title, task.role, state, model, str(task.priority), elapsed, tokens, cost,
    ]  # fmt: skip


def more_text(queued: int, finished: int, *, loading: bool) -> Text:
    """The first line's words for the rows not listed (``enter`` lists more)."""
    parts = [f"{queued:,} queued"] if queued else []
    parts += [f"{finished:,} older finished"] if finished else []
    what = "loading…" if loading else "enter lists more"
    return Text(f"{' + '.join(parts)} not listed ({what})", style="italic")


def note_streamed(streamed: dict[int, dict[int, int]], infos: Iterable[StreamInfo]) -> None:
    """Output tokens the streams counted, by task and attempt: a running task's row counts
    them (refreshed by the table's tick), and so does a task whose stopped attempt reported no
    usage; once the ledger's totals hold them, they are dropped."""
    for info in infos:
        counts = streamed.setdefault(info.task_id, {})
        if info.counted:
            counts[info.attempt_id] = info.tokens
        else:
            counts.pop(info.attempt_id, None)
        if not counts:
            del streamed[info.task_id]
