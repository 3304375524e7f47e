"""The goal engine: plan, approve, run the steps, gate them by review, synthesise.

Every decision is read back from the ledger (the goal's row and the tasks it spawned), and
every task is submitted with an idempotency key (``goal:ID:STEP#ROUND``), so
:meth:`GoalEngine.advance` can be called any number of times, by any process, after any
crash: a goal killed while planning or mid-run resumes where its ledger says it is. The
plan is stored before any of its tasks is created.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swarm_tui.core.bus import Subscription
from swarm_tui.core.consensus import ParseError, parse_score
from swarm_tui.core.control import Control
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.events import TaskChanged
from swarm_tui.domain.goals import (
    PLAN_STEP,
    SYNTHESIS_STEP,
    Goal,
    GoalState,
    split_step,
    step_label,
)
from swarm_tui.domain.models import Task, TaskMode, TaskSpec, TaskState
from swarm_tui.domain.workspaces import Review
from swarm_tui.goals.figures import goal_figures
from swarm_tui.goals.plan import (
    Plan,
    PlanStep,
    ordered_plan_schema,
    parse_plan,
    plan_from_workflow,
    plan_schema,
    plan_worst_case,
    refusal,
)
from swarm_tui.goals.prompts import (
    REVIEW_SCHEMA,
    planner_prompt,
    review_prompt,
    schema_json,
    step_prompt,
    synthesis_prompt,
)
from swarm_tui.store.ledger import Ledger

__all__ = ["ACTIVE", "GoalEngine", "StepStatus", "diff_summary", "stalled", "step_status"]

_BAD = (TaskState.FAILED, TaskState.CANCELLED)
_REVIEW = TaskState.NEEDS_REVIEW
ACTIVE = (GoalState.PLANNING, GoalState.RUNNING, GoalState.SYNTHESIZING)
"""Goals a running orchestrator moves on by itself."""


@dataclass(frozen=True, slots=True)
class StepStatus:
    """One step of a running goal, as its tasks say."""

    name: str
    round: int
    """The newest round submitted (0: not yet)."""
    task: Task | None
    """The newest round's task."""
    score: int | None = None
    """A review gate: the newest round's score."""
    reason: str = ""


def _rounds(tasks: list[Task]) -> dict[str, list[Task]]:
    """Tasks by step name, in round order."""
    out: dict[str, list[Task]] = {}
    for task in tasks:
        if task.step is None:
            continue
        name, _ = split_step(task.step)
        out.setdefault(name, []).append(task)
    for name in out:
        out[name].sort(key=lambda t: split_step(t.step or "")[1])
    return out


def step_status(tasks: list[Task], name: str) -> StepStatus:
    rounds = _rounds(tasks).get(name, [])
    if not rounds:
        return StepStatus(name, 0, None)
    task = rounds[-1]
    score, reason = None, ""
    if task.state == TaskState.SUCCEEDED and task.result is not None:
        with contextlib.suppress(ParseError):
            score, reason = parse_score(task.result)
    return StepStatus(name, split_step(task.step or "")[1], task, score, reason)


class GoalEngine:
    """Goals over a :class:`Control` (whose orchestrator runs the tasks)."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.settings = control.settings
        self._lock = asyncio.Lock()  # one advance at a time in this process

    @property
    def ledger(self) -> Ledger:
        return self.control.ledger

    # ------------------------------------------------------------------ commands
    def planner(self) -> str:
        goals = self.settings.goals
        if goals.planner:
            return goals.planner
        return "project-manager" if "project-manager" in self.settings.agents else (
            self.settings.default_agent
        )  # fmt: skip

    def synthesizer(self) -> str:
        return self.settings.goals.synthesizer or self.planner()

    async def start(
        self,
        request: str,
        *,
        workflow: str | None = None,
        approve: bool = False,
        key: str | None = None,
    ) -> Goal:
        """A new goal: planned (or laid out from ``workflow``), then advanced once; with
        ``key``, the goal that has it if there is one."""
        if not request.strip():
            raise ControlError("a goal needs a request (what you want done)")
        if key is not None:
            existing = await self.ledger.goal_by_key(key)
            if existing is not None:
                return existing
        goals = self.settings.goals
        approve = approve or goals.auto_approve
        now = self.control.clock()
        if workflow is None:
            goal = await self.ledger.insert_goal(
                request, GoalState.PLANNING, now, pass_mark=goals.pass_mark,
                max_rounds=goals.max_rounds, approved=approve, key=key,
            )  # fmt: skip
            return await self.advance(goal.id)
        flow = self.settings.workflows.get(workflow)
        if flow is None:
            known = ", ".join(self.settings.workflows) or "none configured: see [workflows.NAME]"
            raise ControlError(f"unknown workflow {workflow!r} (known: {known})")
        plan = plan_from_workflow(flow)
        rounds = flow.max_rounds or goals.max_rounds
        why = refusal(self.settings, plan, rounds, self._task_usd())
        state = GoalState.REFUSED if why else (
            GoalState.RUNNING if approve else GoalState.AWAITING_APPROVAL
        )  # fmt: skip
        goal = await self.ledger.insert_goal(
            request, state, now, plan=plan.to_json(), workflow=workflow,
            pass_mark=flow.pass_mark or goals.pass_mark, max_rounds=rounds, approved=approve,
            key=key,
        )  # fmt: skip
        if why:
            await self.ledger.update_goal(goal.id, now, reason=why, finished_at=now)
        return await self.advance(goal.id)

    async def goals(self) -> list[Goal]:
        """Every goal, newest first."""
        return await self.ledger.list_goals()

    async def figures(self, goal: Goal) -> dict[str, Any]:
        """The goal's figures (see goals.figures)."""
        return await goal_figures(self.ledger, self.settings, goal, self.control.clock())

    def worst_case(self, plan: Plan, max_rounds: int) -> float:
        """The plan's worst-case cost: every step on its role's dearest model, every round
        of a gated step."""
        return plan_worst_case(self.settings, plan, max_rounds)

    async def goal(self, goal_id: int) -> Goal:
        goal = await self.ledger.get_goal(goal_id)
        if goal is None:
            raise ControlError(f"no goal #{goal_id}")
        return goal

    async def approve(self, goal_id: int, plan: Plan | None = None) -> Goal:
        """Run a plan that waits for approval (``plan``: an edited one, checked again)."""
        goal = await self.goal(goal_id)
        if goal.state != GoalState.AWAITING_APPROVAL:
            raise ControlError(f"goal #{goal_id} is {goal.state.value}, not awaiting approval")
        fields: dict[str, object] = {"state": GoalState.RUNNING, "approved": True}
        if plan is not None:
            why = refusal(self.settings, plan, goal.max_rounds, self._task_usd())
            if why:
                raise ControlError(f"the edited plan cannot run: {why}")
            fields["plan"] = plan.to_json()
        await self.ledger.update_goal(goal_id, self.control.clock(), **fields)
        return await self.advance(goal_id)

    async def resume(self, goal_id: int) -> Goal:
        """Advance a goal; one that waits for a person (``needs_human``) is taken up again
        first, once its cause is dealt with (a failed task retried, a plan fixed by hand):
        the planner gets one more try, a step its task's new state."""
        goal = await self.goal(goal_id)
        if goal.state == GoalState.NEEDS_HUMAN:
            back = GoalState.PLANNING if goal.plan is None else GoalState.RUNNING
            fields: dict[str, object] = {"state": back, "reason": None}
            if back == GoalState.PLANNING:
                await self._retry_plan(goal)
            await self.ledger.update_goal(goal_id, self.control.clock(), **fields)
        return await self.advance(goal_id)

    async def _retry_plan(self, goal: Goal) -> None:
        """The planner's next round, asked with the last round's problems."""
        tasks = await self.ledger.goal_tasks(goal.id)
        latest = step_status(tasks, PLAN_STEP)
        if latest.task is None or latest.task.state != TaskState.SUCCEEDED:
            if latest.task is not None and latest.task.state in _BAD:
                await self.control.retry(latest.task.id)
            return
        _, errors = parse_plan(latest.task.result or "", self.settings.goals.max_steps)
        prompt = planner_prompt(self.settings, goal.request, errors, latest.task.result)
        await self._submit(goal, step_label(PLAN_STEP, latest.round + 1), self.planner(),
                           prompt, schema=self._plan_schema())  # fmt: skip

    async def cancel(self, goal_id: int) -> Goal:
        goal = await self.goal(goal_id)
        if goal.state.terminal:
            return goal
        for task in await self.ledger.goal_tasks(goal_id):
            if not task.state.terminal:
                with contextlib.suppress(ControlError):
                    await self.control.cancel(task.id)
        now = self.control.clock()
        await self.ledger.update_goal(
            goal_id, now, state=GoalState.CANCELLED, reason="cancelled", finished_at=now
        )
        return await self.goal(goal_id)

    # ------------------------------------------------------------------ the state machine
    async def advance(self, goal_id: int) -> Goal:
        """Move the goal as far as its tasks allow now; returns it as it is then."""
        async with self._lock:
            goal = await self.goal(goal_id)
            tasks = await self.ledger.goal_tasks(goal_id)
            if goal.state == GoalState.PLANNING:
                await self._planning(goal, tasks)
            elif goal.state == GoalState.RUNNING:
                await self._running(goal, tasks)
            elif goal.state == GoalState.SYNTHESIZING:
                await self._synthesizing(goal, tasks)
            return await self.goal(goal_id)

    async def _submit(
        self,
        goal: Goal,
        label: str,
        role: str,
        prompt: str,
        *,
        mode: TaskMode = TaskMode.SINGLE,
        schema: dict[str, object] | None = None,
        tags: tuple[str, ...] = (),
        project: str | None = None,
        after: tuple[int, ...] = (),
    ) -> None:
        name, number = split_step(label)
        spec = TaskSpec(
            prompt=prompt,
            title=f"goal #{goal.id} {name}" + (f" (round {number})" if number > 1 else ""),
            role=role,
            mode=mode,
            tags=("goal", *tags),
            key=f"goal:{goal.id}:{label}",
            goal_id=goal.id,
            step=label,
            output_schema=schema_json(schema) if schema is not None else None,
            project=project,
            after=after,
        )
        await self.control.submit([spec], [f"goal #{goal.id} step {label}"])

    async def _stop(self, goal: Goal, state: GoalState, reason: str, **fields: object) -> None:
        now = self.control.clock()
        finished = now if state.terminal else None
        await self.ledger.update_goal(
            goal.id, now, state=state, reason=reason, finished_at=finished, **fields
        )

    async def _note(self, goal: Goal, reason: str) -> None:
        """Say why a goal in hand does not move (a step waits for review, a task is held),
        or clear what was said once it moves again."""
        if (goal.reason or "") != reason:
            await self.ledger.update_goal(goal.id, self.control.clock(), reason=reason or None)

    def _task_usd(self) -> float:
        """The per-task limit now: the config's, or as raised during the run."""
        return self.control.parts.spending.limit("task")

    def _stopped(self, agent: str) -> str | None:
        """Why no attempt of ``agent`` starts now: a budget stop, or a pause of the swarm
        or of the agent (None: nothing stops it)."""
        if self.control.flags.paused_all():
            return "the swarm is paused (resume it)"
        if self.control.flags.agent_paused(agent):
            return f"agent {agent} is paused (resume it)"
        return self.control.parts.spending.stopped(agent)

    async def _diff_summary(self, task_id: int) -> str:
        """A code step's change: its files with +/- counts and the checks' verdict."""
        review = await self.control.review_of(task_id)
        if review is None:
            return ""
        return diff_summary(review)

    async def _diff_summaries(self, plan: Plan, results: dict[str, StepStatus]) -> dict[str, str]:
        out: dict[str, str] = {}
        for step in plan.steps:
            task = results[step.name].task
            if task is not None and task.project is not None:
                out[step.name] = await self._diff_summary(task.id)
        return out

    def _plan_schema(self) -> dict[str, object]:
        roles = list(self.settings.agents)
        agent = self.settings.agents[self.planner()]
        heaviest = max(agent.mix, key=lambda ref: agent.mix[ref])
        provider = self.settings.providers[heaviest.partition("/")[0]]
        steps = self.settings.goals.max_steps
        if provider.kind == "local":  # a grammar-constrained small model
            return ordered_plan_schema(roles, min(steps, 4))
        return plan_schema(roles, steps)

    async def _planning(self, goal: Goal, tasks: list[Task]) -> None:
        latest = step_status(tasks, PLAN_STEP)
        if latest.task is None:
            prompt = planner_prompt(self.settings, goal.request, (), None)
            await self._submit(goal, step_label(PLAN_STEP, 1), self.planner(), prompt,
                               schema=self._plan_schema())  # fmt: skip
            return
        task = latest.task
        if task.state in _BAD:
            await self._stop(goal, GoalState.NEEDS_HUMAN, f"the planner's task #{task.id}"
                             f" {task.state.value}: {task.error or ''}".rstrip(": "))  # fmt: skip
            return
        if task.state != TaskState.SUCCEEDED:
            await self._note(goal, _held_reason([task], self._stopped))
            return
        plan, errors = parse_plan(task.result or "", self.settings.goals.max_steps)
        if plan is None:
            if latest.round > self.settings.goals.plan_retries:
                listed = "; ".join(errors)
                await self._stop(goal, GoalState.NEEDS_HUMAN, f"no valid plan after"
                                 f" {latest.round} tries: {listed}")  # fmt: skip
                return
            prompt = planner_prompt(self.settings, goal.request, errors, task.result)
            await self._submit(goal, step_label(PLAN_STEP, latest.round + 1), self.planner(),
                               prompt, schema=self._plan_schema())  # fmt: skip
            return
        why = refusal(self.settings, plan, goal.max_rounds, self._task_usd())
        if why:
            await self._stop(goal, GoalState.REFUSED, why, plan=plan.to_json())
            return
        state = GoalState.RUNNING if goal.approved else GoalState.AWAITING_APPROVAL
        await self.ledger.update_goal(goal.id, self.control.clock(), state=state,
                                      plan=plan.to_json(), reason=None)  # fmt: skip
        if state == GoalState.RUNNING:
            await self._running(await self.goal(goal.id), tasks)

    def _passed(
        self, plan: Plan, tasks: list[Task], name: str, pass_mark: int, asker: str | None = None
    ) -> bool:
        """Step ``name`` is done: its newest round succeeded (or, changing code, waits for
        review: committed and checked) and every gate of it scored that round at or above
        the pass mark; a gate that itself waits for ``asker`` is not waited for."""
        own = step_status(tasks, name)
        if own.task is None or not _done(own.task):
            return False
        if plan.step(name).reviews is not None:  # a gate: done when it passed its step
            return own.score is not None and own.score >= pass_mark
        for gate in plan.gates(name):
            if asker is not None and asker in plan.needs(gate):
                continue
            status = step_status(tasks, gate.name)
            if status.round != own.round or status.score is None or status.score < pass_mark:
                return False
        return True

    async def _running(self, goal: Goal, tasks: list[Task]) -> None:
        plan = Plan.model_validate_json(goal.plan or "{}")
        results = {s.name: step_status(tasks, s.name) for s in plan.steps}
        texts = {n: (s.task.result or "") if s.task else "" for n, s in results.items()}
        for step in plan.steps:
            status = results[step.name]
            task = status.task
            if task is not None and task.state in _BAD:
                reason = f"step {step.name!r} (task #{task.id}) {task.state.value}"
                await self._stop(goal, GoalState.NEEDS_HUMAN, f"{reason}: {task.error or ''}")
                return
            if step.reviews is not None:
                if await self._gate(goal, plan, step, tasks, texts):
                    return
                continue
            if task is None and all(self._passed(plan, tasks, d, goal.pass_mark, step.name)
                                    for d in step.depends_on):  # fmt: skip
                prompt = step_prompt(step, goal.request, texts)
                after = _branches(plan, results, step)
                await self._submit(goal, step_label(step.name, 1), step.role, prompt,
                                   mode=TaskMode(step.mode), tags=_tags(step),
                                   project=step.project, after=after)  # fmt: skip
        passed = all(self._passed(plan, tasks, s.name, goal.pass_mark) for s in plan.steps)
        unmerged = [s.task for s in results.values() if s.task and s.task.state == _REVIEW]
        waiting = unmerged if passed else []
        stopped = self._stopped
        await self._note(
            goal, _waiting_reason(waiting, [s.task for s in results.values()], stopped)
        )
        if passed and not unmerged:
            summaries = await self._diff_summaries(plan, results)
            done = [(s.name, s.role, texts[s.name]) for s in plan.steps]
            prompt = synthesis_prompt(goal.request, done, summaries)
            await self.ledger.update_goal(goal.id, self.control.clock(),
                                          state=GoalState.SYNTHESIZING)  # fmt: skip
            await self._submit(goal, step_label(SYNTHESIS_STEP, 1), self.synthesizer(), prompt)

    async def _gate(
        self, goal: Goal, plan: Plan, gate: PlanStep, tasks: list[Task], texts: dict[str, str]
    ) -> bool:
        """A review gate's turn; True when the goal stopped for a person."""
        target = plan.step(gate.reviews or "")
        work = step_status(tasks, target.name)
        mine = step_status(tasks, gate.name)
        ready = all(self._passed(plan, tasks, d, goal.pass_mark)
                    for d in gate.depends_on if d != target.name)  # fmt: skip
        work_done = work.task is not None and _done(work.task)
        if work_done and ready and mine.round < work.round:  # review this round of the work
            shown = texts[target.name]
            if work.task is not None and work.task.project is not None:
                summary = await self._diff_summary(work.task.id)
                shown = f"{shown}\n\n## Its change\n{summary}" if summary else shown
            prompt = review_prompt(gate, target, goal.request, shown)
            await self._submit(goal, step_label(gate.name, work.round), gate.role, prompt,
                               schema=REVIEW_SCHEMA, tags=_tags(gate))  # fmt: skip
            return False
        if mine.task is None or mine.task.state != TaskState.SUCCEEDED or mine.round < work.round:
            return False
        if mine.score is None:
            shown = (mine.task.result or "")[:200]
            why = f"review {gate.name!r} (task #{mine.task.id}) gave no score from 1 to 10"
            await self._stop(goal, GoalState.NEEDS_HUMAN, f"{why}: {shown!r}")
            return True
        if mine.score >= goal.pass_mark:
            return False
        if work.round >= goal.max_rounds:
            await self._stop(goal, GoalState.NEEDS_HUMAN, f"step {target.name!r} scored"
                             f" {mine.score}/10 (pass mark {goal.pass_mark}) after"
                             f" {work.round} round(s): {mine.reason}")  # fmt: skip
            return True
        feedback = (mine.score, mine.reason, texts[target.name])
        prompt = step_prompt(target, goal.request, texts, feedback)
        rounds = _sent_back(plan, tasks) + 1  # from the ledger: the same however often asked
        await self.ledger.update_goal(goal.id, self.control.clock(), rounds=rounds)
        before = (work.task.id,) if work.task and work.task.state == _REVIEW else ()
        await self._submit(goal, step_label(target.name, work.round + 1), target.role, prompt,
                           mode=TaskMode(target.mode), tags=_tags(target),
                           project=target.project, after=before)  # fmt: skip
        return False

    async def _synthesizing(self, goal: Goal, tasks: list[Task]) -> None:
        status = step_status(tasks, SYNTHESIS_STEP)
        task = status.task
        if task is None:  # killed between the state change and the submit
            await self.ledger.update_goal(goal.id, self.control.clock(), state=GoalState.RUNNING)
            await self._running(await self.goal(goal.id), tasks)
            return
        if task.state in _BAD:
            await self._stop(goal, GoalState.NEEDS_HUMAN, f"the synthesis (task #{task.id})"
                             f" {task.state.value}: {task.error or ''}")  # fmt: skip
            return
        if task.state != TaskState.SUCCEEDED:
            return
        plan = Plan.model_validate_json(goal.plan or "{}")
        scores = [
            s.score
            for g in plan.steps
            if g.reviews is not None and (s := step_status(tasks, g.name)).score is not None
        ]
        score = sum(scores) / len(scores) if scores else None
        await self._stop(goal, GoalState.SUCCEEDED, "", result=task.result, score=score)

    # ------------------------------------------------------------------ driving
    async def advance_active(self) -> bool:
        """Advance every goal in hand (planning, running, synthesizing); True when any of
        them moved (a new state or a new task)."""
        moved = False
        for goal in await self.ledger.list_goals(ACTIVE):
            before = (goal.state, len(await self.ledger.goal_tasks(goal.id)))
            after = await self.advance(goal.id)
            moved |= before != (after.state, len(await self.ledger.goal_tasks(goal.id)))
        return moved

    async def drive_active(self) -> None:
        """Advance the goals in hand whenever a task ends (or every ``[goals]
        poll_seconds``), until cancelled: what a headless run does beside its scheduling."""
        sub = self.control.bus.subscribe()
        try:
            while True:
                await self.advance_active()
                await self._next_end(sub)
        finally:
            sub.close()

    async def _next_end(self, sub: Subscription) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.settings.goals.poll_seconds):
                while not any(_ended(e) for e in await sub.get()):
                    pass

    async def drive(self, goal_id: int) -> Goal:
        """Advance the goal whenever one of its tasks changes (or every ``[goals]
        poll_seconds``) until it ends or waits for a person. The orchestrator must run."""
        sub = self.control.bus.subscribe()
        try:
            while True:
                goal = await self.advance(goal_id)
                if goal.state.terminal or goal.state.waiting or stalled(goal):
                    return goal
                await self._next_end(sub)
        finally:
            sub.close()


REVIEW_WAIT = "waits for review of #"
HELD = ") is held: "


def stalled(goal: Goal) -> bool:
    """A goal in hand that moves no further until a person acts: every step is done but
    one waits for review (``swarm-tui review``), or a task of it is paused (by hand or held
    by the budget). It moves on by itself once that is dealt with."""
    reason = goal.reason or ""
    return not goal.state.terminal and (reason.startswith(REVIEW_WAIT) or HELD in reason)


def _done(task: Task) -> bool:
    """The step's work is done: succeeded, or committed and checked waiting for review."""
    return task.state == TaskState.SUCCEEDED or (task.state == _REVIEW and task.project is not None)


def _branches(plan: Plan, results: dict[str, StepStatus], step: PlanStep) -> tuple[int, ...]:
    """The tasks of ``step``'s dependencies in its own project: the task waits for them
    (and starts from the branch of one still waiting for review)."""
    if step.project is None:
        return ()
    out = []
    for dep in step.depends_on:
        task = results[dep].task
        if task is not None and task.project == step.project:
            out.append(task.id)
    return tuple(out)


def _waiting_reason(
    unmerged: list[Task], tasks: list[Task | None], stopped: Callable[[str], str | None]
) -> str:
    """Why a running goal does not move on by itself: every step is done but some wait for
    a person's review (merge), or a step's task is held."""
    if unmerged:
        return "; ".join(f"{REVIEW_WAIT}{t.id}: swarm-tui review show {t.id}" for t in unmerged)
    known = [t for t in tasks if t is not None]
    if any(t.state == TaskState.RUNNING for t in known):
        return ""  # the goal moves: a held step is named once nothing of it runs
    return _held_reason(known, stopped)


def _held_reason(tasks: list[Task], stopped: Callable[[str], str | None]) -> str:
    """Why a task of the goal does not run: paused (by hand, held, or at its own
    ``[budget] task_usd``: the reason is its error), or queued behind a budget stop of its
    agent or a pause of it or of the swarm (``stopped``)."""
    for task in tasks:
        label = f"task #{task.id} ({task.step or task.title}"
        if task.state == TaskState.PAUSED:
            return f"{label}{HELD}{task.held or task.error or 'by hand'}"
        why = stopped(task.pin_agent or task.role) if task.state == TaskState.QUEUED else None
        if why:
            return f"{label}{HELD}{why}"
    return ""


def diff_summary(review: Review) -> str:
    """``app.py +3 -0, test_health.py +18 -0; checks 1/1 passed`` (from a task's review):
    the branch's change against the base (after the merge: as its last round recorded it)."""
    stat = [(f.path, f.added, f.removed) for f in review.files]
    if not stat and review.rounds:  # merged: the branch's change as its last round recorded it
        stat = list(review.rounds[-1].diffstat)
    files = ", ".join(f"{path} +{_count(a)} -{_count(r)}" for path, a, r in stat)
    passed = sum(1 for c in review.checks if c.passed)
    failed = [c.name for c in review.checks if not c.passed]
    if review.checks:
        checks = f"checks {passed}/{len(review.checks)} passed"
        checks += f" (failed: {', '.join(failed)})" if failed else ""
    else:
        checks = "no checks run"
    return f"{files or 'no files changed'}; {checks}"


def _count(n: int | None) -> str:
    return "?" if n is None else str(n)


def _tags(step: PlanStep) -> tuple[str, ...]:
    return (f"project:{step.project}",) if step.project else ()


def _sent_back(plan: Plan, tasks: list[Task]) -> int:
    """Rounds the reviews sent steps back so far (every round of a step after its first)."""
    return sum(
        max(step_status(tasks, s.name).round - 1, 0) for s in plan.steps if s.reviews is None
    )


def _ended(event: object) -> bool:
    return isinstance(event, TaskChanged) and event.state.terminal
