"""Routing learns from measured quality: eval results and shadow samples in the ledger, per
role and model, shift the mix when an orchestrator starts, and the routing reason names the
evidence."""

from __future__ import annotations

import asyncio

from swarm_tui.domain.evals import EvalResult
from swarm_tui.domain.models import TaskSpec
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory


def _result(run_id: int, case: str, model: str, passed: bool) -> EvalResult:
    return EvalResult(
        run_id=run_id, case_id=case, config=model, rep=0, task_ids=(), model=model, role="a",
        answer="", passed=passed, score=None, reason="", escalated=False, cost_usd=0.0,
        tokens_in=0, tokens_out=0, latency_ms=None, created_at=1.0,
    )  # fmt: skip


async def _split(make_orch: OrchFactory, count: int) -> tuple[list[str], list[str]]:
    orch = make_orch()
    await orch.submit([TaskSpec(prompt=f"job {i}", role="a") for i in range(count)])
    await asyncio.wait_for(orch.run(until_idle=True), 60)
    tasks = (await orch.tasks())[-count:]
    reasons = [(await orch.attempts(t.id))[0].routing_reason for t in tasks]
    return [str(t.provider) for t in tasks], reasons


async def test_eval_and_shadow_evidence_shift_the_mix_and_are_named(
    ledger: Ledger, make_orch: OrchFactory
) -> None:
    before, _ = await _split(make_orch, 8)
    assert before.count("p1") == 6  # the mix: 3:1

    run = await ledger.add_eval_run("r", "set", "d", ["p1/m1", "p2/m1"], 1, None, 1.0)
    for i in range(6):
        await ledger.save_eval_result(_result(run.id, f"c{i}", "p1/m1", passed=False))
        await ledger.save_eval_result(_result(run.id, f"c{i}", "p2/m1", passed=True))
    await ledger.add_shadow(1, "a", "p1/m1", "p2/m1", 1.0)
    await ledger.update_shadow(1, 2.0, verdict="worse")

    after, reasons = await _split(make_orch, 8)
    assert after.count("p1") < 6  # p1's weight halved (performance_min): 3 x 0.5 against 1
    named = [r for r, p in zip(reasons, after, strict=True) if p == "p1"]
    assert named and all(
        "measured in a: eval 0/6 good, shadow 0/1 good" in r and "x0.50 for performance" in r
        for r in named
    ), named
