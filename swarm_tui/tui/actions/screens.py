"""The room's other views, each opened once: tool approvals, goals (the room's own engine, or
the service's), evals, memory and help."""

from __future__ import annotations

from swarm_tui.core.control import Control
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.goals_client import ServiceGoals
from swarm_tui.service.room_api import GoalsAPI
from swarm_tui.tui.actions.base import RoomActions
from swarm_tui.tui.screens.approvals import ApprovalsScreen
from swarm_tui.tui.screens.evals import EvalsScreen
from swarm_tui.tui.screens.goals import GoalsScreen
from swarm_tui.tui.screens.help import HelpScreen, help_sections
from swarm_tui.tui.screens.memory import MemoryScreen

__all__ = ["ScreenActions"]


class ScreenActions(RoomActions):
    def action_approvals(self) -> None:
        if not isinstance(self.screen, ApprovalsScreen):
            self.push_screen(ApprovalsScreen(self.orch))

    _goal_engine: GoalEngine | None = None

    @property
    def goal_engine(self) -> GoalEngine:
        """The room's one goal engine (its advances are serialised); an in-process room's."""
        assert isinstance(self.orch, Control)
        if self._goal_engine is None:
            self._goal_engine = GoalEngine(self.orch)
        return self._goal_engine

    def action_goals(self) -> None:
        if isinstance(self.screen, GoalsScreen):
            return
        if isinstance(self.orch, ServiceClient):  # the service moves its goals on
            goals: GoalsAPI = ServiceGoals(self.orch, self.settings)
            self.push_screen(GoalsScreen(goals, self.settings, driven=True))
        else:
            self.push_screen(GoalsScreen(self.goal_engine, self.settings, driven=self.run_core))

    def action_evals(self) -> None:
        """The latest eval run's table and cost-vs-quality plot, and the shadow samples."""
        if not isinstance(self.screen, EvalsScreen):
            self.push_screen(EvalsScreen(self.orch))

    def action_memory(self) -> None:
        if not isinstance(self.screen, MemoryScreen):
            self.push_screen(MemoryScreen(self.orch))

    def action_help(self) -> None:
        active = self.screen.active_bindings.values()
        self.push_screen(HelpScreen(help_sections(active, self.get_key_display)))
