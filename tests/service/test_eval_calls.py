"""The eval view's reads over the socket: the eval runs, one run's results and the shadow
samples come back as the very dataclasses the orchestrator returns, equal to its own reads of
the service's ledger; an unknown run is an empty list, a malformed argument a refusal."""

from __future__ import annotations

import pytest

from swarm_tui.core.errors import ControlError
from swarm_tui.domain.evals import EvalResult
from swarm_tui.domain.models import TaskSpec
from swarm_tui.service.client import ServiceClient
from tests.service.test_socket import Served, served

__all__ = ["served"]  # the fixture, shared with the socket tests


def result(run_id: int, case_id: str, config: str, task_id: int, passed: bool) -> EvalResult:
    return EvalResult(
        run_id, case_id, config, 0, (task_id,), config, "a", "42", passed, None, "exact",
        False, 0.002, 10, 3, 120.0, 1000.0,
    )  # fmt: skip


async def test_eval_runs_results_and_shadow_samples_are_read_over_the_socket(
    served: Served,
) -> None:
    orch = served.orch
    ledger = orch.ledger
    client = await ServiceClient.connect(served.paths.ledger)
    try:
        assert await client.eval_runs() == []
        assert await client.shadow_samples() == []
        tasks = [t for t, _new in await orch.submit([TaskSpec(prompt="q1"), TaskSpec(prompt="q2")])]
        run = await ledger.add_eval_run(
            "nightly", "basics", "d1", ["p1/m1", "p2/m1"], 1, "p2/m1", 1000.0
        )
        for config, passed in (("p1/m1", False), ("p2/m1", True)):
            assert await ledger.save_eval_result(result(run.id, "add", config, tasks[0].id, passed))
        assert await ledger.add_shadow(tasks[1].id, "a", "p1/m1", "p2/m1", 1000.0)
        await ledger.update_shadow(tasks[1].id, 1001.0, verdict="better", cost_usd=0.001)

        runs = await client.eval_runs()
        assert runs == await orch.eval_runs() and [r.name for r in runs] == ["nightly"]
        assert runs[0].configs == ("p1/m1", "p2/m1")  # a tuple again, as the dataclass says
        results = await client.eval_results(run.id)
        assert results == await orch.eval_results(run.id)
        assert [(r.config, r.passed, r.task_ids) for r in results] == [
            ("p1/m1", False, (tasks[0].id,)),
            ("p2/m1", True, (tasks[0].id,)),
        ]
        assert await client.eval_results(run.id + 1) == []
        samples = await client.shadow_samples()
        assert samples == await orch.shadow_samples()
        assert [(s.task_id, s.verdict) for s in samples] == [(tasks[1].id, "better")]
        assert await client.shadow_samples(since=2000.0) == []  # the argument reaches the ledger

        with pytest.raises(ControlError, match="run_id"):
            await client.call("eval_results", run_id="first")
    finally:
        await client.close()
