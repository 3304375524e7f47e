"""The attention rules over a running swarm: events from its bus, lookups through its API.

:class:`AttentionWatch` feeds each batch of events to :class:`~.rules.Attention` and asks
the swarm what the events do not carry: a waiting vote's title and candidates, the tool
calls held for approval, whether anything is left in the queue. Both the push notifier and
the control room's bell and title run one over the swarm they see.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from swarm_tui.config import Settings
from swarm_tui.core.approvals import PendingApproval
from swarm_tui.core.bus import Event, EventBus, Subscription
from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.core.notify.rules import Alert, Attention
from swarm_tui.domain.events import AttemptEnded, ConflictChanged, TaskChanged
from swarm_tui.domain.models import Task
from swarm_tui.store.records import Totals

__all__ = ["AttentionWatch", "SwarmView", "attention_for"]

log = logging.getLogger("swarm_tui.notify")


class SwarmView(Protocol):
    """What the watch needs of a swarm (the orchestrator's public API has it)."""

    @property
    def bus(self) -> EventBus: ...

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]: ...

    async def totals(self) -> Totals: ...

    def pending_approvals(self) -> list[PendingApproval]: ...


def attention_for(settings: Settings) -> Attention:
    """The rules as ``[notify]`` and the agents' model chains ask."""
    chains = {name: [*agent.mix, *agent.fallback] for name, agent in settings.agents.items()}
    source = settings.source
    return Attention(
        chains,
        kinds=settings.notify.events,
        failing_after=settings.notify.failing_after,
        config="your config file" if source.startswith("<") else source,
    )


class AttentionWatch:
    def __init__(self, view: SwarmView, rules: Attention) -> None:
        self.view = view
        self.rules = rules
        self.sub: Subscription = view.bus.subscribe()

    async def seed(self) -> list[Alert]:
        """What already waits when the watch starts (a vote left from an earlier run)."""
        return await self._votes() + self._approvals()

    async def handle(self, events: Sequence[Event]) -> list[Alert]:
        """The new alerts of one batch of events."""
        alerts: list[Alert] = []
        votes: dict[int, str] = {}
        drain = False
        for event in events:
            alerts += self.rules.feed(event)
            if isinstance(event, ConflictChanged) and event.status == "needs_human":
                votes[event.task_id] = event.reason
            drain = drain or isinstance(event, TaskChanged | AttemptEnded)
        if votes:
            alerts += await self._votes()
            for task_id, reason in votes.items():  # not found by the lookup: told plainly
                alerts += self.rules.vote(task_id, "", (), reason)
        alerts += self._approvals()
        if drain and self.rules.drain_check:
            alerts += await self._queue_left()
        return alerts

    def close(self) -> None:
        self.sub.close()

    async def _votes(self) -> list[Alert]:
        try:
            waiting = await self.view.conflicts()
        except Exception as exc:  # a lookup must not end the watch (nor the run)
            log.warning("notify: could not read the conflicts that wait: %s", exc)
            return []
        alerts: list[Alert] = []
        for task, record in waiting:
            contested = record.needs_human.contested if record.needs_human else ()
            reason = record.needs_human.reason if record.needs_human else record.reason
            alerts += self.rules.vote(task.id, task.title, contested, reason)
        return alerts

    def _approvals(self) -> list[Alert]:
        pending = {
            p.id: f"task #{p.task_id}: {p.agent} wants to run {p.tool} ({p.reason})"
            for p in self.view.pending_approvals()
        }
        return self.rules.approvals_waiting(pending)

    async def _queue_left(self) -> list[Alert]:
        try:
            totals = await self.view.totals()
        except Exception as exc:
            log.warning("notify: could not count the queue: %s", exc)
            return []
        return self.rules.queue_left(totals.by_state)
