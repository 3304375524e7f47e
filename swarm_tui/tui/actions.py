"""What each control-room key does. Every action goes through the orchestrator's public API;
a refusal is shown as a notification, never a crash."""

from __future__ import annotations

from textual.app import App
from textual.widgets import DataTable, Input

from swarm_tui.config import Settings
from swarm_tui.core.control import Control, ControlError
from swarm_tui.core.submit import SubmitError
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.domain.review import ReviewSource
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.goals_client import ServiceGoals
from swarm_tui.service.room_api import GoalsAPI, SwarmAPI
from swarm_tui.tui.review_source import LedgerReviews
from swarm_tui.tui.screens.approvals import ApprovalsScreen
from swarm_tui.tui.screens.choose import ChooseScreen, ConfirmScreen, QuitScreen
from swarm_tui.tui.screens.evals import EvalsScreen
from swarm_tui.tui.screens.goals import GoalsScreen
from swarm_tui.tui.screens.help import HelpScreen, help_sections
from swarm_tui.tui.screens.memory import MemoryScreen
from swarm_tui.tui.screens.new_task import NewTaskScreen
from swarm_tui.tui.screens.review import ReviewScreen
from swarm_tui.tui.screens.stream_focus import StreamFocusScreen
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.task_table import TaskTable
from swarm_tui.tui.widgets.voting_pane import VotingPane
from swarm_tui.workspace.reviews import WorkspaceReviews

__all__ = ["Actions"]

REFUSALS = (ControlError, InvalidTransition, SubmitError)


class Actions(App[None]):
    """The actions half of the control room; :class:`SwarmApp` adds the wiring."""

    settings: Settings
    orch: SwarmAPI
    handover = False
    """The person chose to hand the run over to a service when quitting (cli/headless.py
    starts ``swarm-tui up`` once the room has closed and the attempts are back in the queue)."""

    def detaching(self) -> bool:
        """Quitting leaves the swarm running (an attached room): never asked."""
        return False

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

    # ------------------------------------------------------------------ conflicts
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

    # ------------------------------------------------------------------ tasks
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

    def action_focus_stream(self) -> None:
        task = self._selected()
        if task is None:
            return
        panel = self.query_one(AgentStreams).for_task(task.id)
        if panel is None:
            self.notify(f"task #{task.id} has no live stream; i shows its output", timeout=4)
        else:
            self.push_screen(StreamFocusScreen(panel))

    def action_stream_list(self) -> None:
        """Every stream by title (running first): the chosen one full screen."""
        streams = self.query_one(AgentStreams)
        panels = streams.listing()
        if not panels:
            self.notify("no streams yet: one shows here for each running attempt", timeout=4)
            return
        options = [
            (str(p.info.attempt_id), f"{p.border_title} · {p.info.state} · {p.info.tokens} tok")
            for p in panels
        ]
        running = len(streams.running())
        title = f"Streams: {running} running, {len(panels) - running} ended (enter: full screen)"

        def chosen(choice: str | None) -> None:
            panel = streams.panels.get(int(choice)) if choice else None
            if panel is not None:
                streams.scroll_to_widget(panel, animate=False)
                self.push_screen(StreamFocusScreen(panel))

        self.push_screen(ChooseScreen(title, options), chosen)

    # ------------------------------------------------------------------ agents / all
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

    # ------------------------------------------------------------------ view
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

    # ------------------------------------------------------------------ tools
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
