"""Budgets on a real ledger: reserve, settle, warn at 50/80%, stop at the limit with a flag that
survives a restart and clears when the limit is raised; worst cases; per-task limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from swarm_tui.config import BudgetConfig, ModelConfig, Settings
from swarm_tui.core.budget import worst_case
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.base import (
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, OrchFactory, make_settings
from tests.fakes import FakeProvider, Script


def _settings(budget: BudgetConfig) -> Settings:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    return base.model_copy(update={"budget": budget})


def _providers() -> dict[str, FakeProvider]:
    # 50 in x $1 + 60 out x $2 per MTok = $0.000170 a call; the worst case is $0.000184.
    script = lambda _r: Script(usage=Usage(input_tokens=50, output_tokens=60))  # noqa: E731
    return {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}


def test_worst_case_prices_every_byte_and_every_reply_token() -> None:
    model = ModelConfig(input_per_mtok=3.0, output_per_mtok=15.0, max_tokens=1000)
    assert worst_case(model, 100, 2, 1.0) == pytest.approx((116 * 3.0 + 1000 * 15.0) / 1e6)
    cache = ModelConfig(input_per_mtok=3.0, cache_write_per_mtok=3.75, max_tokens=10)
    assert worst_case(cache, 84, 2, 4.0) == pytest.approx((37 * 3.75) / 1e6)


async def test_run_budget_warns_stops_survives_restart_and_clears_when_raised(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    orch = make_orch(_settings(BudgetConfig(run_usd=0.0004)), _providers())
    sub = orch.bus.subscribe()
    await orch.submit([TaskSpec(prompt="job", role="c") for _ in range(5)])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    states = [t.state for t in await orch.tasks()]
    assert states.count(TaskState.SUCCEEDED) == 2 and states.count(TaskState.QUEUED) == 3
    assert (await orch.totals()).cost_usd == pytest.approx(0.00034)
    flag = json.loads((await ledger.flags())["budget_stop:run"])
    assert flag["limit"] == 0.0004 and "run budget $0.00" in flag["reason"]
    texts = [e.text for e in sub.get_nowait() if type(e).__name__ == "BudgetChanged"]
    assert texts == [
        "run budget at 85%: $0.0003 of $0.0004",
        "run budget $0.0004: $0.0003 spent, the cheapest call of c needs up to $0.0002;"
        " nothing new starts until the limit is raised",
    ]
    kinds = [k for k, _a, _d in await ledger.events()]
    assert kinds.count("budget_changed") == len(texts)
    await orch.stop()

    again = make_orch(_settings(BudgetConfig(run_usd=0.0004)), _providers())
    await asyncio.wait_for(again.run(until_idle=True), 20)  # still stopped: returns at once
    assert [t.state for t in await again.tasks()].count(TaskState.QUEUED) == 3
    assert again.spending.stopped("c") is not None
    await again.spending.set_limit("run", 0.01)
    assert "budget_stop:run" not in await ledger.flags()
    await asyncio.wait_for(again.run(until_idle=True), 20)
    assert {t.state for t in await again.tasks()} == {TaskState.SUCCEEDED}


async def test_raising_the_limit_in_the_config_clears_the_stop(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    orch = make_orch(_settings(BudgetConfig(run_usd=0.0002)), _providers())
    await orch.submit([TaskSpec(prompt="job", role="c") for _ in range(3)])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert "budget_stop:run" in await ledger.flags()
    await orch.stop()
    raised = make_orch(_settings(BudgetConfig(run_usd=1.0)), _providers())
    await asyncio.wait_for(raised.run(until_idle=True), 20)
    assert "budget_stop:run" not in await ledger.flags()
    assert {t.state for t in await raised.tasks()} == {TaskState.SUCCEEDED}


class BillsThenFails(FakeProvider):
    """Bills $0.000170 per call, then fails with a retryable error."""

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        yield TextDelta("partial")
        yield Usage(input_tokens=50, output_tokens=60)
        raise ProviderError("busy", retryable=True, kind="server")


async def test_a_task_at_its_own_limit_is_paused_with_the_reason(
    make_orch: OrchFactory, clock: Clock
) -> None:
    settings = _settings(BudgetConfig(task_usd=0.0004))
    retry = settings.retry.model_copy(update={"base_seconds": 0.001, "cap_seconds": 0.001})
    settings = settings.model_copy(update={"retry": retry})
    providers = {"p1": BillsThenFails("p1"), "p2": BillsThenFails("p2")}
    orch: Orchestrator = make_orch(settings, providers)
    [(task, _)] = await orch.submit([TaskSpec(prompt="job", role="c")])
    job = asyncio.create_task(orch.run(until_idle=True))
    async with asyncio.timeout(20):
        while (await orch.task(task.id)).state != TaskState.PAUSED:
            clock.now += 1.0  # past every back-off
            orch.wake()
            await asyncio.sleep(0.01)
    await asyncio.wait_for(job, 20)
    task = await orch.task(task.id)
    assert task.attempts == 2 and task.cost_usd == pytest.approx(0.00034)
    assert task.error is not None and "task #1's budget $0.0004" in task.error


async def test_role_budget_blocks_only_that_role(make_orch: OrchFactory) -> None:
    settings = _settings(BudgetConfig(role_usd={"b": 0.0002}))
    orch = make_orch(settings, _providers())
    await orch.submit([TaskSpec(prompt="job", role=r) for r in "bbcc"])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    by_role = {(t.role, t.state) for t in await orch.tasks()}
    assert (("c", TaskState.SUCCEEDED)) in by_role and ("b", TaskState.QUEUED) in by_role
    assert orch.spending.stopped("b") is not None and orch.spending.stopped("c") is None
