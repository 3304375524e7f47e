"""Property: with concurrent tasks, retries and fallbacks, a budget is never passed.

Scripted providers bill honestly (never more than the worst case: at most one input token per
prompt byte, at most ``max_tokens`` out) and often bill the worst case exactly, also on
attempts that fail after streaming. Each example runs a real orchestrator on a real ledger
until it is idle, then sums what the ledger says was spent.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm_tui.config import (
    AgentConfig,
    BreakerConfig,
    BudgetConfig,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    RetryConfig,
    Settings,
)
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.providers.base import (
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    TextDelta,
    Usage,
)
from swarm_tui.store.ledger import SqliteLedger

PRICES = {"cheap": (1.0, 2.0), "dear": (3.0, 15.0), "spare": (0.5, 1.0)}


class Billing:
    """A provider that streams, bills (worst case or less) and sometimes fails after billing."""

    def __init__(self, name: str, rng: random.Random, fail: float, kinds: list[str]) -> None:
        self.name = name
        self.rng = rng
        self.fail = fail
        self.kinds = kinds
        self.calls = 0

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def check(self) -> list[str]:
        return []

    async def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        self.calls += 1
        prompt = sum(len(m.content.encode()) for m in request.messages)
        worst = self.rng.random() < 0.5
        tokens_in = prompt if worst else self.rng.randint(1, max(1, prompt))
        tokens_out = request.max_tokens if worst else self.rng.randint(0, request.max_tokens)
        for _ in range(3):
            yield TextDelta("x")
            await asyncio.sleep(0)
        yield Usage(input_tokens=tokens_in, output_tokens=tokens_out)
        if self.rng.random() < self.fail:
            kind = self.rng.choice(self.kinds)
            raise ProviderError(f"scripted {kind}", retryable=kind == "server", kind=kind)
        yield Done("stop")


def _settings(budget: BudgetConfig, concurrency: int) -> Settings:
    def provider(name: str) -> ProviderConfig:
        inp, out = PRICES[name]
        model = ModelConfig(input_per_mtok=inp, output_per_mtok=out, max_tokens=40)
        return ProviderConfig(
            kind="openai", base_url=f"http://{name}.invalid/v1", models={"m": model}
        )

    return Settings(
        providers={name: provider(name) for name in PRICES},
        agents={
            "a": AgentConfig(
                mix={"cheap/m": 0.6, "dear/m": 0.4}, fallback=["spare/m"], max_concurrent=4
            ),
            "b": AgentConfig(mix={"dear/m": 1.0}, fallback=["cheap/m"], max_concurrent=2),
        },
        budget=budget,
        orchestrator=OrchestratorConfig(
            max_concurrent=concurrency, max_attempts=4, poll_seconds=0.01
        ),
        retry=RetryConfig(base_seconds=0.001, cap_seconds=0.002, max_total_seconds=5.0),
        breaker=BreakerConfig(failures=2, cooldown_seconds=0.02),
    )


budgets = st.one_of(
    st.builds(lambda x: BudgetConfig(run_usd=x), st.floats(0.0002, 0.01)),
    st.builds(lambda x: BudgetConfig(daily_usd=x), st.floats(0.0002, 0.01)),
    st.builds(lambda x: BudgetConfig(role_usd={"a": x, "b": x}), st.floats(0.0002, 0.005)),
    st.builds(lambda x: BudgetConfig(task_usd=x, run_usd=0.02), st.floats(0.0002, 0.003)),
)


async def _run(budget: BudgetConfig, tasks: int, concurrency: int, seed: int, fail: float) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ledger.db"
        ledger = await SqliteLedger.open(db, commit_interval=0.002)
        kinds = ["server", "server", "auth"]
        providers = {n: Billing(n, rng, fail, kinds) for n in PRICES}
        orch = Orchestrator(
            _settings(budget, concurrency), ledger, providers, rng=rng, owner="prop:1:1"
        )
        try:
            specs = [
                TaskSpec(prompt="p" * rng.randint(1, 300), role=rng.choice("ab"))
                for _ in range(tasks)
            ]
            await orch.submit(specs)
            await asyncio.wait_for(orch.run(until_idle=True), 60)
        finally:
            await orch.stop()
            await ledger.close()
        with sqlite3.connect(db) as conn:
            spent = conn.execute("SELECT COALESCE(SUM(cost_usd), 0) FROM attempts").fetchone()[0]
            by_agent = dict(
                conn.execute("SELECT agent, SUM(cost_usd) FROM attempts GROUP BY agent")
            )
            by_task = conn.execute("SELECT task_id, SUM(cost_usd) FROM attempts GROUP BY task_id")
            running = conn.execute("SELECT COUNT(*) FROM attempts WHERE state = 'running'")
            assert running.fetchone()[0] == 0
            for limit in (budget.run_usd, budget.daily_usd):
                if limit:
                    assert spent <= limit, (spent, limit)
            for agent, limit in budget.role_usd.items():
                assert by_agent.get(agent, 0.0) <= limit, (agent, by_agent, limit)
            if budget.task_usd:
                for task_id, cost in by_task:
                    assert cost <= budget.task_usd, (task_id, cost, budget.task_usd)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    budget=budgets,
    tasks=st.integers(1, 14),
    concurrency=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    fail=st.sampled_from([0.0, 0.3, 0.6]),
)
def test_concurrent_retries_and_fallbacks_never_pass_the_budget(
    budget: BudgetConfig, tasks: int, concurrency: int, seed: int, fail: float
) -> None:
    asyncio.run(_run(budget, tasks, concurrency, seed, fail))
