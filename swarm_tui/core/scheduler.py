"""The scheduler: one pass over the ready tasks (:meth:`Scheduler.tick`) admits what the
limits, the pauses and the budget allow, routes each to a model, claims the pass's attempts
in one transaction and launches them; a task's prompt is built once, at its admission.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Mapping

from swarm_tui.config import AgentConfig, Settings
from swarm_tui.core.breaker import BreakerBoard
from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus.control import ConsensusControl
from swarm_tui.core.dispatch_pass import DispatchPass
from swarm_tui.core.errors import ControlError
from swarm_tui.core.fallback import Resilience
from swarm_tui.core.flags import Flags
from swarm_tui.core.journal import Journal
from swarm_tui.core.load import Load
from swarm_tui.core.performance import Performance
from swarm_tui.core.router import Choice, RouteInputs, Router
from swarm_tui.core.routing_inputs import RoutingInputs
from swarm_tui.core.runner import AttemptRun, build_messages
from swarm_tui.core.running import launch
from swarm_tui.core.spending import Spending
from swarm_tui.core.toolcontrol import Tools
from swarm_tui.core.workspace_run import AttemptWorkspace
from swarm_tui.domain.events import Notice, TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskMode, TaskState
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ChatMessage, Provider
from swarm_tui.store.claims import Claim
from swarm_tui.store.holds import HoldAsk
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.ledger import Ledger

__all__ = ["Scheduler"]


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        bus: EventBus,
        providers: Mapping[str, Provider],
        *,
        clock: Callable[[], float],
        rng: random.Random,
        owner: str,
        redactor: Redactor,
        flags: Flags,
        load: Load,
        router: Router,
        breakers: BreakerBoard,
        resilience: Resilience,
        journal: Journal,
        spending: Spending,
        performance: Performance,
        routing: RoutingInputs,
        consensus: ConsensusControl,
        tools: Tools,
        wake: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.bus = bus
        self.providers = providers
        self.clock = clock
        self.rng = rng
        self.owner = owner
        self.redactor = redactor
        self.flags = flags
        self.load = load
        self.router = router
        self.breakers = breakers
        self.resilience = resilience
        self.journal = journal
        self.spending = spending
        self.performance = performance
        self.routing = routing
        self.consensus = consensus
        self.tools = tools
        self.wake = wake
        self.stopping = False
        """Set by the orchestrator's stop: no pass starts anything any more."""
        self.escalate: dict[int, str] = {}
        """Task -> the ``provider/model`` its next attempt must beat (a rejected answer)."""

    # ------------------------------------------------------------------ what may run
    def _blocked(self, provider: str) -> str | None:
        config = self.settings.providers.get(provider)
        if config is None or provider not in self.providers:
            return "is not configured"
        busy = self.load.count(provider=provider)
        if busy >= config.max_concurrent:
            note = self.load.elsewhere_note(provider)
            return f"at its limit ({busy}/{config.max_concurrent}{note})"
        in_flight = self.load.per_provider()
        return self.routing.unreachable(provider) or self.routing.host_blocked(provider, in_flight)

    async def _dispatchable(self, now: float) -> list[Task]:
        limit = self.settings.orchestrator.max_concurrent * 4 + 16
        tasks = await self.ledger.ready_tasks(now, limit)
        return [
            t
            for t in tasks
            if not self.flags.agent_paused(t.pin_agent or t.role)
            and self.spending.stopped(t.pin_agent or t.role) is None
            and not _elsewhere(t.pin_agent or t.role, self.settings)
        ]

    async def idle(self) -> bool:
        """Nothing can run: everything is paused, or no ready task may start."""
        if self.flags.paused_all():
            return True
        return not await self._dispatchable(float("inf"))

    def _pass(self, now: float) -> DispatchPass:
        """A pass at ``now``: its attempts' leases run from ``now``."""
        lease_until = now + self.settings.orchestrator.lease_seconds
        return DispatchPass(self.ledger, self.owner, now, lease_until)

    # ------------------------------------------------------------------ a pass
    async def tick(self) -> int:
        """One scheduling pass; returns how many attempts it started."""
        now = self.clock()
        for task_id, dep_id, dep_state in await self.ledger.doomed_tasks():
            await self._fail(task_id, f"dependency #{dep_id} ended {dep_state}", now)
        if self.flags.paused_all() or self.stopping:
            return 0
        self.routing.poll()
        await self.load.refresh(self.ledger, self.owner, now)  # the swarm's load, this pass
        await self.spending.refresh()
        await self.spending.check()
        self.load.batch = batch = self._pass(now)
        try:  # admitted one by one, claimed together: one transaction per pass
            for task in await self._dispatchable(now):
                if len(self.load.running) + len(batch) >= self.settings.orchestrator.max_concurrent:
                    break
                await self.dispatch(task, now)
        finally:
            self.load.batch = None
        return await self._commit(batch)

    async def _commit(self, batch: DispatchPass) -> int:
        with self.load.claiming(batch.task_ids()):
            return await batch.commit()

    async def _fail(self, task_id: int, error: str, now: float) -> None:
        if await self.ledger.transition(
            task_id, TaskState.FAILED, {TaskState.QUEUED}, now, event="failed",
            fields={"error": error},
        ):  # fmt: skip
            self.bus.publish(TaskChanged(task_id, TaskState.FAILED, error))

    async def dispatch(self, task: Task, now: float) -> bool:
        """Admit, route and claim ``task`` (in the pass under way, or on its own); True when
        its attempt was started or is claimed with the pass."""
        agent_name = task.pin_agent or task.role
        agent = self.settings.agents.get(agent_name)
        if _elsewhere(agent_name, self.settings):
            return False
        if agent is None:
            error = f"agent {agent_name!r} is not in the current config ({self.settings.source})"
            await self._fail(task.id, error, now)
            return False
        if self.load.agent_full(agent_name, agent.max_concurrent) is not None:
            return False  # counting the swarm's other owners too; the claim counts again
        deps = await self.ledger.dep_results(task.id) if task.after else []  # no read if none
        messages = build_messages(agent, task, deps)  # the attempt's prompt, built once
        if task.mode != TaskMode.SINGLE:
            with self.load.claiming([task.id]):
                run = await self.consensus.start(task, agent_name, agent, messages, now)
                if run is not None:
                    launch(run, self.load.running, self.bus, self._finished)
            return run is not None
        note = self.resilience.note(task.id)
        choice = self.router.choose(
            agent_name,
            blocked=self._blocked,
            pin=task.pin,
            model_blocked=self.breakers.blocked,
            pin_reason=note or "pinned by reassign",
            inputs=self._route_inputs(agent_name, task, messages, note),
        )
        if choice is None:
            await self.spending.exhausted(agent, agent_name, task, messages)
            return False
        ref = f"{choice.provider}/{choice.model}"
        hold = object()  # reserved before any await: admission and reservation are one step
        ask = self.spending.reserve(
            hold, agent_name, task, ref, self.spending.cost_of(ref, messages)
        )
        reason = choice.reason if not note or task.pin else f"{choice.reason}; {note}"
        batch = self.load.batch if self.load.batch is not None else self._pass(now)
        self.breakers.dispatched(ref)  # a half-open breaker's one trial is taken now
        # In a tick the claim is written with the rest of its pass, in one transaction.
        claim = Claim(task.id, agent_name, choice.provider, choice.model, reason, ask)
        start = functools.partial(
            self._launch, task, messages, agent_name, agent, choice, (hold, ask)
        )
        batch.add(claim, start)
        return batch is self.load.batch or await self._commit(batch) > 0

    def _launch(self, task: Task, messages: tuple[ChatMessage, ...], agent_name: str,
                agent: AgentConfig, choice: Choice, hold: tuple[object, HoldAsk],
                attempt: Attempt | None) -> bool:  # fmt: skip
        """Start a claimed attempt, or undo the admission of one whose claim lost (the ledger
        may have refused it for the budget: another run holds what was left)."""
        if attempt is None:
            self.spending.refused(hold[0], task, hold[1].why)
            self.breakers.released(f"{choice.provider}/{choice.model}")
            return False
        self.spending.admitted(hold[0], attempt)
        self.escalate.pop(task.id, None)
        self.resilience.dispatched(task.id)
        self.breakers.dispatched(f"{choice.provider}/{choice.model}")
        provider_config = self.settings.providers[choice.provider]
        tool_loop, workspace_host = self.tools.tool_loop(
            attempt, agent_name, agent, workspace=task.project is not None, project=task.project
        )
        run = AttemptRun(
            task=task,
            attempt=attempt,
            messages=messages,
            agent=agent,
            model=provider_config.models[choice.model],
            provider=self.providers[choice.provider],
            ledger=self.ledger,
            bus=self.bus,
            redactor=self.redactor,
            max_attempts=self.settings.orchestrator.max_attempts,
            clock=self.clock,
            rng=self.rng,
            resilience=self.resilience,
            journal=self.journal,
            tools=tool_loop,
            workspace=None if task.project is None else self._workspace(task, attempt),
            workspace_host=workspace_host,
        )
        launch(run, self.load.running, self.bus, self._finished)
        return True

    def _workspace(self, task: Task, attempt: Attempt) -> AttemptWorkspace:
        """The worktree of a coding task's attempt (made when the attempt starts)."""
        data_dir = self.ledger.path.parent
        return AttemptWorkspace(self.settings, self.ledger, task, attempt, data_dir, self.clock)

    def _route_inputs(
        self, agent: str, task: Task, messages: tuple[ChatMessage, ...], note: str | None
    ) -> RouteInputs:
        cfg = self.settings.routing
        mix = self.router.mix(agent)
        beat = self.escalate.get(task.id)
        if beat is None and cfg.escalate_on_failure and note and not task.pin and task.provider:
            beat = f"{task.provider}/{task.model}"
        return RouteInputs(
            tags=task.tags,
            model_tags=cfg.model_tags,
            tag_boost=cfg.tag_boost,
            afford=self.spending.afford(agent, task, messages),
            swap=self.routing.swap,
            factor=lambda ref: self.performance.factor(ref, list(mix), role=agent),
            stronger_than=beat,
            stronger=self.routing.stronger,
        )

    def _finished(self, attempt_id: int, _job: object) -> None:
        entry = self.load.running.pop(attempt_id, None)
        self.load.slots.freed()
        if entry is not None:
            self.spending.settle_later(entry.run.attempt)
        if entry is not None and not entry.job.cancelled() and entry.job.exception() is not None:
            exc = entry.job.exception()
            if not isinstance(exc, LedgerError):  # the ledger away: the run said so once
                self.bus.publish(
                    Notice("error", self.redactor(f"attempt {attempt_id} crashed: {exc}"))
                )
            self.load.orphans.add(attempt_id)  # its end is not in the ledger: given up next pass
        self.wake()

    # ------------------------------------------------------------------ out of turn
    async def dispatch_now(self, task: Task) -> str:
        """Start a queued task now, ahead of the queue's order and any retry back-off (the
        agent's and provider's limits still hold). Returns what happened, in words."""
        task_id = task.id
        if task.state != TaskState.QUEUED:
            raise ControlError(f"task #{task_id} is {task.state.value}: only queued tasks dispatch")
        missing = []
        for dep in task.after:
            found = await self.ledger.get_task(dep)
            if found is None or found.state != TaskState.SUCCEEDED:
                missing.append(dep)
        if missing:
            return f"task #{task_id} waits for {', '.join(f'#{d}' for d in missing)}"
        agent = task.pin_agent or task.role
        if self.flags.paused_all():
            return "everything is paused (resume all first)"
        if self.flags.agent_paused(agent):
            return f"agent {agent} is paused"
        if task.not_before:
            await self.ledger.update_task(task_id, self.clock(), "dispatch", not_before=0.0)
        task = await self.ledger.get_task(task_id) or task
        if await self.dispatch(task, self.clock()):
            return f"task #{task_id} started"
        # The ledger may have refused the claim on what other hosts run now (this process's
        # view is as of its last pass): read the swarm's load again to say why.
        await self.load.refresh(self.ledger, self.owner, self.clock())
        config = self.settings.agents.get(agent)
        full = None if config is None else self.load.agent_full(agent, config.max_concurrent)
        if full is not None:
            return f"{full}; it runs next"
        return f"no model of agent {agent} can take work now; it runs when one frees up"


def _elsewhere(agent: str, settings: Settings) -> bool:
    """An eval's agent (``ROLE@provider/model``) this process's config lacks: the eval's own
    process runs its tasks; here they are neither taken nor failed."""
    return "@" in agent and agent not in settings.agents
