"""What each control-room key does, one module an area: the voting pane (``conflicts``), the
selected task (``tasks``), its detail and review (``review``), the table's pages and filter
(``table``), the streams (``streams``), the swarm's pauses and quitting (``swarm``) and the
other views (``screens``), on a shared base (``base``). Every action goes through the
orchestrator's public API; a refusal is shown as a notification, never a crash."""

from __future__ import annotations

from swarm_tui.tui.actions.conflicts import ConflictActions
from swarm_tui.tui.actions.review import ReviewActions
from swarm_tui.tui.actions.screens import ScreenActions
from swarm_tui.tui.actions.streams import StreamActions
from swarm_tui.tui.actions.swarm import SwarmActions
from swarm_tui.tui.actions.table import TableActions
from swarm_tui.tui.actions.tasks import TaskActions

__all__ = ["Actions"]


class Actions(
    ConflictActions,
    TaskActions,
    ReviewActions,
    TableActions,
    StreamActions,
    SwarmActions,
    ScreenActions,
):
    """The actions half of the control room; :class:`~swarm_tui.tui.app.SwarmApp` adds the
    wiring."""
