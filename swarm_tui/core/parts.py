"""The parts of the orchestrator that work on its ledger, each built with what it needs: the
journal, the breakers and the retry policy, spending, the tools, consensus, the scheduler and
the upkeep. :class:`~swarm_tui.core.control.Control` owns them (and builds them again when it
is given its ledger late, before it starts)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from swarm_tui.config import Settings
from swarm_tui.core.breaker import BreakerBoard
from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus.calls import CONSENSUS
from swarm_tui.core.consensus.control import ConsensusControl
from swarm_tui.core.fallback import Resilience
from swarm_tui.core.flags import Flags
from swarm_tui.core.journal import Journal
from swarm_tui.core.load import Load
from swarm_tui.core.pauses import Pauses
from swarm_tui.core.performance import Performance
from swarm_tui.core.provider_slots import SlotLedger
from swarm_tui.core.router import Router
from swarm_tui.core.routing_inputs import RoutingInputs
from swarm_tui.core.scheduler import Scheduler
from swarm_tui.core.spending import Spending
from swarm_tui.core.toolcontrol import Tools
from swarm_tui.core.upkeep import Upkeep
from swarm_tui.domain.models import Attempt
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import Provider
from swarm_tui.store.ledger import Ledger

__all__ = ["Parts", "Shared", "compose"]


@dataclass(frozen=True, slots=True)
class Shared:
    """What every part may be given: the settings, the providers, the bus, the flags, the
    redactor, the clock and the random source, the owner id, the figures routing keeps,
    what runs now, and two callbacks (wake the scheduler; pause a task over its budget)."""

    settings: Settings
    providers: Mapping[str, Provider]
    bus: EventBus
    flags: Flags
    redactor: Redactor
    clock: Callable[[], float]
    rng: random.Random
    owner: str
    router: Router
    performance: Performance
    routing: RoutingInputs
    load: Load
    wake: Callable[[], None]
    pause_task: Callable[[int, str], Awaitable[None]]

    @classmethod
    def of(
        cls,
        settings: Settings,
        providers: Mapping[str, Provider],
        *,
        clock: Callable[[], float],
        rng: random.Random,
        owner: str,
        wake: Callable[[], None],
        pause_task: Callable[[int, str], Awaitable[None]],
    ) -> Shared:
        """A fresh bus, flags, redactor, router, routing figures and load for ``settings``."""
        bus = EventBus()
        key_envs = [p.api_key_env for p in settings.providers.values() if p.api_key_env]
        router = Router(
            {name: agent.mix for name, agent in settings.agents.items()},
            {name: agent.fallback for name, agent in settings.agents.items()},
        )
        return cls(
            settings, providers, bus, Flags(), Redactor(key_envs), clock, rng, owner, router,
            Performance(settings.routing), RoutingInputs(settings, bus.subscribe(maxsize=64)),
            Load(settings.providers), wake, pause_task,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Parts:
    journal: Journal
    breakers: BreakerBoard
    resilience: Resilience
    spending: Spending
    tools: Tools
    consensus: ConsensusControl
    scheduler: Scheduler
    upkeep: Upkeep
    pauses: Pauses


def compose(s: Shared, ledger: Ledger) -> Parts:
    """The parts over ``ledger``."""
    settings, bus, clock = s.settings, s.bus, s.clock
    # A provider's and an agent's max_concurrent hold on the ledger, across every process and
    # host: claims and consensus calls' slot holds count what runs on it (or of it) anywhere.
    # (No ledger yet: the control room gives it late, and the parts are composed again then.)
    if ledger is not None:
        ledger.provider_limits = {n: p.max_concurrent for n, p in settings.providers.items()}
        ledger.agent_limits = {n: a.max_concurrent for n, a in settings.agents.items()}
    orch = settings.orchestrator
    s.load.slots.bind(
        SlotLedger(ledger, s.owner, clock, orch.lease_seconds, min(orch.poll_seconds, 1.0))
    )
    journal = Journal(ledger, bus, clock)
    breakers = BreakerBoard(settings.breaker, clock=clock, on_change=journal.emit)
    resilience = Resilience(settings.retry, breakers, clock=clock, rng=s.rng)
    spending = Spending(
        ledger, bus, s.flags, clock,
        budget=settings.budget, providers=settings.providers, journal=journal, owner=s.owner,
        pause_task=s.pause_task, wake=s.wake, on_settled=lambda a: _settled(s.performance, a),
    )  # fmt: skip
    tools = Tools(settings, ledger, bus, s.redactor, clock)
    consensus = ConsensusControl(
        settings, ledger, bus, s.providers,
        clock=clock, rng=s.rng, owner=s.owner, redactor=s.redactor, spending=spending,
        performance=s.performance, gate=s.load.slots.hold, tools=tools,
    )  # fmt: skip
    scheduler = Scheduler(
        settings, ledger, bus, s.providers,
        clock=clock, rng=s.rng, owner=s.owner, redactor=s.redactor, flags=s.flags,
        load=s.load, router=s.router, breakers=breakers, resilience=resilience,
        journal=journal, spending=spending, performance=s.performance, routing=s.routing,
        consensus=consensus, tools=tools, wake=s.wake,
    )  # fmt: skip
    upkeep = Upkeep(settings, ledger, bus, clock, owner=s.owner, load=s.load, wake=s.wake)
    pauses = Pauses(ledger, s.flags, s.load, bus, s.wake, clock)
    return Parts(
        journal, breakers, resilience, spending, tools, consensus, scheduler, upkeep, pauses
    )


def _settled(performance: Performance, attempt: Attempt) -> None:
    """A single attempt's end feeds routing's figures (a consensus run's models are fed from
    its record instead)."""
    if attempt.provider == CONSENSUS:
        return
    if attempt.state.value in ("succeeded", "failed"):
        ok = attempt.state.value == "succeeded"
        performance.record(f"{attempt.provider}/{attempt.model}", ok, attempt.duration_ms)
