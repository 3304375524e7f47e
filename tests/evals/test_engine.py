"""An eval through the real orchestrator on a real ledger file, with scripted stand-in
models: every case x configuration x repeat is measured once; a cascade escalates exactly the
cases whose check failed; rubric cases are scored by a blind judge; a second run resumes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.evals.configs import eval_settings, parse_configurations
from swarm_tui.evals.engine import EvalEngine, EvalStopped
from swarm_tui.evals.sets import parse_eval_set
from swarm_tui.evals.table import summarise
from swarm_tui.providers.base import StreamRequest
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, make_settings
from tests.fakes import FakeProvider, Script

SET = (
    "".join(
        f'[[case]]\nid = "add{n}"\nprompt = "What is {n} + {n}?"\n'
        f'judge = "exact"\nexpected = "{2 * n}"\n\n'
        for n in range(1, 7)
    )
    + '[[case]]\nid = "essay"\nprompt = "Explain sums"\njudge = "rubric"\nrubric = "Right"\n'
)

CHEAP_WRONG = {"add2", "add5"}
"""Cases the cheap stand-in (p1) gets wrong."""


def _question(request: StreamRequest) -> str:
    return str(request.messages[-1].content)


def cheap(request: StreamRequest) -> Script:
    text = _question(request)
    if text.startswith("What is"):
        n = int(text.split()[2])
        answer = 2 * n + (1 if f"add{n}" in CHEAP_WRONG else 0)
        return Script(tokens=[str(answer)])
    return Script(tokens=["sums add things"])


def strong(request: StreamRequest) -> Script:
    text = _question(request)
    if "RUBRIC:" in text:  # the judge
        assert "p1" not in text and "p2" not in text  # it never sees who wrote what
        return Script(tokens=["SCORE: 8\nREASON: fine"])
    if text.startswith("What is"):
        return Script(tokens=[str(2 * int(text.split()[2]))])
    return Script(tokens=["a sum adds numbers"])


@contextlib.asynccontextmanager
async def running(orch: Orchestrator) -> AsyncIterator[None]:
    job = asyncio.create_task(orch.run())
    try:
        yield
    finally:
        await orch.stop()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


async def _eval(
    ledger: Ledger, against: list[str], repeat: int = 1
) -> tuple[EvalEngine, FakeProvider]:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    eval_set = parse_eval_set(SET, "set.toml")
    configs = parse_configurations(base, against)
    settings = eval_settings(base, configs, {"a"}, judge="p2/m1")
    p1, p2 = FakeProvider("p1", cheap), FakeProvider("p2", strong)
    orch = Orchestrator(settings, ledger, {"p1": p1, "p2": p2}, clock=Clock(), owner="test:1:1")
    engine = EvalEngine(orch, eval_set, configs, repeat=repeat, judge="p2/m1", poll_s=0.02)
    async with running(orch):
        await asyncio.wait_for(engine.measure(), 60)
    return engine, p1


async def test_every_item_measured_once_and_the_cascade_escalates_exactly_the_failed(
    ledger: Ledger,
) -> None:
    engine, _p1 = await _eval(ledger, ["p1/m1,p2/m1", "cascade:p1/m1>p2/m1"], repeat=2)
    results = await engine.results()
    assert len(results) == 7 * 3 * 2
    assert len({(r.case_id, r.config, r.rep) for r in results}) == len(results)
    cascade = [r for r in results if r.config == "cascade:p1/m1>p2/m1"]
    escalated = {r.case_id for r in cascade if r.escalated}
    assert escalated == CHEAP_WRONG  # the rubric case scored 8 (>= 7): not escalated
    for r in cascade:
        assert r.passed is not False
        assert len(r.task_ids) == (2 if r.case_id in CHEAP_WRONG else 1)
        assert r.model == ("p2/m1" if r.case_id in CHEAP_WRONG else "p1/m1")
    cheap_rows = [r for r in results if r.config == "p1/m1" and r.passed is not None]
    assert {r.case_id for r in cheap_rows if not r.passed} == CHEAP_WRONG
    essay = [r for r in results if r.case_id == "essay"]
    assert {r.score for r in essay} == {8.0} and all(r.reason == "fine" for r in essay)

    by = {s.config: s for s in summarise(results, ["p1/m1", "p2/m1", "cascade:p1/m1>p2/m1"])}
    assert by["p1/m1"].correct == 8 and by["p1/m1"].judged == 12
    assert by["p2/m1"].correct == 12 and by["cascade:p1/m1>p2/m1"].correct == 12
    assert by["p1/m1"].alone_wrong == ("add2", "add5") and by["p2/m1"].alone_right == ()
    assert by["cascade:p1/m1>p2/m1"].escalated == 4
    low, high = by["p1/m1"].accuracy_low, by["p1/m1"].accuracy_high
    assert low is not None and high is not None and low < 8 / 12 < high
    # The cascade's cost is the sum of its stages: more than the cheap model's alone.
    assert by["cascade:p1/m1>p2/m1"].cost_usd > by["p1/m1"].cost_usd

    # Resumed: nothing is measured or submitted again.
    tasks_before = len(await ledger.list_tasks())
    engine2, p1_again = await _eval(ledger, ["p1/m1,p2/m1", "cascade:p1/m1>p2/m1"], repeat=2)
    assert engine2.name == engine.name and len(await engine2.results()) == len(results)
    assert len(await ledger.list_tasks()) == tasks_before and p1_again.requests == []


async def test_another_process_without_the_eval_agents_leaves_their_tasks_queued(
    ledger: Ledger,
) -> None:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    configs = parse_configurations(base, ["p2/m1"])
    evals = Orchestrator(eval_settings(base, configs, {"a"}), ledger, {"p2": FakeProvider("p2")},
                         clock=Clock(), owner="test:1:1")  # fmt: skip
    plain = Orchestrator(base, ledger, {"p1": FakeProvider("p1"), "p2": FakeProvider("p2")},
                         clock=Clock(), owner="test:2:1")  # fmt: skip
    [(task, _)] = await evals.submit([TaskSpec("q", role="a@p2/m1", priority=-1)])
    [(real, _)] = await plain.submit([TaskSpec("real work", role="a")])
    await asyncio.wait_for(plain.run(until_idle=True), 30)
    assert (await plain.task(real.id)).state == TaskState.SUCCEEDED
    assert (await plain.task(task.id)).state == TaskState.QUEUED  # not failed, not taken
    await asyncio.wait_for(evals.run(until_idle=True), 30)
    done = await evals.task(task.id)
    assert done.state == TaskState.SUCCEEDED and done.provider == "p2"
    await plain.stop()
    await evals.stop()


async def test_a_budget_stop_ends_the_eval_with_why_and_a_rerun_resumes(ledger: Ledger) -> None:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    budget = base.budget.model_copy(update={"run_usd": 0.0002})  # one answer's worst case
    base = base.model_copy(update={"budget": budget})
    eval_set = parse_eval_set(SET[: SET.index('[[case]]\nid = "essay"')], "set.toml")
    configs = parse_configurations(base, ["p2/m1"])
    provider = FakeProvider("p2", strong)
    settings = eval_settings(base, configs, {"a"})
    orch = Orchestrator(settings, ledger, {"p2": provider}, clock=Clock(), owner="test:1:1")
    engine = EvalEngine(orch, eval_set, configs, poll_s=0.02)
    async with running(orch):
        with pytest.raises(EvalStopped, match=r"cannot go on: budget stop: .*run the same command"):
            await asyncio.wait_for(engine.measure(), 60)
    first = await engine.results()
    assert 0 < len(first) < 6

    # The limit raised, the same eval again: it resumes, each case measured once.
    raised = base.model_copy(update={"budget": budget.model_copy(update={"run_usd": 1.0})})
    orch = Orchestrator(eval_settings(raised, configs, {"a"}), ledger, {"p2": provider},
                        clock=Clock(), owner="test:1:2")  # fmt: skip
    engine = EvalEngine(orch, eval_set, configs, poll_s=0.02)
    async with running(orch):
        results = await asyncio.wait_for(engine.measure(), 60)
    assert len(results) == 6 and all(r.passed for r in results)
    assert {r.case_id: r.task_ids for r in results if r.case_id in {f.case_id for f in first}} == {
        f.case_id: f.task_ids for f in first
    }
    assert len(await ledger.list_tasks()) == 6
