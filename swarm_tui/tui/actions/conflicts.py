"""The voting pane's actions: a winner picked (a digit or a click), a conflict sent to the
arbiter (as a worker: the room stays live)."""

from __future__ import annotations

from swarm_tui.domain.models import TaskState
from swarm_tui.tui.actions.base import REFUSALS, RoomActions
from swarm_tui.tui.widgets.voting_pane import VotingPane

__all__ = ["ConflictActions"]


class ConflictActions(RoomActions):
    async def on_voting_pane_pick(self, event: VotingPane.Pick) -> None:
        """The human picked a winner in the voting pane."""
        if await self._do("vote", self.orch.decide(event.task_id, event.label)):
            self.notify(f"task #{event.task_id}: {event.label} is the answer", timeout=4)
            await self._refresh(event.task_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The room-wide vote digits only while a shown conflict waits for the human."""
        if action == "vote_pick":
            if self.screen is not self.default_screen:  # a form or a list on top: its keys
                return False
            panes = self.query(VotingPane)
            return any(
                pane.has_class("-shown") and any(c.waiting for c in pane.conflicts.values())
                for pane in panes
            )
        return True

    def action_vote_pick(self, number: int) -> None:
        self.query_one(VotingPane).action_pick(number)

    def on_voting_pane_send_to_arbiter(self, event: VotingPane.SendToArbiter) -> None:
        """The arbiter may take a while: it runs as a worker, the room stays live."""
        self.notify(f"task #{event.task_id}: asking the arbiter…", timeout=3)
        self.run_worker(self._arbitrate(event.task_id), group="voting")

    async def _arbitrate(self, task_id: int) -> None:
        try:
            task = await self.orch.send_to_arbiter(task_id)
        except REFUSALS as exc:
            self.notify(str(exc), title="arbiter", severity="error", timeout=8)
            return
        if task.state == TaskState.SUCCEEDED:
            self.notify(f"task #{task_id}: the arbiter decided", timeout=4)
        else:
            self.notify(f"task #{task_id}: the arbiter could not decide", severity="warning")
        await self._refresh(task_id)
