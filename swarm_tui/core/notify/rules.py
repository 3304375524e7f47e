"""When the swarm needs a person: the rules, from the bus's events to alerts and a summary.

Pure and synchronous: :class:`Attention` is fed events (and, from its caller, what only a
lookup can tell: the tool calls held for approval, the queue's counts) and answers with the
:class:`Alert` s that are new, each saying what happened and the one command that answers
it. :attr:`Attention.waiting` is what waits right now (the control room's title). Sending,
folding and rate limits live elsewhere (:mod:`swarm_tui.core.notify.digest`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from swarm_tui.core.bus import Event
from swarm_tui.core.spending import FLAG as BUDGET_FLAG
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    BudgetChanged,
    ConflictChanged,
    FlagChanged,
    TaskChanged,
)
from swarm_tui.domain.models import TaskState

__all__ = ["Alert", "Attention", "Waiting"]

_BUDGET_KEYS = {"run": "[budget] run_usd", "day": "[budget] daily_usd", "task": "[budget] task_usd"}


@dataclass(frozen=True, slots=True)
class Alert:
    """Something a person should hear about."""

    kind: str
    """``vote``, ``approval``, ``budget``, ``breakers``, ``failing`` or ``drained``."""
    key: str
    """The same key is the same thing (``vote:7``): told once, repeats folded."""
    text: str
    """What happened, in words."""
    command: str
    """The one command (or key) that answers it."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """What waits for a person right now."""

    votes: int = 0
    approvals: int = 0
    budget_stops: tuple[str, ...] = ()
    agents_down: tuple[str, ...] = ()
    drained: bool = False

    def title(self, name: str = "swarm-tui") -> str:
        """``swarm-tui: 1 vote waits``; ``swarm-tui: 2 votes, 1 approval wait · budget stop``."""
        counted = [(self.votes, "vote"), (self.approvals, "approval")]
        parts = [f"{n} {noun}{'s' if n > 1 else ''}" for n, noun in counted if n]
        if parts:
            total = self.votes + self.approvals
            parts = [", ".join(parts) + (" waits" if total == 1 else " wait")]
        if self.budget_stops:
            parts.append("budget stop")
        if self.agents_down:
            parts.append(f"{', '.join(self.agents_down)} down")
        if self.drained and not parts:
            parts.append("queue drained")
        return f"{name}: {' · '.join(parts)}" if parts else name


class Attention:
    """The rules. ``chains``: each agent's models (mix then fallback), as ``provider/model``;
    ``kinds``: the alerts wanted (the others are tracked for :attr:`waiting` but not told);
    ``config``: where the settings came from (a budget stop is answered there)."""

    def __init__(
        self,
        chains: Mapping[str, Sequence[str]],
        *,
        kinds: Collection[str],
        failing_after: int,
        config: str = "config.toml",
    ) -> None:
        self.chains = {agent: tuple(models) for agent, models in chains.items() if models}
        self.kinds = frozenset(kinds)
        self.failing_after = failing_after
        self.config = config
        self.votes: set[int] = set()
        self.approvals: set[int] = set()
        self.stops: set[str] = set()
        self.down: set[str] = set()
        self.broken: set[str] = set()
        """``provider/model`` whose breaker is not closed (open or half-open)."""
        self.failures: Counter[int] = Counter()
        self.running: set[int] = set()
        self.worked = False
        """An attempt started since the queue last drained (so draining is news)."""
        self.drained = False

    @property
    def waiting(self) -> Waiting:
        return Waiting(
            len(self.votes),
            len(self.approvals),
            tuple(sorted(self.stops)),
            tuple(sorted(self.down)),
            self.drained,
        )

    @property
    def drain_check(self) -> bool:
        """Worth asking the ledger whether anything is left: work ran and none runs now."""
        return self.worked and not self.running

    def _wanted(self, alerts: list[Alert]) -> list[Alert]:
        return [a for a in alerts if a.kind in self.kinds]

    # ------------------------------------------------------------------ events
    def feed(self, event: Event) -> list[Alert]:
        """The alerts ``event`` raises (a vote's are raised by :meth:`vote`, which knows the
        task's title and candidates)."""
        if isinstance(event, AttemptStarted):
            self.running.add(event.attempt_id)
            self.worked, self.drained = True, False
        elif isinstance(event, AttemptEnded):
            self.running.discard(event.attempt_id)
            return self._wanted(self._ended(event))
        elif isinstance(event, ConflictChanged):
            if event.status != "needs_human":
                self.votes.discard(event.task_id)
        elif isinstance(event, TaskChanged):
            if event.state != TaskState.NEEDS_VOTE:
                self.votes.discard(event.task_id)
            if event.state != TaskState.PAUSED:
                self.stops.discard(f"task:{event.task_id}")
        elif isinstance(event, BudgetChanged) and event.stopped:
            return self._wanted(self._budget(event))
        elif isinstance(event, FlagChanged) and event.name.startswith(BUDGET_FLAG):
            if event.value is None:
                self.stops.discard(event.name.removeprefix(BUDGET_FLAG))
        elif isinstance(event, BreakerChanged):
            return self._wanted(self._breaker(event))
        return []

    def _ended(self, event: AttemptEnded) -> list[Alert]:
        if event.state != "failed":
            return []
        self.failures[event.task_id] += 1
        n = self.failures[event.task_id]
        if n != self.failing_after:
            return []
        error = _short(event.error or "no error text")
        text = f"task #{event.task_id} failed {n} times; the last: {error}"
        return [Alert("failing", f"failing:{event.task_id}", text, "swarm-tui doctor")]

    def _budget(self, event: BudgetChanged) -> list[Alert]:
        if event.scope in self.stops:
            return []
        self.stops.add(event.scope)
        kind, _, name = event.scope.partition(":")
        key = f"[budget.role_usd] {name}" if kind == "role" else _BUDGET_KEYS.get(kind, "[budget]")
        command = f"raise {key} in {self.config}, then start the run again"
        if kind == "task":
            command = f"raise {key} in {self.config}, then resume task #{name} (p in the room)"
        return [Alert("budget", f"budget:{event.scope}", _short(event.text), command)]

    def _breaker(self, event: BreakerChanged) -> list[Alert]:
        if event.state == "closed":
            self.broken.discard(event.model)
        else:
            self.broken.add(event.model)
        alerts = []
        for agent, models in self.chains.items():
            if not all(m in self.broken for m in models):
                self.down.discard(agent)
            elif agent not in self.down:
                self.down.add(agent)
                text = (
                    f"agent {agent}: every model is behind an open breaker"
                    f" ({', '.join(models)}); the last: {_short(event.reason)}"
                )
                alerts.append(Alert("breakers", f"breakers:{agent}", text, "swarm-tui doctor"))
        return alerts

    # ------------------------------------------------------------------ lookups
    def vote(self, task_id: int, title: str, contested: Sequence[str], reason: str) -> list[Alert]:
        """A consensus waits for the human (``ConflictChanged`` ``needs_human``)."""
        if task_id in self.votes:
            return []
        self.votes.add(task_id)
        labels = list(contested) or ["A"]
        between = f" between {', '.join(labels)}" if len(labels) > 1 else ""
        named = f' "{_short(title, 80)}"' if title else ""
        text = f"task #{task_id}{named} waits for your vote{between}"
        if reason:
            text += f": {_short(reason)}"
        text += f" (swarm-tui decide {task_id} shows the candidates)"
        command = f"swarm-tui decide {task_id} {labels[0]}"
        return self._wanted([Alert("vote", f"vote:{task_id}", text, command)])

    def approvals_waiting(self, pending: Mapping[int, str]) -> list[Alert]:
        """Tool calls held for approval now: id -> what is asked (``task #3: qa wants ...``)."""
        new = [i for i in pending if i not in self.approvals]
        self.approvals = set(pending)
        alerts = [
            Alert("approval", f"approval:{i}", _short(pending[i]), "press t in the control room")
            for i in sorted(new)
        ]
        return self._wanted(alerts)

    def queue_left(self, by_state: Mapping[str, int]) -> list[Alert]:
        """The ledger's task counts after work ran: nothing queued, running or waiting for a
        vote is drained (a vote that waits is told as such)."""
        left = (TaskState.QUEUED, TaskState.RUNNING, TaskState.NEEDS_VOTE)
        if any(by_state.get(state, 0) for state in left):
            return []
        self.worked, self.drained = False, True
        ended = ", ".join(f"{n} {s}" for s, n in sorted(by_state.items()) if n) or "no tasks"
        text = f"the queue is drained: nothing left to run ({ended})"
        return self._wanted([Alert("drained", "drained", text, "swarm-tui report --since 24h")])


def _short(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
