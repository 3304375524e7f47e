"""What every area of the room's actions shares: the settings and the swarm (``orch``), the
selected task, and a call whose refusal is a notification, never a crash."""

from __future__ import annotations

from textual.app import App

from swarm_tui.config import Settings
from swarm_tui.core.control import ControlError
from swarm_tui.core.submit import SubmitError
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.service.room_api import SwarmAPI
from swarm_tui.tui.widgets.task_table import TaskTable

__all__ = ["REFUSALS", "RoomActions"]

REFUSALS = (ControlError, InvalidTransition, SubmitError)
"""What a command may answer with instead of doing it: shown to the person as it is."""


class RoomActions(App[None]):
    """The base of every area of actions; :class:`~swarm_tui.tui.app.SwarmApp` sets
    ``settings``, ``orch`` and ``run_core``."""

    settings: Settings
    orch: SwarmAPI
    run_core: bool

    def _selected(self) -> TaskRow | None:
        task = self.query_one(TaskTable).selected_task
        if task is None:
            self.notify("no task selected", severity="warning", timeout=3)
        return task

    async def _do(self, what: str, call: object) -> bool:
        try:
            await call  # type: ignore[misc]
        except REFUSALS as exc:
            self.notify(str(exc), title=what, severity="error", timeout=6)
            return False
        return True

    async def _refresh(self, task_id: int) -> None:
        self.query_one(TaskTable).upsert([await self.orch.task(task_id)])
