"""The orchestrator's parts stand on their own: spending and the scheduler are built over a
real ledger with what they need (no orchestrator), and a dependent task's prompt is built
once per attempt (at admission), for a single attempt and for a consensus run."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any, cast

import pytest

from swarm_tui.config import BudgetConfig, ConsensusSettings, Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.flags import Flags
from swarm_tui.core.journal import Journal
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.parts import Shared, compose
from swarm_tui.core.spending import Spending
from swarm_tui.core.submit import plan_batch
from swarm_tui.domain.events import FlagChanged
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.providers.base import StreamRequest
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.spend import Spent
from tests.conftest import Clock, OrchFactory, make_settings
from tests.fakes import FakeProvider, Script


def _spending(ledger: Ledger, clock: Clock, budget: BudgetConfig, **hooks: Any) -> Spending:
    settings = make_settings()
    bus = EventBus()
    return Spending(
        ledger, bus, Flags(), clock,
        budget=budget, providers=settings.providers, journal=Journal(ledger, bus, clock),
        owner="test:1:1", pause_task=hooks.get("pause_task", _no_pause),
        wake=hooks.get("wake", lambda: None),
    )  # fmt: skip


async def _no_pause(task_id: int, reason: str) -> None:
    raise AssertionError(f"task #{task_id} paused: {reason}")


async def test_spending_stops_and_clears_a_scope_without_an_orchestrator(
    ledger: Ledger, clock: Clock
) -> None:
    woken: list[bool] = []
    spending = _spending(ledger, clock, BudgetConfig(run_usd=0.5), wake=lambda: woken.append(True))
    events = spending.bus.subscribe()
    spending.budget.spent = Spent(run=0.6)  # as read from the ledger after an attempt
    await spending.check()
    assert "budget_stop:run" in spending.flags
    assert json.loads((await ledger.flags())["budget_stop:run"])["limit"] == 0.5
    assert spending.stopped("c") == (
        "run budget $0.5000 spent ($0.6000); nothing new starts until the limit is raised"
    )
    assert any(isinstance(e, FlagChanged) for e in events.get_nowait())
    await spending.set_limit("run", 1.0)
    assert "budget_stop:run" not in spending.flags and "budget_stop:run" not in (
        await ledger.flags()
    )
    assert woken and spending.stopped("c") is None


def _shared(settings: Settings, providers: dict[str, Any], clock: Clock) -> Shared:
    async def pause(task_id: int, reason: str) -> None:
        raise AssertionError(reason)

    return Shared.of(
        settings, providers, clock=clock, rng=random.Random(1), owner="test:1:1",
        wake=lambda: None, pause_task=pause,
    )  # fmt: skip


async def test_the_scheduler_runs_a_task_without_an_orchestrator(
    ledger: Ledger, clock: Clock
) -> None:
    settings = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    p1 = FakeProvider("p1", lambda _r: Script(tokens=["done"]))
    shared = _shared(settings, {"p1": p1, "p2": FakeProvider("p2")}, clock)
    parts = compose(shared, ledger)
    batch = plan_batch(
        [TaskSpec(prompt="hello", role="c")], agents=list(settings.agents),
        default_agent=settings.default_agent, existing_ids=set(), existing_keys={},
    )  # fmt: skip
    [(task_id, _new)] = await ledger.add_tasks(batch.items, clock())
    assert await parts.scheduler.tick() == 1
    [entry] = shared.load.running.values()
    await entry.job
    await parts.spending.drain()
    task = await ledger.get_task(task_id)
    assert task is not None and task.state == TaskState.SUCCEEDED and task.result == "done"
    assert [r.messages[-1].content for r in p1.requests] == ["hello"]


def _count_dep_reads(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    real = ledger.dep_results

    async def counting(task_id: int) -> list[tuple[int, str, str]]:
        reads.append(task_id)
        return await real(task_id)

    monkeypatch.setattr(ledger, "dep_results", counting)
    return reads


async def test_a_dependent_tasks_prompt_is_built_once_per_attempt(
    make_orch: OrchFactory, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _count_dep_reads(ledger, monkeypatch)
    p1 = FakeProvider("p1", lambda r: Script(tokens=["first-result"]))
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    created = await orch.submit(
        [
            TaskSpec(prompt="first", role="c", key="a"),
            TaskSpec(prompt="second", role="c", key="b", after=("a",)),
        ]
    )
    second = created[1][0].id
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert reads == [second]
    assert "first-result" in p1.requests[1].messages[-1].content


async def test_a_dependent_consensus_tasks_prompt_is_built_once(
    make_orch: OrchFactory, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _count_dep_reads(ledger, monkeypatch)
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    settings = base.model_copy(update={"consensus": ConsensusSettings(n=2)})

    def script(request: StreamRequest) -> Script:
        return Script(tokens=["Blue."])

    providers = {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}
    orch = make_orch(settings, providers)
    created = await orch.submit(
        [
            TaskSpec(prompt="first", role="a", key="a"),
            TaskSpec(prompt="second", role="a", after=("a",), mode=TaskMode.CONSENSUS),
        ]
    )
    second = created[1][0].id
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    task = await orch.task(second)
    assert task.state == TaskState.SUCCEEDED and task.result == "Blue."
    assert reads == [second]
    asked = [r.messages[-1].content for p in providers.values() for r in p.requests]
    assert sum("## Result of task #1" in text for text in asked) == 2


async def test_a_ledger_given_late_rebuilds_the_parts_until_the_start(
    ledger: Ledger, clock: Clock, tmp_path: Path
) -> None:
    """The control room opens its ledger in its own event loop, after the orchestrator was
    built: every part then works on that ledger; once started, it cannot change."""
    orch = Orchestrator(make_settings(), cast(Ledger, None), {}, clock=clock, owner="test:1:1")
    orch.ledger = ledger
    assert orch.spending.ledger is ledger and orch.parts.scheduler.ledger is ledger
    [(task, _new)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    assert (await ledger.get_task(task.id)) is not None
    await orch.start()
    other = await SqliteLedger.open(tmp_path / "other.db")
    try:
        with pytest.raises(RuntimeError, match="cannot change"):
            orch.ledger = other
        assert orch.parts.upkeep.ledger is ledger
    finally:
        await orch.stop()
        await other.close()
