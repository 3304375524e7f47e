"""A plan before approval, as an editable list: change a step's prompt (``e``), role
(``r``) or mode (``m``); add one after the highlighted step (``n`` or ``+``: its role, its
prompt, the step it depends on; ``m`` then sets its mode); add or drop a dependency (``d``);
remove one (``x``: the steps that depended on it no longer do); move one up or down
(``K``/``J``); the worst case against the budget on top. ``ctrl+s``
approves the plan as shown, ``escape`` leaves it waiting."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from swarm_tui.config import Settings
from swarm_tui.core.budget import usd
from swarm_tui.goals.plan import Plan, PlanStep
from swarm_tui.service.room_api import GoalsAPI
from swarm_tui.tui.screens.choose import ChooseScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen

__all__ = ["PlanEditScreen"]

MODES = ("single", "consensus", "review")
NONE = "-"
"""The choice of no dependency (a step's name starts with a letter)."""


def step_line(step: PlanStep) -> str:
    after = f" after {', '.join(step.depends_on)}" if step.depends_on else ""
    gate = f", reviews {step.reviews}" if step.reviews else ""
    prompt = " ".join(step.prompt.split())
    return f"{step.name} ({step.role}, {step.mode}{gate}){after}: {prompt[:80]}"


class PlanEditScreen(ModalScreen[Plan | None]):
    DEFAULT_CSS = """
    PlanEditScreen { align: center middle; }
    PlanEditScreen > Vertical {
        width: 95%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    PlanEditScreen OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("e", "edit", "Edit prompt", id="plan_edit"),
        Binding("r", "role", "Role", id="plan_role"),
        Binding("m", "mode", "Mode", id="plan_mode"),
        Binding("n,plus", "add", "Add step", id="plan_add"),
        Binding("d", "depends", "Depends on", id="plan_depends"),
        Binding("x", "remove", "Remove", id="plan_remove"),
        Binding("K", "move(-1)", "Up", id="plan_up"),
        Binding("J", "move(1)", "Down", id="plan_down"),
        Binding("ctrl+s", "approve", "Approve", id="plan_approve", priority=True),
        Binding("escape", "dismiss(None)", "Leave waiting", id="plan_close"),
    ]

    def __init__(
        self, goal_id: int, plan: Plan, engine: GoalsAPI, settings: Settings, rounds: int
    ) -> None:
        super().__init__()
        self.goal_id = goal_id
        self.steps = list(plan.steps)
        self.engine = engine
        self.settings = settings
        self.rounds = rounds

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"Plan of goal #{self.goal_id} (e prompt · r role · m mode · n add · d depends on"
                " · x remove ·"
                " K/J move · ctrl+s approve · esc leave waiting)"
            )
            yield Label("", id="plan_cost")
            yield OptionList(id="plan_steps")

    def on_mount(self) -> None:
        self._show(0)
        self.query_one(OptionList).focus()

    def _plan(self) -> Plan | None:
        try:
            return Plan(steps=self.steps)
        except ValueError as exc:
            self.notify(str(exc), severity="error", timeout=6)
            return None

    def _show(self, keep: int | None = None) -> None:
        options = self.query_one(OptionList)
        at = options.highlighted if keep is None else keep
        options.clear_options()
        options.add_options([Option(step_line(s), id=s.name) for s in self.steps])
        if self.steps:
            options.highlighted = max(0, min(at or 0, len(self.steps) - 1))
        cost = self.query_one("#plan_cost", Label)
        plan = Plan(steps=self.steps) if self.steps else None
        worst = self.engine.worst_case(plan, self.rounds) if plan else 0.0
        limit = self.settings.goals.budget_usd
        against = f" of the budget {usd(limit)}" if limit else " (no [goals] budget_usd)"
        cost.update(f"{len(self.steps)} step(s); worst case {usd(worst)}{against}")

    def _at(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        return index if index is not None and 0 <= index < len(self.steps) else None

    def _replace(self, index: int, **fields: object) -> None:
        self.steps[index] = self.steps[index].model_copy(update=fields)
        self._show(index)

    def action_edit(self) -> None:
        index = self._at()
        if index is None:
            return

        def saved(text: str | None) -> None:
            if text is not None and text.strip():
                self._replace(index, prompt=text.strip())

        step = self.steps[index]
        self.app.push_screen(MemoryEditScreen(f"step {step.name}: prompt", step.prompt), saved)

    def action_role(self) -> None:
        index = self._at()
        if index is None:
            return

        def chosen(role: str | None) -> None:
            if role:
                self._replace(index, role=role)

        options = [(name, f"{name}: {a.role}") for name, a in self.settings.agents.items()]
        self.app.push_screen(ChooseScreen("role of the step", options), chosen)

    def _new_name(self) -> str:
        names = {s.name for s in self.steps}
        return next(f"step{i}" for i in range(len(names) + 1, 2 * len(names) + 3)
                    if f"step{i}" not in names)  # fmt: skip

    def action_add(self) -> None:
        """A new step after the highlighted one: its role, then its prompt, then the step it
        depends on (the highlighted one offered first)."""
        at = self._at()
        name = self._new_name()
        roles = [(n, f"{n}: {a.role}") for n, a in self.settings.agents.items()]

        def chosen_role(role: str | None) -> None:
            if not role:
                return

            def written(prompt: str | None) -> None:
                if prompt is None or not prompt.strip():
                    return
                first = [self.steps[at].name] if at is not None else []
                names = first + [s.name for s in self.steps if s.name not in first]
                options = [(n, f"after {n}") for n in names] + [(NONE, "nothing (runs at once)")]

                def chosen_dep(dep: str | None) -> None:
                    if dep is None:
                        return
                    step = PlanStep(name=name, role=role, prompt=prompt.strip(),
                                    depends_on=[] if dep == NONE else [dep])  # fmt: skip
                    index = len(self.steps) if at is None else at + 1
                    self.steps.insert(index, step)
                    self._show(index)

                self.app.push_screen(ChooseScreen(f"step {name}: depends on", options), chosen_dep)

            self.app.push_screen(MemoryEditScreen(f"step {name}: prompt", ""), written)

        self.app.push_screen(ChooseScreen(f"step {name}: role", roles), chosen_role)

    def action_depends(self) -> None:
        """Add (or drop, when it is there) a dependency of the highlighted step."""
        index = self._at()
        if index is None or len(self.steps) == 1:
            return
        step = self.steps[index]
        others = [s.name for s in self.steps if s.name != step.name]
        options = [(n, f"{'drop' if n in step.depends_on else 'add'} {n}") for n in others]

        def chosen(dep: str | None) -> None:
            if dep is None:
                return
            deps = list(step.depends_on)
            if dep in deps:
                if step.reviews == dep:
                    self.notify("a review gate depends on the step it reviews", timeout=4)
                    return
                deps.remove(dep)
            else:
                deps.append(dep)
            self._replace(index, depends_on=deps)

        self.app.push_screen(ChooseScreen(f"step {step.name}: depends on", options), chosen)

    def action_mode(self) -> None:
        index = self._at()
        if index is not None:
            mode = self.steps[index].mode
            self._replace(index, mode=MODES[(MODES.index(mode) + 1) % len(MODES)])

    def action_remove(self) -> None:
        index = self._at()
        if index is None or len(self.steps) == 1:
            if index is not None:
                self.notify("a plan needs one step at least", severity="warning", timeout=4)
            return
        gone = self.steps.pop(index).name
        self.steps = [
            s.model_copy(update={
                "depends_on": [d for d in s.depends_on if d != gone],
                "reviews": None if s.reviews == gone else s.reviews,
            })
            for s in self.steps
        ]  # fmt: skip
        self._show(index)

    def action_move(self, by: int) -> None:
        index = self._at()
        if index is None or not 0 <= index + by < len(self.steps):
            return
        self.steps[index], self.steps[index + by] = self.steps[index + by], self.steps[index]
        self._show(index + by)

    def action_approve(self) -> None:
        plan = self._plan()
        if plan is not None:
            self.dismiss(plan)
