"""The swarm as a whole: pause or resume an agent or everything, and quit (asking first while
work runs: stop it, or hand the run over to a service)."""

from __future__ import annotations

from swarm_tui.tui.actions.base import RoomActions
from swarm_tui.tui.screens.choose import QuitScreen

__all__ = ["SwarmActions"]


class SwarmActions(RoomActions):
    handover = False
    """The person chose to hand the run over to a service when quitting (cli/headless.py
    starts ``swarm-tui up`` once the room has closed and the attempts are back in the queue)."""

    def detaching(self) -> bool:
        """Quitting leaves the swarm running (an attached room): never asked."""
        return False

    async def toggle_agent(self, agent: str) -> None:
        if self.orch.agent_paused(agent):
            await self._do("resume agent", self.orch.resume_agent(agent))
            self.notify(f"agent {agent} resumed", timeout=3)
        else:
            await self._do("pause agent", self.orch.pause_agent(agent))
            self.notify(f"agent {agent} paused: its running work went back to the queue")

    async def action_pause_agent(self) -> None:
        task = self._selected()
        if task is not None:
            await self.toggle_agent(task.agent or task.pin_agent or task.role)

    async def action_pause_all(self) -> None:
        if self.orch.paused_all():
            await self.orch.resume_all()
            self.notify("resumed: dispatching again", timeout=3)
        else:
            await self.orch.pause_all()
            self.notify("everything paused: running work went back to the queue", timeout=5)

    async def action_quit(self) -> None:
        """ctrl+q (Textual's own quit key) and the palette's "Quit the application" ask
        first, as ``q`` does: they must not stop running work without a word."""
        await self.action_quit_room()

    async def action_quit_room(self) -> None:
        running = len(self.orch.running)
        if not running or self.detaching():
            self.exit()  # attached: the service goes on without this room
            return
        if isinstance(self.screen, QuitScreen):
            return  # the question is on screen already (ctrl+q works on every screen)
        screen = QuitScreen(
            f"{running} attempt(s) running. Quit? Stop (y): they stop now, keep their output,"
            " and resume on the next start. Hand over (h): a service (swarm-tui up) takes"
            " the run over and goes on after this room closes; attach again with swarm-tui."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.handover = screen.handover
                self.exit()

        self.push_screen(screen, answered)
