"""The orchestrator's side of budgets: reserve before an attempt, settle after it, warn at
the thresholds, stop at the limit.

A reservation is held twice: here, so routing sees what this run has in flight, and in the
ledger, where the claim's transaction admits it exactly against every run and host sharing
the ledger (``store/holds.py``). The ledger's hold goes when the attempt's end is recorded;
this one when its cost has been read back (a moment of caution, never an overshoot).

A stop is a ledger flag (``budget_stop:run``, ``budget_stop:day``, ``budget_stop:role:NAME``)
so it survives a restart; it is cleared when the limit is raised (in the config, or with
:meth:`Spending.set_limit`). A task at its own limit is paused with the reason.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping

from swarm_tui.config import AgentConfig, BudgetConfig, ProviderConfig
from swarm_tui.core.budget import Budget, Line, usd, worst_case
from swarm_tui.core.bus import EventBus
from swarm_tui.core.flags import Flags
from swarm_tui.core.journal import Journal
from swarm_tui.core.router import split_ref
from swarm_tui.domain.events import BudgetChanged, FlagChanged, Notice
from swarm_tui.domain.models import Attempt, Task
from swarm_tui.providers.base import ChatMessage
from swarm_tui.store.holds import HoldAsk
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.spend import read_spent

__all__ = ["FLAG", "Spending"]

FLAG = "budget_stop:"
_MAX_PAUSE_S = 2.0
"""The longest pause between two tries to settle ended attempts while the ledger is away."""


class Spending:
    def __init__(
        self,
        ledger: Ledger,
        bus: EventBus,
        flags: Flags,
        clock: Callable[[], float],
        *,
        budget: BudgetConfig,
        providers: Mapping[str, ProviderConfig],
        journal: Journal,
        owner: str,
        pause_task: Callable[[int, str], Awaitable[None]],
        wake: Callable[[], None],
        on_settled: Callable[[Attempt], None] | None = None,
    ) -> None:
        """``pause_task(task_id, reason)`` stops a task at its own limit; ``wake`` asks the
        scheduler for a pass (spend freed up, a stop was lifted); ``on_settled`` is told of
        each attempt once its cost is counted."""
        self.ledger = ledger
        self.bus = bus
        self.flags = flags
        self.clock = clock
        self.providers = providers
        self.journal = journal
        self.owner = owner
        self.pause_task = pause_task
        self.wake = wake
        self.on_settled = on_settled
        self.budget = Budget(budget)
        self.lock = asyncio.Lock()
        self._warned: set[tuple[str, float]] = set()
        self._jobs: set[asyncio.Task[None]] = set()
        self._draining = False
        self._ended: list[Attempt] = []
        """Attempts waiting to be settled (one settle job takes every one that is waiting)."""
        self._waiting: set[int] = set()
        """Tasks the ledger refused for the budget (told once while they wait)."""

    # ------------------------------------------------------------------ admission
    def stopped(self, agent: str) -> str | None:
        """Why no new attempt may start for ``agent`` (a budget stop), or None."""
        for scope in ("run", "day", f"role:{agent}"):
            raw = self.flags.get(FLAG + scope)
            if raw is not None:
                return _flag_reason(raw)
        return None

    def cost_of(self, ref: str, messages: tuple[ChatMessage, ...]) -> float:
        provider, model = split_ref(ref)
        config = self.providers[provider].models[model]
        size = sum(len(m.content.encode()) for m in messages)
        return worst_case(config, size, len(messages), self.budget.config.prompt_bytes_per_token)

    def afford(
        self, agent: str, task: Task, messages: tuple[ChatMessage, ...]
    ) -> Callable[[str], str | None]:
        """For routing: why the budget cannot cover ``ref``'s worst case for this task."""
        spent = (task.id, task.cost_usd)
        return lambda ref: self.budget.why_not(agent, spent, self.cost_of(ref, messages))

    async def exhausted(
        self, agent: AgentConfig, name: str, task: Task, messages: tuple[ChatMessage, ...]
    ) -> bool:
        """Nothing routable for ``task`` because of the budget and nothing in flight will free
        any: stop the scope that blocks its cheapest model, or its pin (pause the task for
        its own limit). True when it stopped something."""
        refs = [task.pin] if task.pin else agent.chain()  # a pinned task waits for its pin
        cheapest = min(self.cost_of(ref, messages) for ref in refs)
        for line in self.budget.lines(name, (task.id, task.cost_usd)):
            left = line.limit - line.spent - line.reserved
            if cheapest <= left - 1e-9 or line.reserved > 0:
                continue
            text = (
                f"{line.label} budget {usd(line.limit)}: {usd(line.spent)} spent, the cheapest"
                f" call of {name} needs up to {usd(cheapest)}"
            )
            await self._stop(line, text, task)
            return True
        return False

    def reserve(self, key: object, agent: str, task: Task, ref: str, cost: float) -> HoldAsk:
        """Hold ``cost`` here (for routing the rest of the pass) and return the hold the claim
        carries to the ledger, which admits it exactly against every process's holds."""
        self.budget.reserve(key, agent, task.id, cost)
        return HoldAsk(cost, self.budget.limits(agent, task.id))

    def refused(self, key: object, task: Task, why: str | None) -> None:
        """The claim of ``task`` lost: undo its hold here; when the ledger refused it for the
        budget (``why``) say so, once while the task waits."""
        self.budget.release(key)
        if why is None:
            return
        if task.id not in self._waiting:
            self._waiting.add(task.id)
            self.bus.publish(Notice("warning", f"task #{task.id} waits: {why}"))

    def admitted(self, old: object, attempt: Attempt) -> None:
        """The claim was admitted: its hold is the attempt's from now on."""
        self.budget.rekey(old, attempt.id)
        self._waiting.discard(attempt.task_id)

    # ------------------------------------------------------------------ settling
    async def refresh(self) -> None:
        async with self.lock:
            self.budget.spent = await read_spent(self.ledger, self.owner, self.clock())

    def settle_later(self, attempt: Attempt) -> None:
        """Settle ``attempt`` soon. Attempts that end while a settle waits for the lock are
        settled with it: one read of the spend for all of them (many end at once when busy)."""
        self._ended.append(attempt)
        if len(self._ended) > 1:  # a job is waiting and takes this one too
            return
        job = asyncio.get_running_loop().create_task(self._settle_ended())
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)

    async def _settle_ended(self) -> None:
        pause = 0.1
        while True:
            async with self.lock:
                ended, self._ended = self._ended, []
            try:
                await self.settle(*ended)
                return
            except LedgerError:  # its server away: settled once it answers (or at the stop)
                if self._draining:
                    for attempt in ended:
                        self.budget.release(attempt.id)
                    return
                async with self.lock:
                    self._ended[:0] = ended
            await asyncio.sleep(pause)
            pause = min(_MAX_PAUSE_S, pause * 2)

    async def settle(self, *attempts: Attempt) -> None:
        """The attempts ended (their cost is in the ledger): read spend back, then release
        their reservations, then warn or stop."""
        async with self.lock:
            self.budget.spent = await read_spent(self.ledger, self.owner, self.clock())
            for attempt in attempts:
                self.budget.release(attempt.id)
        if self.on_settled is not None:
            rows = await self.ledger.attempts_by_id([a.id for a in attempts])
            for row in rows:
                self.on_settled(row)
        await self.check()
        self.wake()

    async def drain(self) -> None:
        self._draining = True
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    async def check(self) -> None:
        """Warnings at the thresholds (one per check: the highest crossed), a stop at 100%;
        stale stops cleared."""
        await self.clear_raised()
        for line in self.budget.lines():
            crossed = [p for p in self.budget.config.warn_percent if line.percent >= p]
            fresh = [p for p in crossed if (line.scope, p) not in self._warned]
            self._warned.update((line.scope, p) for p in crossed)
            if fresh:
                text = f"{line.label} budget at {line.percent:.0f}%: {usd(line.spent)} of"
                await self._tell(line, f"{text} {usd(line.limit)}", stopped=False)
            if line.spent >= line.limit - 1e-9:
                text = f"{line.label} budget {usd(line.limit)} spent ({usd(line.spent)})"
                await self._stop(line, text, None)

    async def _stop(self, line: Line, text: str, task: Task | None) -> None:
        if FLAG + line.scope in self.flags:
            return
        text += "; nothing new starts until the limit is raised"
        if line.scope.startswith("task:") and task is not None:
            await self.pause_task(task.id, text)
        else:
            value = json.dumps({"limit": line.limit, "reason": text})
            await self.ledger.set_flag(FLAG + line.scope, value, self.clock())
            self.flags[FLAG + line.scope] = value
            self.bus.publish(FlagChanged(FLAG + line.scope, value))
        await self._tell(line, text, stopped=True)

    async def _tell(self, line: Line, text: str, *, stopped: bool) -> None:
        event = BudgetChanged(line.scope, line.spent, line.limit, line.percent, stopped, text)
        await self.journal.record(event)
        self.bus.publish(Notice("error" if stopped else "warning", text))

    # ------------------------------------------------------------------ limits
    def limit(self, scope: str) -> float:
        c = self.budget.config
        kind, _, name = scope.partition(":")
        if kind == "run":
            return c.run_usd
        if kind == "day":
            return c.daily_usd
        return c.role_usd.get(name, 0.0) if kind == "role" else c.task_usd

    async def clear_raised(self) -> None:
        """Drop every stop whose limit was raised (or removed) since it was set."""
        for name, raw in list(self.flags.items()):
            if not name.startswith(FLAG):
                continue
            scope = name.removeprefix(FLAG)
            now_limit = self.limit(scope)
            if now_limit and now_limit <= _flag_limit(raw):
                continue
            await self.ledger.set_flag(name, None, self.clock())
            self.flags.pop(name, None)
            self.bus.publish(FlagChanged(name, None))
            self._warned = {w for w in self._warned if w[0] != scope}
            text = f"{scope} budget raised to {usd(now_limit)}: work resumes"
            self.bus.publish(Notice("information", text))
            self.wake()

    async def set_limit(self, scope: str, usd: float) -> None:
        """Change one limit for this run (``run``, ``day``, ``task``, ``role:NAME``)."""
        c = self.budget.config
        kind, _, name = scope.partition(":")
        fields = {"run": "run_usd", "day": "daily_usd", "task": "task_usd"}
        if kind == "role":
            update: dict[str, object] = {"role_usd": {**c.role_usd, name: usd}}
        else:
            update = {fields[kind]: usd}
        self.budget.config = BudgetConfig.model_validate({**c.model_dump(), **update})
        await self.clear_raised()
        await self.check()


def _flag_reason(raw: str) -> str:
    try:
        return str(json.loads(raw).get("reason", raw))
    except (ValueError, AttributeError):
        return raw


def _flag_limit(raw: str) -> float:
    try:
        return float(json.loads(raw).get("limit", 0.0))
    except (ValueError, AttributeError, TypeError):
        return 0.0
