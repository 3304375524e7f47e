"""Two orchestrators on one ledger (two processes on one SQLite file, two hosts on one
PostgreSQL database) share one daily budget: their holds are admitted in the ledger, so
together they never start more than the budget covers, and what they spend never passes it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.runner import build_messages
from swarm_tui.domain.budget_words import usd
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.providers.base import Usage
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, make_settings
from tests.core.test_feed import wait_until
from tests.fakes import FakeProvider, Script
from tests.store.test_budget_holds import A, B, open_second

CALL = (1 * 1.0 + 60 * 2.0) / 1e6
"""What each call bills: 1 token in at $1, 60 out at $2 per MTok (below any worst case)."""


def _settings(**orchestrator: object) -> Settings:
    """``make_settings`` with agent ``a`` limited to 8: an agent's limit is swarm-wide (as
    its providers' 4 and 4 are), so the two orchestrators share 8; the budget is what these
    tests see stop them."""
    s = make_settings(**orchestrator)
    agents = {**s.agents, "a": s.agents["a"].model_copy(update={"max_concurrent": 8})}
    return s.model_copy(update={"agents": agents})


async def _state_is(orch: Orchestrator, task_id: int, state: TaskState) -> bool:
    return (await orch.task(task_id)).state is state


def _providers() -> dict[str, FakeProvider]:
    """Every call waits for its provider's ``release`` after its first token."""
    script = lambda _r: Script(usage=Usage(input_tokens=1, output_tokens=60), hold_after=1)  # noqa: E731
    return {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}


async def test_two_orchestrators_on_one_ledger_never_pass_the_daily_budget(
    ledger: Ledger, tmp_path: Path, request: pytest.FixtureRequest, clock: Clock
) -> None:
    other = await open_second(ledger, tmp_path, request)
    settings = _settings(heartbeat_seconds=3600, lease_seconds=7200, poll_seconds=0.02)
    providers = _providers(), _providers()
    a = Orchestrator(settings, ledger, dict(providers[0]), clock=clock, owner=A)
    b = Orchestrator(settings, other, dict(providers[1]), clock=clock, owner=B)
    try:
        submitted = await a.submit([TaskSpec(prompt="job", role="a") for _ in range(30)])
        worst = a.spending.cost_of(
            "p1/m1", build_messages(settings.agents["a"], submitted[0][0], [])
        )
        assert worst > CALL
        for orch in (a, b):
            await orch.start()
            await orch.spending.set_limit("day", 6.5 * worst)  # raised at runtime from none

        # Together they could start 8 (agent a's limit); the day covers 6 worst cases. Passes
        # at once (one may lose the other's tasks to it, then tries the next ones).
        started = [0, 0]
        for _ in range(10):  # every pass claims at least one until the day is held in full
            more = await asyncio.gather(a.tick(), b.tick())
            started = [started[0] + more[0], started[1] + more[1]]
            assert len(await ledger.budget_holds()) == sum(started) <= 6
            if sum(started) == 6:
                break
        assert sum(started) == 6
        holds = await ledger.budget_holds()
        assert {h.owner for h in holds} <= {A, B}
        assert sum(h.amount for h in holds) == pytest.approx(6 * worst)
        for orch, mine in ((a, started[0]), (b, started[1])):
            await orch.spending.refresh()
            [day] = [line for line in orch.spending.budget.lines() if line.scope == "day"]
            assert day.reserved == pytest.approx(6 * worst)  # the swarm's holds, not only its own
            run = orch.spending.budget.reserved
            assert run == pytest.approx(mine * worst)

        # A higher limit, then every call is let go: both run until the budget stops them.
        limit = 12.5 * worst
        for orch in (a, b):
            await orch.spending.set_limit("day", limit)
        for p in (*providers[0].values(), *providers[1].values()):
            p.release.set()
        await asyncio.wait_for(asyncio.gather(a.run(until_idle=True), b.run(until_idle=True)), 60)

        total = (await ledger.totals()).cost_usd
        assert total <= limit
        assert total > limit - worst - CALL  # stopped because the next worst case did not fit
        succeeded = [t for t in await a.tasks() if t.state is TaskState.SUCCEEDED]
        assert len(succeeded) == round(total / CALL)
        assert await ledger.budget_holds() == []
        assert a.spending.stopped("a") is not None or b.spending.stopped("a") is not None
        assert {t.state for t in await a.tasks()} <= {TaskState.SUCCEEDED, TaskState.QUEUED}
    finally:
        await a.stop()
        await b.stop()
        await other.close()


async def test_a_stale_view_is_refused_by_the_ledger_with_the_reason(
    ledger: Ledger, tmp_path: Path, request: pytest.FixtureRequest, clock: Clock
) -> None:
    """B last read the spend before A started its attempts: B's own view says a call fits,
    the ledger's check (A's holds) says no, and B tells why the task waits."""
    other = await open_second(ledger, tmp_path, request)
    settings = _settings(heartbeat_seconds=3600, lease_seconds=7200)
    providers = _providers(), _providers()
    a = Orchestrator(settings, ledger, dict(providers[0]), clock=clock, owner=A)
    b = Orchestrator(settings, other, dict(providers[1]), clock=clock, owner=B)
    try:
        submitted = await a.submit([TaskSpec(prompt="job", role="a") for _ in range(6)])
        worst = a.spending.cost_of(
            "p1/m1", build_messages(settings.agents["a"], submitted[0][0], [])
        )
        for orch in (a, b):
            await orch.start()
            await orch.spending.set_limit("day", 4.5 * worst)
        assert await a.tick() == 4
        events = b.bus.subscribe()
        waiting = next(t for t in await b.tasks() if t.state is TaskState.QUEUED)
        assert b.spending.budget.why_not("a", (waiting.id, 0.0), worst) is None  # stale view
        said = await b.dispatch_now(waiting.id)
        assert said.startswith("no model of agent a can take work now")
        assert (await b.task(waiting.id)).state is TaskState.QUEUED
        texts = [e.text for e in events.get_nowait() if isinstance(e, Notice)]
        left = usd(4.5 * worst - 4 * worst - 1e-9)
        assert (
            f"task #{waiting.id} waits: worst case {usd(worst)} > daily budget left {left}" in texts
        )
        assert len(await ledger.budget_holds()) == 4 and not b.running
    finally:
        for p in (*providers[0].values(), *providers[1].values()):
            p.release.set()
        await a.stop()
        await b.stop()
        await other.close()


async def test_a_consensus_run_holds_its_worst_case_in_the_ledger_for_every_host(
    ledger: Ledger, tmp_path: Path, request: pytest.FixtureRequest, clock: Clock
) -> None:
    """A consensus run reserves all its calls under a temporary key, then its attempt's: the
    ledger holds the same amount for the attempt, another host is refused against it, and
    the hold goes when the run ends."""
    from tests.core.test_consensus_tasks import settings as consensus_settings

    other = await open_second(ledger, tmp_path, request)
    settings = consensus_settings()
    script = lambda _r: Script(tokens=["Blue."], usage=Usage(10, 5), hold_after=0)  # noqa: E731
    providers = [{p: FakeProvider(p, script) for p in ("p1", "p2", "p3")} for _ in "ab"]
    a = Orchestrator(settings, ledger, dict(providers[0]), clock=clock, owner=A)
    b = Orchestrator(settings, other, dict(providers[1]), clock=clock, owner=B)
    try:
        specs = [TaskSpec("What colour?", role="a", mode=TaskMode.CONSENSUS) for _ in "12"]
        [(first, _), (second, _)] = await a.submit(specs)
        for orch in (a, b):
            await orch.start()
            await orch.spending.set_limit("day", 1.0)
        assert await a.parts.scheduler.dispatch(first, clock()) is True
        [held] = await ledger.budget_holds()
        [attempt] = await a.attempts(first.id)
        assert (held.attempt_id, held.owner, held.task_id) == (attempt.id, A, first.id)
        assert held.amount == pytest.approx(a.spending.budget.reserved)  # rekeyed, same amount

        await b.spending.set_limit("day", 1.5 * held.amount)  # B's view: nothing spent or held
        events = b.bus.subscribe()
        said = await b.dispatch_now(second.id)
        assert said.startswith("no model of agent a can take work now")
        left = usd(0.5 * held.amount - 1e-9)
        why = f"worst case {usd(held.amount)} > daily budget left {left}"
        assert f"task #{second.id} waits: {why}" in [
            e.text for e in events.get_nowait() if isinstance(e, Notice)
        ]
        assert (await b.task(second.id)).state is TaskState.QUEUED

        for p in providers[0].values():
            p.release.set()
        await wait_until(lambda: _state_is(a, first.id, TaskState.SUCCEEDED), "the run's end")
        assert await ledger.budget_holds() == []
    finally:
        for p in (*providers[0].values(), *providers[1].values()):
            p.release.set()
        await a.stop()
        await b.stop()
        await other.close()
