"""The orchestrator: schedules queued tasks onto agents and models, runs attempts, recovers.

It never imports Textual. The CLI, the headless run and the TUI all drive it through the
public API in :mod:`swarm_tui.core.control` and watch it through :attr:`Orchestrator.bus`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable

from swarm_tui.config import AgentConfig, Settings
from swarm_tui.core.abandoned import settle_recovered
from swarm_tui.core.breaker import BreakerBoard
from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus_calls import CONSENSUS
from swarm_tui.core.consensus_control import ConsensusControl
from swarm_tui.core.control import Control, ControlError
from swarm_tui.core.dispatch_pass import DispatchPass
from swarm_tui.core.fallback import Resilience
from swarm_tui.core.journal import Journal
from swarm_tui.core.owner import is_dead, owner_id
from swarm_tui.core.performance import Performance
from swarm_tui.core.provider_slots import ProviderSlots
from swarm_tui.core.router import Choice, RouteInputs, Router
from swarm_tui.core.routing_inputs import RoutingInputs
from swarm_tui.core.runner import AttemptRun, build_messages
from swarm_tui.core.running import Running, launch
from swarm_tui.core.spending import Spending
from swarm_tui.core.toolcontrol import ToolControl
from swarm_tui.core.upkeep import Upkeep
from swarm_tui.domain.events import Notice, TaskChanged
from swarm_tui.domain.models import Attempt, Task, TaskMode, TaskState
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ChatMessage, Provider
from swarm_tui.store.claims import Claim
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger

__all__ = ["Orchestrator", "Running"]

log = logging.getLogger("swarm_tui.orchestrator")


def _recovered(_attempt: Attempt) -> str:
    return "recovered"


class Orchestrator(Control, ToolControl, ConsensusControl, Upkeep):
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        providers: dict[str, Provider],
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        owner: str | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.providers = providers
        self.clock = clock
        self.rng = rng or random.Random()
        self.owner = owner or owner_id()
        self.bus = EventBus()
        self.router = Router(
            {name: agent.mix for name, agent in settings.agents.items()},
            {name: agent.fallback for name, agent in settings.agents.items()},
        )
        now = self._now  # follows self.clock even when a test swaps it
        self.journal = Journal(ledger, self.bus, now)
        self.breakers = BreakerBoard(settings.breaker, clock=now, on_change=self.journal.emit)
        self.resilience = Resilience(settings.retry, self.breakers, clock=now, rng=self.rng)
        self.spending = Spending(self, self.journal, self.owner)
        self.spending.on_settled = self._settled
        self.performance = Performance(settings.routing)
        self.routing = RoutingInputs(settings, self.bus.subscribe(maxsize=64))
        self.escalate: dict[int, str] = {}
        """Task -> the ``provider/model`` its next attempt must beat (a rejected answer)."""
        key_envs = [p.api_key_env for p in settings.providers.values() if p.api_key_env]
        self.redactor = Redactor(key_envs)
        self.running: dict[int, Running] = {}
        self.orphans: set[int] = set()
        self.budget_held: set[int] = set()
        self.slots = ProviderSlots(settings.providers, lambda p: self._count(provider=p))
        self._pass: DispatchPass | None = None
        self.flags: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._heartbeat: asyncio.Task[None] | None = None
        self._started = False

    def _now(self) -> float:
        return self.clock()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Recover what a previous run left running, then start the heartbeat."""
        if self._started:
            return
        self._started = True
        now = self.clock()
        hold_after = self.settings.orchestrator.max_abandoned
        lost = await self.ledger.recover(self._is_dead, now, hold_after=hold_after)
        await settle_recovered(self.settings, self.ledger, self.bus, lost, now, _recovered)
        if lost:
            log.info("recovered %d attempt(s) left running by a previous run", len(lost))
        self.flags = await self.ledger.flags()
        await self.spending.refresh()
        await self.spending.check()
        self._heartbeat = asyncio.create_task(self._heartbeat_loop(), name="heartbeat")

    def _is_dead(self, owner: str) -> bool:
        return owner != self.owner and is_dead(owner)

    async def stop(self) -> None:
        """Stop running attempts (partial output kept, tasks re-queued), flush, close."""
        self._stopping = True
        self._wake.set()
        await self._stop_attempts(list(self.running), "shutdown")
        await self.spending.drain()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await self.journal.flush()
        for provider in self.providers.values():
            try:
                await provider.close()
            except Exception as exc:  # closing must go on for the others
                log.warning("closing provider %s: %s", provider.name, self.redactor(str(exc)))

    async def run(self, *, until_idle: bool = False) -> None:
        """Schedule until :meth:`stop` (or, with ``until_idle``, until nothing can run)."""
        await self.start()
        poll = self.settings.orchestrator.poll_seconds
        last_version = -1
        while not self._stopping:
            self._wake.clear()
            try:  # a locked ledger or a full disk: wait it out, never end the run
                await self.recover_orphans()
                version = await self.ledger.data_version()
                if version != last_version:
                    self.flags = await self.ledger.flags()
                    last_version = version
                dispatched = await self.tick()
                idle = until_idle and not self.running and dispatched == 0 and await self._idle()
            except LedgerError as exc:
                await asyncio.sleep(self.ledger_trouble(exc))
                continue
            self.ledger_ok()
            if idle and not self.orphans:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)

    def wake(self) -> None:
        self._wake.set()

    # ------------------------------------------------------------------ scheduling
    def paused_all(self) -> bool:
        return self.flags.get("paused_all") == "1"

    def agent_paused(self, agent: str) -> bool:
        return self.flags.get(f"paused_agent:{agent}") == "1"

    def _count(self, *, agent: str | None = None, provider: str | None = None) -> int:
        return (
            sum(
                1
                for r in self.running.values()
                if (agent is None or r.run.attempt.agent == agent)
                and (provider is None or r.run.attempt.provider == provider)
            )
            + (self._pass.count(agent, provider) if self._pass else 0)
            + (self.slots.in_flight[provider] if provider is not None and agent is None else 0)
        )

    def _blocked(self, provider: str) -> str | None:
        config = self.settings.providers.get(provider)
        if config is None or provider not in self.providers:
            return "is not configured"
        busy = self._count(provider=provider)
        if busy >= config.max_concurrent:
            return f"at its limit ({busy}/{config.max_concurrent})"
        in_flight = Counter(r.run.attempt.provider for r in self.running.values())
        in_flight += (self._pass.providers() if self._pass else Counter()) + self.slots.in_flight
        return self.routing.unreachable(provider) or self.routing.host_blocked(provider, in_flight)

    async def _dispatchable(self, now: float) -> list[Task]:
        limit = self.settings.orchestrator.max_concurrent * 4 + 16
        tasks = await self.ledger.ready_tasks(now, limit)
        return [
            t
            for t in tasks
            if not self.agent_paused(t.pin_agent or t.role)
            and self.spending.stopped(t.pin_agent or t.role) is None
        ]

    async def _idle(self) -> bool:
        if self.paused_all():
            return True
        return not await self._dispatchable(float("inf"))

    async def tick(self) -> int:
        """One scheduling pass; returns how many attempts it started."""
        now = self.clock()
        for task_id, dep_id, dep_state in await self.ledger.doomed_tasks():
            error = f"dependency #{dep_id} ended {dep_state}"
            if await self.ledger.transition(
                task_id,
                TaskState.FAILED,
                {TaskState.QUEUED},
                now,
                event="failed",
                fields={"error": error},
            ):
                self.bus.publish(TaskChanged(task_id, TaskState.FAILED, error))
        if self.paused_all() or self._stopping:
            return 0
        self.routing.poll()
        await self.spending.refresh()
        await self.spending.check()
        self._pass = batch = DispatchPass.of(self, now)
        try:  # admitted one by one, claimed together: one transaction per pass
            for task in await self._dispatchable(now):
                if len(self.running) + len(batch) >= self.settings.orchestrator.max_concurrent:
                    break
                await self._dispatch(task, now)
        finally:
            self._pass = None
        return await batch.commit()

    async def _dispatch(self, task: Task, now: float) -> bool:
        agent_name = task.pin_agent or task.role
        agent = self.settings.agents.get(agent_name)
        if agent is None:
            error = f"agent {agent_name!r} is not in the current config ({self.settings.source})"
            if await self.ledger.transition(
                task.id,
                TaskState.FAILED,
                {TaskState.QUEUED},
                now,
                event="failed",
                fields={"error": error},
            ):
                self.bus.publish(TaskChanged(task.id, TaskState.FAILED, error))
            return False
        if self._count(agent=agent_name) >= agent.max_concurrent:
            return False
        if task.mode != TaskMode.SINGLE:
            return await self._dispatch_consensus(task, agent_name, agent, now)
        note = self.resilience.note(task.id)
        deps = await self.ledger.dep_results(task.id) if task.after else []  # no read if none
        messages = build_messages(agent, task, deps)
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
        self.spending.reserve(hold, agent_name, task, ref, self.spending.cost_of(ref, messages))
        reason = choice.reason if not note or task.pin else f"{choice.reason}; {note}"
        batch = self._pass if self._pass is not None else DispatchPass.of(self, now)
        self.breakers.dispatched(ref)  # a half-open breaker's one trial is taken now
        # In a tick the claim is written with the rest of its pass, in one transaction.
        claim = Claim(task.id, agent_name, choice.provider, choice.model, reason)
        batch.add(claim, functools.partial(self._launch, task, agent_name, agent, choice, hold))
        return batch is self._pass or await batch.commit() > 0

    def _launch(self, task: Task, agent_name: str, agent: AgentConfig, choice: Choice,
                hold: object, attempt: Attempt | None) -> bool:  # fmt: skip
        """Start a claimed attempt, or undo the admission of one whose claim lost."""
        if attempt is None:
            self.spending.budget.release(hold)
            self.breakers.released(f"{choice.provider}/{choice.model}")
            return False
        self.spending.budget.rekey(hold, attempt.id)
        self.escalate.pop(task.id, None)
        self.resilience.dispatched(task.id)
        self.breakers.dispatched(f"{choice.provider}/{choice.model}")
        provider_config = self.settings.providers[choice.provider]
        run = AttemptRun(
            task=task,
            attempt=attempt,
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
            tools=self._tool_loop(attempt, agent_name, agent),
        )
        launch(run, self.running, self.bus, self._finished)
        return True

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
            factor=lambda ref: self.performance.factor(ref, list(mix)),
            stronger_than=beat,
            stronger=self.routing.stronger,
        )

    def _settled(self, attempt: Attempt) -> None:
        if attempt.provider == CONSENSUS:  # its models' quality is fed from its record
            return
        if attempt.state.value in ("succeeded", "failed"):
            ok = attempt.state.value == "succeeded"
            self.performance.record(f"{attempt.provider}/{attempt.model}", ok, attempt.duration_ms)

    async def dispatch_now(self, task_id: int) -> str:
        """Start a queued task now, ahead of the queue's order and any retry back-off (the
        agent's and provider's limits still hold). Returns what happened, in words."""
        task = await self.task(task_id)
        if task.state != TaskState.QUEUED:
            raise ControlError(f"task #{task_id} is {task.state.value}: only queued tasks dispatch")
        missing = [d for d in task.after if (await self.task(d)).state != TaskState.SUCCEEDED]
        if missing:
            return f"task #{task_id} waits for {', '.join(f'#{d}' for d in missing)}"
        agent = task.pin_agent or task.role
        if self.paused_all():
            return "everything is paused (resume all first)"
        if self.agent_paused(agent):
            return f"agent {agent} is paused"
        if task.not_before:
            await self.ledger.update_task(task_id, self.clock(), "dispatch", not_before=0.0)
        if await self._dispatch(await self.task(task_id), self.clock()):
            return f"task #{task_id} started"
        config = self.settings.agents.get(agent)
        if config is not None and self._count(agent=agent) >= config.max_concurrent:
            return f"agent {agent} is at its limit ({config.max_concurrent}); it runs next"
        return f"no model of agent {agent} can take work now; it runs when one frees up"

    def _finished(self, attempt_id: int, _job: asyncio.Task[None]) -> None:
        entry = self.running.pop(attempt_id, None)
        self.slots.freed()
        if entry is not None:
            self.spending.settle_later(entry.run.attempt)
        if entry is not None and not entry.job.cancelled() and entry.job.exception() is not None:
            exc = entry.job.exception()
            self.bus.publish(Notice("error", self.redactor(f"attempt {attempt_id} crashed: {exc}")))
            self.orphans.add(attempt_id)  # its end is not in the ledger: given up next pass
        self._wake.set()

    async def _stop_attempts(self, attempt_ids: list[int], reason: str) -> None:
        jobs = []
        for attempt_id in attempt_ids:
            entry = self.running.get(attempt_id)
            if entry is None:
                continue
            entry.run.stop_reason = reason
            entry.job.cancel()
            jobs.append(entry.job)
        for job in jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job
