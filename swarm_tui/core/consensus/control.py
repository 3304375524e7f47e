"""The orchestrator's consensus side: start consensus and review tasks, and the commands
for conflicts that wait for the human (list them, pick a winner, send one to the arbiter).

A part of :class:`~swarm_tui.core.control.Control`, which offers its commands. Every command
validates first and writes nothing when it refuses (:class:`ControlError`, in words a person
can act on).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager

from swarm_tui.config import AgentConfig, Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus import (
    ConsensusConfig,
    ConsensusEngine,
    ConsensusRecord,
)
from swarm_tui.core.consensus.calls import CONSENSUS, ModelCaller
from swarm_tui.core.consensus.code import CodeCandidates
from swarm_tui.core.consensus.moves import (
    human_pick,
    settle_conflict,
    waiting_conflict,
    waiting_conflicts,
)
from swarm_tui.core.consensus.run import ConsensusRun, feed_performance
from swarm_tui.core.errors import ControlError
from swarm_tui.core.orphans import AttemptChildren
from swarm_tui.core.performance import Performance
from swarm_tui.core.spending import Spending
from swarm_tui.core.toolcontrol import Tools
from swarm_tui.domain.events import ConflictChanged, Notice, TaskChanged
from swarm_tui.domain.models import Task, TaskMode, TaskState
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ChatMessage, Provider
from swarm_tui.store.ledger import Ledger

__all__ = ["ConsensusControl"]


class ConsensusControl:
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
        spending: Spending,
        performance: Performance,
        gate: Callable[[str], AbstractAsyncContextManager[None]],
        tools: Tools | None = None,
    ) -> None:
        """``gate``: a slot per model call under its provider's limit; ``tools``: the tool
        loops of API models (consensus over code gives each candidate the workspace tools)."""
        self.settings = settings
        self.ledger = ledger
        self.bus = bus
        self.providers = providers
        self.clock = clock
        self.rng = rng
        self.owner = owner
        self.redactor = redactor
        self.spending = spending
        self.performance = performance
        self.gate = gate
        self.tools = tools
        self.budget_held: set[int] = set()
        """Consensus tasks told (once) that the budget cannot cover their worst case yet."""

    async def _task(self, task_id: int) -> Task:
        task = await self.ledger.get_task(task_id)
        if task is None:
            raise ControlError(f"no task #{task_id}")
        return task

    # ------------------------------------------------------------------ starting
    def config(
        self, agent_name: str, mode: TaskMode, standing: Mapping[str, float] | None = None
    ) -> ConsensusConfig:
        """The engine config for a task of ``agent_name`` in ``mode`` (ValueError if unusable);
        ``standing``: each model's share of votes won, for the ``record`` weights (unknown
        models count 0.5)."""
        cfg = self.settings.consensus.for_role(agent_name)
        known = dict(standing or {})
        return ConsensusConfig(
            cfg,
            mix=dict(self.settings.agents[agent_name].mix),
            mode="review" if mode == TaskMode.REVIEW else "consensus",
            record_weight=(lambda ref: known.get(ref, 0.5)) if cfg.weights == "record" else None,
        )

    async def _standing(self, agent_name: str) -> dict[str, float]:
        cfg = self.settings.consensus.for_role(agent_name)
        if cfg.weights != "record":
            return {}
        agent = self.settings.agents[agent_name]
        refs = {*cfg.models, *cfg.voters, *agent.mix}
        window = self.settings.routing.performance_window
        return await self.ledger.model_standing(sorted(refs), window)

    async def start(
        self,
        task: Task,
        agent_name: str,
        agent: AgentConfig,
        messages: tuple[ChatMessage, ...],
        now: float,
    ) -> ConsensusRun | None:
        """Claim a consensus or review attempt for ``task`` (its prompt is ``messages``) and
        return its run, ready to launch; None when it cannot start now (or failed the task)."""
        try:
            config = self.config(agent_name, task.mode, await self._standing(agent_name))
        except ValueError as exc:
            error = f"{task.mode.value} task: {exc} (see [consensus] in {self.settings.source})"
            if await self.ledger.transition(
                task.id, TaskState.FAILED, {TaskState.QUEUED}, now, event="failed",
                fields={"error": error},
            ):  # fmt: skip
                self.bus.publish(TaskChanged(task.id, TaskState.FAILED, error))
            return None
        models = config.resolve_models()
        voters = config.voters or models
        calls = [*models * (1 + config.rounds), *voters]
        if config.arbiter is not None and (ref := config.arbiter.pick(agent_name, task.tags)):
            calls.append(ref)
        worst = sum(self.spending.cost_of(ref, messages) for ref in calls)
        why = self.spending.budget.why_not(agent_name, (task.id, task.cost_usd), worst)
        if why is not None:  # it waits in the queue until spend frees up or a limit is raised
            if task.id not in self.budget_held:
                self.budget_held.add(task.id)
                text = f"task #{task.id} ({task.mode.value}) waits: {why}"
                self.bus.publish(Notice("warning", text))
            return None
        self.budget_held.discard(task.id)
        hold = object()
        ask = self.spending.reserve(hold, agent_name, task, CONSENSUS, worst)
        reason = f"{task.mode.value} of {len(models)}: {', '.join(models)}"
        attempt = await self.ledger.claim(
            task.id,
            agent=agent_name,
            provider=CONSENSUS,
            model=f"{task.mode.value}-{len(models)}",
            reason=reason,
            owner=self.owner,
            now=now,
            lease_until=now + self.settings.orchestrator.lease_seconds,
            hold=ask,
        )
        if attempt is None:  # lost, or another run holds what was left of a swarm-wide budget
            self.spending.refused(hold, task, ask.why)
            return None
        self.spending.admitted(hold, attempt)
        code = None
        if task.project is not None and task.mode == TaskMode.CONSENSUS:
            data_dir = self.ledger.path.parent
            code = CodeCandidates(self.settings, self.ledger, task, attempt, data_dir, self.clock)
            if self.tools is not None:
                code.tool_loop = self.tools.tool_loop
        return ConsensusRun(
            task=task,
            attempt=attempt,
            messages=messages,
            config=config,
            settings=self.settings,
            providers=self.providers,
            ledger=self.ledger,
            bus=self.bus,
            redactor=self.redactor,
            performance=self.performance,
            gate=self.gate,
            clock=self.clock,
            rng=self.rng,
            code=code,
        )

    # ------------------------------------------------------------------ reads
    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        """The newest consensus or review record of a task (None: it never ran one)."""
        row = await self.ledger.consensus(task_id)
        return None if row is None else ConsensusRecord.from_json(row.record)

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        """Tasks waiting in ``needs_vote``, with the record that says what is contested."""
        return await waiting_conflicts(self.ledger)

    async def _waiting(self, task_id: int) -> tuple[Task, int, ConsensusRecord]:
        return await waiting_conflict(self.ledger, task_id)

    # ------------------------------------------------------------------ deciding
    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        """The human picks candidate ``label`` (A, B, ...) as the answer of a waiting task."""
        task, attempt_id, record = await self._waiting(task_id)
        decided = human_pick(task_id, record, label, note)
        return await self._settle(task, attempt_id, decided, 0.0, "vote")

    async def send_to_arbiter(self, task_id: int, model: str | None = None) -> Task:
        """Ask the arbiter (the configured one, or ``model``) to settle a waiting task. The
        task is decided when it picks a candidate; otherwise it keeps waiting, and the
        arbiter's failed try is in its record."""
        task, attempt_id, record = await self._waiting(task_id)
        if model is not None and model not in self._known_models():
            raise ControlError(f"unknown model {model!r}: write it as provider/model")
        agent_name = task.pin_agent or task.role
        config = self.config(agent_name, task.mode, await self._standing(agent_name))
        # an agent CLI asked as the arbiter is recorded under the run's attempt
        run = await self.ledger.attempts_by_id([attempt_id])
        watch = AttemptChildren(self.ledger, run[0], self.clock, owner=self.owner) if run else None
        caller = ModelCaller(
            self.settings, self.providers, self.redactor, gate=self.gate, watch=watch
        )
        engine = ConsensusEngine(config, caller, caller, rng=self.rng)
        try:
            out = await engine.arbitrate(
                record, task.prompt, role=agent_name, tags=task.tags, model=model
            )
        except ValueError as exc:
            raise ControlError(f"task #{task_id}: {exc}; set [consensus] arbiter") from None
        return await self._settle(task, attempt_id, out, caller.cost, "arbiter")

    def _known_models(self) -> set[str]:
        return {f"{p}/{m}" for p, c in self.settings.providers.items() for m in c.models}

    async def _settle(
        self, task: Task, attempt_id: int, record: ConsensusRecord, cost: float, event: str
    ) -> Task:
        result = await settle_conflict(
            self.ledger,
            task,
            attempt_id,
            record,
            cost=cost,
            event=event,
            now=self.clock(),
            settings=self.settings,
        )
        self.bus.publish(ConflictChanged(task.id, record.status, record.reason))
        settled = await self._task(task.id)
        if result is not None:  # succeeded, or needs_review (consensus over code)
            feed_performance(self.performance, record)
            self.bus.publish(TaskChanged(task.id, settled.state, record.reason))
        return settled
