"""Shadow samples of live work, with stand-in models through the real orchestrator and a
real ledger: over 1,000 tasks the share sampled is within its interval of the rate, the
samples' spend never passes their cap, and a judge that always prefers the first position
is neutralised by the swap (no preference counted); a fair judge's verdicts are counted.

SQLite only: 1,000 tasks each (slow); shadow samples on PostgreSQL are tested in
test_shadow_code.py and test_routing_evidence.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from swarm_tui.config import (
    AgentConfig,
    BudgetConfig,
    EvalConfig,
    ModelConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.bus import Event
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.report import build_report, render
from swarm_tui.domain.events import RecordChanged
from swarm_tui.domain.intervals import wilson
from swarm_tui.domain.models import TaskSpec
from swarm_tui.evals.shadow import ShadowSampler, drawn, shadow_agent, shadow_settings
from swarm_tui.providers.base import StreamRequest
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.fakes import FakeProvider, Script

BASELINE = "big/m"


def _settings(rate: float, cap: float) -> Settings:
    cheap = {"m": ModelConfig(input_per_mtok=0.1, output_per_mtok=0.2, max_tokens=64)}
    dear = {"m": ModelConfig(input_per_mtok=3.0, output_per_mtok=15.0, max_tokens=64)}
    url = "http://127.0.0.1:9/v1"
    return shadow_settings(
        Settings(
            providers={
                "small": ProviderConfig(
                    kind="openai", base_url=url, models=cheap, max_concurrent=16
                ),
                "big": ProviderConfig(kind="openai", base_url=url, models=dear, max_concurrent=16),
            },
            agents={"a": AgentConfig(mix={"small/m": 1.0}, max_concurrent=16)},
            budget=BudgetConfig(baseline=BASELINE),
            eval=EvalConfig(shadow_rate=rate, shadow_budget_usd=cap),
        )
    )


def judge_always_first(request: StreamRequest) -> Script:
    text = str(request.messages[-1].content)
    return Script(
        tokens=["WINNER: 1\nREASON: the first"] if "ANSWER 1:" in text else ["the big answer"]
    )


def judge_prefers_big(request: StreamRequest) -> Script:
    text = str(request.messages[-1].content)
    if "ANSWER 1:" in text:
        first = text.split("ANSWER 1:")[1].split("ANSWER 2:")[0]
        return Script(tokens=["WINNER: 1" if "big" in first else "WINNER: 2"])
    return Script(tokens=["the big answer"])


@contextlib.asynccontextmanager
async def _running(orch: Orchestrator, sampler: ShadowSampler) -> AsyncIterator[None]:
    jobs = [asyncio.create_task(orch.run()), asyncio.create_task(sampler.run())]
    try:
        yield
    finally:
        await orch.stop()
        for job in jobs:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job


async def _sample(
    tmp_path: Path, count: int, rate: float, cap: float, judge: Callable[[StreamRequest], Script],
    seen: list[Event] | None = None,
) -> tuple[ShadowSampler, Ledger]:  # fmt: skip
    """``seen``: every event the orchestrator's bus carried while it ran."""
    settings = _settings(rate, cap)
    ledger = await SqliteLedger.open(tmp_path / "ledger.db", commit_interval=0.005)
    small = FakeProvider("small", lambda _r: Script(tokens=["the small answer"]))
    orch = Orchestrator(settings, ledger, {"small": small, "big": FakeProvider("big", judge)})
    sampler = ShadowSampler(orch, poll_s=0.02)
    sub = orch.bus.subscribe()
    async with _running(orch, sampler):
        await orch.submit([TaskSpec(f"job {i}", role="a") for i in range(count)])
        async with asyncio.timeout(600):
            while True:
                tasks = await orch.tasks()
                if all(t.state.terminal for t in tasks) and not sampler.open:
                    live = [t for t in tasks if t.role == "a"]
                    if len(live) == count:
                        break
                await asyncio.sleep(0.05)
    if seen is not None:
        seen.extend(sub.get_nowait())
    sub.close()
    return sampler, ledger


async def test_the_samplers_own_writes_are_told_on_its_bus_for_an_open_eval_view(
    tmp_path: Path,
) -> None:
    seen: list[Event] = []
    sampler, ledger = await _sample(tmp_path, 6, 1.0, cap=100.0, judge=judge_prefers_big, seen=seen)
    try:
        samples = await ledger.shadow_samples()
    finally:
        await ledger.close()
    decided = [s for s in samples if s.verdict != "pending"]
    assert sampler.taken == len(samples) == 6 and decided
    told = [e for e in seen if isinstance(e, RecordChanged)]
    # One when each sample is taken (its baseline task named), one when it is decided: the
    # change feed skips this process's own writes, so the bus is how its room hears of them.
    assert told == [RecordChanged("eval", "shadow")] * (len(samples) + len(decided))


@pytest.mark.slow
async def test_over_1000_tasks_the_rate_holds_and_a_position_biased_judge_counts_nothing(
    tmp_path: Path,
) -> None:
    rate = 0.05
    sampler, ledger = await _sample(tmp_path, 1000, rate, cap=100.0, judge=judge_always_first)
    try:
        samples = await ledger.shadow_samples()
    finally:
        await ledger.close()
    expected = sum(drawn(i, rate) for i in range(1, 1001))
    assert sampler.drawn == expected and sampler.taken == len(samples) == expected
    low, high = wilson(len(samples), 1000)
    assert low <= rate <= high, (len(samples), low, high)
    # The judge always says "WINNER: 1": with the swap the two orders never agree.
    assert samples and {s.verdict for s in samples} == {"none"}
    assert all(s.shadow_task_id is not None and s.model == "small/m" for s in samples)


@pytest.mark.slow
async def test_the_cap_is_never_passed_and_a_fair_judge_is_counted(tmp_path: Path) -> None:
    cap = 0.08
    sampler, ledger = await _sample(tmp_path, 1000, 0.2, cap=cap, judge=judge_prefers_big)
    try:
        samples = await ledger.shadow_samples()
        shadow_role = shadow_agent(BASELINE)
        spent = sum(t.cost_usd for t in await ledger.list_tasks() if t.role == shadow_role)
        report = await build_report(ledger, _settings(0.2, cap), None)
    finally:
        await ledger.close()
    assert sampler.capped > 0 and sampler.taken == len(samples) > 0
    assert spent <= cap and sampler.spent == pytest.approx(spent)
    assert sum(s.cost_usd for s in samples) == pytest.approx(spent)
    # The judge prefers the baseline's answer in both orders: the live answer is worse.
    assert {s.verdict for s in samples} == {"worse"}
    # report states the saving with the quality measured this way, and its interval.
    n = len(samples)
    low, high = wilson(0, n)
    line = (
        f"saved {report['savings']['percent']:.0f}% against {BASELINE}; judged as good or better"
        f" in 0% of {n} samples (95% CI {100 * low:.0f}-{100 * high:.0f}%)"
    )
    assert line in render(report, "md")
    assert report["shadow"]["worse"] == n and report["shadow"]["good_or_better"] == 0.0
