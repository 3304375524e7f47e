"""The task table's contents: the queue loaded at start, further pages on demand, and the
filter box (``/``; esc clears)."""

from __future__ import annotations

from textual.widgets import Input

from swarm_tui.tui.actions.base import RoomActions
from swarm_tui.tui.widgets.task_table import TaskTable

__all__ = ["TableActions"]


class TableActions(RoomActions):
    async def load_queue(self) -> None:
        """Tasks in hand, the first queued and the newest finished; the rest on demand."""
        table = self.query_one(TaskTable)
        start = await self.orch.recent_rows(table.finished_limit, table.QUEUED_ROWS)
        table.set_tasks(start.rows, start.by_state, start.queued_after)

    async def on_task_table_more_wanted(self, event: TaskTable.MoreWanted) -> None:
        """Enter on the table's first line: the next page of the queue, then of history."""
        if event.queued_after is not None:
            rows = await self.orch.queued_rows(event.queued_after, event.limit)
        else:
            rows = await self.orch.older_rows(event.before_id, event.limit)
        event.table.add_page(rows, event)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-active")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.query_one(TaskTable).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            if not event.value.strip():
                event.input.remove_class("-active")
            self.query_one(TaskTable).focus()

    def key_escape(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-active"):
            box.value = ""
            box.remove_class("-active")
            self.query_one(TaskTable).set_filter("")
            self.query_one(TaskTable).focus()
