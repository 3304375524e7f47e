"""The goals view: each goal as a tree of its steps with progress, cost so far and score.
``n`` starts a goal (the room's orchestrator runs it, or the service the room is attached
to), ``a`` opens a waiting plan for review and approval, ``x`` cancels the selected goal.
It programs against :class:`~swarm_tui.service.room_api.GoalsAPI`: the room's own goal
engine or the service's goals over its socket."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Tree

from swarm_tui.config import Settings
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.goals import Goal, GoalState, split_step
from swarm_tui.goals.plan import Plan
from swarm_tui.service.room_api import GoalsAPI
from swarm_tui.tui.screens.plan_edit import PlanEditScreen

__all__ = ["GoalNewScreen", "GoalsScreen", "goal_label"]

EMPTY = "No goals yet: n starts one (a request the planner splits into role tasks)."


def goal_label(goal: Goal, fig: dict[str, Any], plan: Plan | None) -> str:
    total = len(plan.steps) if plan else 0
    done = (
        {split_step(s["step"])[0] for s in fig["steps"] if s["state"] == "succeeded"}
        & {s.name for s in plan.steps}
        if plan
        else set()
    )
    score = "-" if goal.score is None else f"{goal.score:g}/10"
    progress = f"{len(done)}/{total} steps" if total else "planning"
    return (
        f"#{goal.id} {goal.state.value} · {progress} · ${fig['cost_usd']:.4f} · score {score}"
        f" · {goal.request[:60]}"
    )


class GoalNewScreen(ModalScreen[str | None]):
    DEFAULT_CSS = """
    GoalNewScreen { align: center middle; }
    GoalNewScreen > Vertical {
        width: 80%; height: auto; border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="goal_new_cancel")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New goal: what you want done (enter starts it · esc cancels)")
            yield Input(placeholder="e.g. add a health endpoint", id="goal_request")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())


class GoalsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    GoalsScreen { align: center middle; }
    GoalsScreen > Vertical {
        width: 95%; height: 95%; border: thick $primary; background: $surface; padding: 0 1;
    }
    GoalsScreen Tree { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "new", "New goal", id="goals_new"),
        Binding("a", "approve", "Review plan", id="goals_approve"),
        Binding("x", "cancel", "Cancel goal", id="goals_cancel"),
        Binding("escape", "dismiss(None)", "Close", id="goals_close"),
    ]

    def __init__(self, engine: GoalsAPI, settings: Settings, *, driven: bool) -> None:
        super().__init__()
        self.engine = engine
        self.settings = settings
        self.driven = driven
        """Goals move on by themselves (the room's own orchestrator runs, or the service)."""
        self.shown: list[Goal] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Goals (n new · a review plan · x cancel · esc)")
            yield Label("", id="goals_empty")
            tree: Tree[int] = Tree("goals", id="goals_tree")
            tree.show_root = False
            yield tree

    async def on_mount(self) -> None:
        await self.reload()
        self.query_one(Tree).focus()
        self.set_interval(1.0, self.reload)

    async def reload(self) -> None:
        goals = await self.engine.goals()
        tree: Tree[int] = self.query_one(Tree)
        selected = self.selected_goal()
        self.query_one("#goals_empty", Label).update("" if goals else EMPTY)
        tree.clear()
        for goal in goals:
            fig = await self.engine.figures(goal)
            plan = Plan.model_validate_json(goal.plan) if goal.plan else None
            node = tree.root.add(goal_label(goal, fig, plan), data=goal.id, expand=True)
            started = set()
            for s in fig["steps"]:
                started.add(split_step(s["step"])[0])
                secs = "" if s["seconds"] is None else f" {s['seconds']:.1f}s"
                node.add_leaf(
                    f"{s['step']} {s['state']} ({s['role']}){secs} ${s['cost_usd']:.4f}",
                    data=goal.id,
                )
            for step in plan.steps if plan else []:
                if step.name not in started:
                    node.add_leaf(f"{step.name} waiting ({step.role})", data=goal.id)
            if goal.reason:
                node.add_leaf(f"why: {goal.reason}", data=goal.id)
        self.shown = goals
        nodes = tree.root.children
        keep = next((n for n in nodes if n.data == selected), nodes[0] if nodes else None)
        if keep is not None:
            tree.move_cursor(keep)

    def selected_goal(self) -> int | None:
        node = self.query_one(Tree).cursor_node
        return node.data if node is not None and isinstance(node.data, int) else None

    def _drive(self, goal: Goal) -> None:
        if not self.driven and not (goal.state.terminal or goal.state.waiting):
            self.app.run_worker(self.engine.drive(goal.id), group="goals", exit_on_error=False)

    def action_new(self) -> None:
        async def start(request: str | None) -> None:
            if not request:
                return
            try:
                goal = await self.engine.start(request)
            except ControlError as exc:
                self.notify(str(exc), title="goal", severity="error", timeout=6)
                return
            self._drive(goal)
            await self.reload()

        self.app.push_screen(GoalNewScreen(), start)

    async def action_approve(self) -> None:
        goal_id = self.selected_goal()
        if goal_id is None:
            return
        goal = await self.engine.goal(goal_id)
        if goal.state != GoalState.AWAITING_APPROVAL or goal.plan is None:
            self.notify(f"goal #{goal_id} is {goal.state.value}: no plan waits", timeout=4)
            return

        async def approved(plan: Plan | None) -> None:
            if plan is None:
                return
            try:
                done = await self.engine.approve(goal_id, plan)
            except ControlError as exc:
                self.notify(str(exc), title="approve", severity="error", timeout=6)
                return
            self._drive(done)
            await self.reload()

        plan = Plan.model_validate_json(goal.plan)
        screen = PlanEditScreen(goal_id, plan, self.engine, self.settings, goal.max_rounds)
        self.app.push_screen(screen, approved)

    async def action_cancel(self) -> None:
        goal_id = self.selected_goal()
        if goal_id is not None:
            await self.engine.cancel(goal_id)
            await self.reload()
