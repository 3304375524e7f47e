"""The selected task's keys: a new task, dispatch now, pause or resume, cancel (a running one
only after asking), retry, priority, reassign."""

from __future__ import annotations

from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.tui.actions.base import REFUSALS, RoomActions
from swarm_tui.tui.screens.choose import ChooseScreen, ConfirmScreen
from swarm_tui.tui.screens.new_task import NewTaskScreen
from swarm_tui.tui.widgets.task_table import TaskTable

__all__ = ["TaskActions"]


class TaskActions(RoomActions):
    def action_new_task(self) -> None:
        agents = list(self.settings.agents)
        form = NewTaskScreen(
            agents,
            self.settings.default_agent,
            projects=list(self.settings.projects),
            role_projects={name: agent.project for name, agent in self.settings.agents.items()},
        )
        self.push_screen(form, self._submitted)

    async def _submitted(self, spec: TaskSpec | None) -> None:
        if spec is None:
            return
        try:
            [(task, _)] = await self.orch.submit([spec], labels=["new task"])
        except REFUSALS as exc:
            self.notify(str(exc), title="not submitted", severity="error", timeout=8)
            return
        self.query_one(TaskTable).upsert([task])
        self.notify(f"task #{task.id} queued for {task.role}", timeout=3)

    async def action_dispatch(self) -> None:
        task = self._selected()
        if task is not None:
            try:
                message = await self.orch.dispatch_now(task.id)
            except REFUSALS as exc:
                message = str(exc)
            self.notify(message, title="dispatch", timeout=4)

    async def action_pause_task(self) -> None:
        task = self._selected()
        if task is None:
            return
        if task.state == TaskState.PAUSED:
            await self._do("resume", self.orch.resume(task.id))
        else:
            await self._do("pause", self.orch.pause(task.id))
        await self._refresh(task.id)

    async def action_cancel_task(self) -> None:
        """Cancel the selected task; a running one (its work stops) only after asking."""
        task = self._selected()
        if task is None:
            return

        async def cancel(yes: bool | None = True) -> None:
            if yes and await self._do("cancel", self.orch.cancel(task.id)):
                self.notify(f"task #{task.id} cancelled", timeout=3)
            await self._refresh(task.id)

        if task.state in (TaskState.RUNNING, TaskState.NEEDS_VOTE):
            what = (
                "Its running attempt stops; the output so far is kept."
                if task.state == TaskState.RUNNING
                else "The vote it waits for is dropped; the answers are kept."
            )
            self.push_screen(
                ConfirmScreen(f"Cancel task #{task.id} {task.title!r}? {what}"), cancel
            )
        else:
            await cancel()

    async def action_retry(self) -> None:
        task = self._selected()
        if task is not None:
            await self._do("retry", self.orch.retry(task.id))
            await self._refresh(task.id)

    async def action_priority(self, delta: int) -> None:
        task = self._selected()
        if task is not None:
            priority = task.priority + delta
            if await self._do("priority", self.orch.set_priority(task.id, priority)):
                self.notify(f"task #{task.id}: priority {task.priority} → {priority}", timeout=3)
            await self._refresh(task.id)

    def action_reassign(self) -> None:
        task = self._selected()
        if task is None:
            return
        options = [(f"agent:{a}", f"agent {a}") for a in self.settings.agents if a != task.role]
        for provider, config in self.settings.providers.items():
            options += [(f"model:{provider}/{m}", f"model {provider}/{m}") for m in config.models]
        title = f"Reassign task #{task.id} (running work stops; its output is kept)"

        async def chosen(choice: str | None) -> None:
            if choice is None:
                return
            kind, _, value = choice.partition(":")
            call = (
                self.orch.reassign(task.id, agent=value)
                if kind == "agent"
                else self.orch.reassign(task.id, model=value)
            )
            if await self._do("reassign", call):
                self.notify(f"task #{task.id} reassigned to {value}", timeout=3)
            await self._refresh(task.id)

        self.push_screen(ChooseScreen(title, options), chosen)
