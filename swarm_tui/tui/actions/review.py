"""A task looked into: its detail (attempts and output), or the review of its worktree's
change (diff, checks, summary) to accept, reject or send back; enter on a row opens one."""

from __future__ import annotations

from textual.widgets import DataTable

from swarm_tui.core.control import Control
from swarm_tui.domain.models import TaskState
from swarm_tui.domain.review import ReviewSource
from swarm_tui.service.client import ServiceClient
from swarm_tui.tui.actions.base import REFUSALS, RoomActions
from swarm_tui.tui.review_source import LedgerReviews
from swarm_tui.tui.screens.review import ReviewScreen
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from swarm_tui.tui.widgets.task_table import TaskTable
from swarm_tui.workspace.reviews import WorkspaceReviews

__all__ = ["ReviewActions"]


class ReviewActions(RoomActions):
    async def action_detail(self) -> None:
        row = self._selected()
        if row is not None:
            task = await self.orch.task(row.id)
            self.push_screen(TaskDetailScreen(task, await self.orch.attempts(task.id)))

    def review_source(self) -> ReviewSource:
        """The ledger's reviews through the orchestrator's (or the service's) review calls;
        a worktree the ledger does not know (made outside the orchestrator) through the
        workspace layer's adapter (worktrees of the configured projects beside the ledger)."""

        async def summary(task_id: int) -> str:
            try:
                return (await self.orch.task(task_id)).result or ""
            except REFUSALS:
                return ""

        files = WorkspaceReviews(self.settings, self.orch.data_dir, summary=summary)
        if isinstance(self.orch, Control | ServiceClient):
            return LedgerReviews(self.orch, fallback=files)
        return files

    async def action_review(self) -> None:
        """The selected task's diff, checks and summary, to accept, reject or send back."""
        row = self._selected()
        if row is None:
            return
        source = self.review_source()
        review = await source.review_of(row.id)
        if review is None:
            self.notify(
                f"task #{row.id} has no workspace to review (only tasks of a [projects.NAME]"
                " work in one)",
                severity="warning",
                timeout=5,
            )
            return
        self.push_screen(ReviewScreen(source, review))

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a task row opens its detail (as the help screen says); on a task whose
        diff waits for a human (``needs_review``), its review screen instead (``i`` still
        opens the detail)."""
        if isinstance(event.data_table, TaskTable):
            row = self._selected()
            if row is not None and row.state == TaskState.NEEDS_REVIEW:
                await self.action_review()
            else:
                await self.action_detail()
