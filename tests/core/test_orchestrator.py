"""The orchestrator's public API on a real ledger file with scripted providers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from swarm_tui.core.control import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.submit import SubmitError
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.domain.states import InvalidTransition
from swarm_tui.providers.base import ProviderError, StreamRequest, Usage
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory, make_settings
from tests.fakes import FakeProvider, Script


@contextlib.asynccontextmanager
async def running(orch: Orchestrator) -> AsyncIterator[asyncio.Task[None]]:
    job = asyncio.create_task(orch.run())
    try:
        yield job
    finally:
        await orch.stop()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


async def wait_state(orch: Orchestrator, task_id: int, *states: TaskState) -> None:
    async with asyncio.timeout(20):
        while (await orch.task(task_id)).state not in states:
            await asyncio.sleep(0.01)


def held(after: int = 2) -> FakeProvider:
    return FakeProvider("p1", lambda _r: Script(tokens=["a", "b", "c", "d"], hold_after=after))


async def test_run_until_idle_finishes_every_task_with_usage_and_cost(
    make_orch: OrchFactory,
) -> None:
    orch = make_orch()
    out = await orch.submit([TaskSpec(prompt=f"job {i}", role="a") for i in range(6)])
    assert [created for _, created in out] == [True] * 6
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    tasks = await orch.tasks()
    assert {t.state for t in tasks} == {TaskState.SUCCEEDED}
    for t in tasks:
        assert t.tokens_in == 7 and t.tokens_out == 3
        assert t.cost_usd == pytest.approx((7 * 1.0 + 3 * 2.0) / 1e6)
        assert (await orch.attempts(t.id))[0].output == "hello world"
        assert t.result == "hello world"


async def test_mix_is_followed_across_attempts(make_orch: OrchFactory) -> None:
    orch = make_orch()
    await orch.submit([TaskSpec(prompt=f"job {i}", role="a") for i in range(8)])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    providers = [t.provider for t in await orch.tasks()]
    assert providers.count("p1") == 6 and providers.count("p2") == 2


async def test_dependency_results_reach_the_dependent_prompt(make_orch: OrchFactory) -> None:
    p1 = FakeProvider("p1", lambda r: Script(tokens=["first-result"]))
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    await orch.submit(
        [
            TaskSpec(prompt="second", role="c", key="b", after=("a",)),
            TaskSpec(prompt="first", role="c", key="a"),
        ]
    )
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    prompts = [r.messages[-1].content for r in p1.requests]
    assert prompts[0] == "first"
    assert "first-result" in prompts[1] and prompts[1].endswith("second")


async def test_pause_resume_keeps_partial_output_and_runs_again(make_orch: OrchFactory) -> None:
    p1 = held()
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    async with running(orch):
        await asyncio.wait_for(p1.holding.wait(), 20)
        await orch.ledger.writer.flush()
        paused = await orch.pause(task.id)
        assert paused.state == TaskState.PAUSED
        [first] = await orch.attempts(task.id)
        assert first.state == AttemptState.STOPPED and first.output == "ab"
        p1.release.set()
        await orch.resume(task.id)
        await wait_state(orch, task.id, TaskState.SUCCEEDED)
    attempts = await orch.attempts(task.id)
    assert [a.state for a in attempts] == [AttemptState.STOPPED, AttemptState.SUCCEEDED]
    assert attempts[0].output == "ab" and attempts[1].output == "abcd"


async def test_cancel_running_task(make_orch: OrchFactory) -> None:
    p1 = held()
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    async with running(orch):
        await asyncio.wait_for(p1.holding.wait(), 20)
        assert (await orch.cancel(task.id)).state == TaskState.CANCELLED
        with pytest.raises(InvalidTransition, match="cancelled"):
            await orch.pause(task.id)
    [attempt] = await orch.attempts(task.id)
    assert attempt.state == AttemptState.STOPPED and attempt.output == "ab"


async def test_reassign_running_task_to_another_agent_and_model(make_orch: OrchFactory) -> None:
    p1 = held()
    p2 = FakeProvider("p2", lambda r: Script(tokens=["from-p2"]))
    orch = make_orch(providers={"p1": p1, "p2": p2})
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    async with running(orch):
        await asyncio.wait_for(p1.holding.wait(), 20)
        await orch.reassign(task.id, agent="b", model="p2/m1")
        await wait_state(orch, task.id, TaskState.SUCCEEDED)
    first, second = await orch.attempts(task.id)
    assert first.state == AttemptState.STOPPED and first.agent == "c" and first.output == "ab"
    assert (second.agent, second.provider, second.routing_reason) == (
        "b",
        "p2",
        "p2/m1: pinned by reassign",
    )
    assert (await orch.task(task.id)).result == "from-p2"


async def test_reassign_refuses_unknown_agent_and_model_without_changes(
    make_orch: OrchFactory,
) -> None:
    orch = make_orch()
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    with pytest.raises(ControlError, match="unknown agent 'zz'"):
        await orch.reassign(task.id, agent="zz")
    with pytest.raises(ControlError, match="unknown model 'p9/m1'"):
        await orch.reassign(task.id, model="p9/m1")
    after = await orch.task(task.id)
    assert (after.pin, after.pin_agent, after.state) == (None, None, TaskState.QUEUED)


async def test_retryable_errors_retry_then_fail_and_retry_command_requeues(
    make_orch: OrchFactory,
) -> None:
    calls: list[StreamRequest] = []

    def script(req: StreamRequest) -> Script:
        calls.append(req)
        return Script(tokens=["x"], error=ProviderError("503 busy", retryable=True, status=503))

    settings = make_settings(max_attempts=3, heartbeat_seconds=3600, lease_seconds=7200)
    orch = make_orch(settings, {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2")})
    orch.clock = _advancing(orch.clock)
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    failed = await orch.task(task.id)
    assert failed.state == TaskState.FAILED and failed.error == "503 busy"
    assert len(calls) == 3
    retried = await orch.retry(task.id)
    assert retried.state == TaskState.QUEUED and retried.error is None
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert len(calls) == 6  # a manual retry gets a fresh set of attempts


def _advancing(clock: object) -> object:
    now = [1_000_000.0]

    def tick() -> float:
        now[0] += 120.0  # past any back-off
        return now[0]

    return tick


async def test_non_retryable_error_fails_at_once_and_dependents_fail(
    make_orch: OrchFactory,
) -> None:
    err = ProviderError("401 bad key", retryable=False, status=401)
    p1 = FakeProvider("p1", lambda r: Script(error=err))
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    out = await orch.submit(
        [TaskSpec(prompt="a", role="c", key="a"), TaskSpec(prompt="b", role="b", after=("a",))]
    )
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    first, second = [await orch.task(t.id) for t, _ in out]
    assert first.state == TaskState.FAILED and first.attempts == 1
    assert second.state == TaskState.FAILED
    assert second.error == f"dependency #{first.id} ended failed"
    assert len(p1.requests) == 1


async def test_pause_all_and_agent_pause_hold_dispatch(make_orch: OrchFactory) -> None:
    orch = make_orch()
    await orch.pause_all()
    await orch.pause_agent("b")
    out = await orch.submit([TaskSpec(prompt="a", role="a"), TaskSpec(prompt="b", role="b")])
    assert await orch.tick() == 0
    await orch.resume_all()
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    a, b = [await orch.task(t.id) for t, _ in out]
    assert a.state == TaskState.SUCCEEDED and b.state == TaskState.QUEUED
    assert (await orch.ledger.flags()) == {"paused_agent:b": "1"}
    await orch.resume_agent("b")
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert (await orch.task(b.id)).state == TaskState.SUCCEEDED


async def test_priority_and_agent_limit(make_orch: OrchFactory) -> None:
    p2 = FakeProvider("p2", lambda r: Script(tokens=["x", "y"], hold_after=1))
    orch = make_orch(providers={"p1": FakeProvider("p1"), "p2": p2})
    out = await orch.submit([TaskSpec(prompt=f"{i}", role="b") for i in range(3)])
    await orch.set_priority(out[2][0].id, 9)
    assert await orch.tick() == 1  # agent b runs one at a time
    assert await orch.tick() == 0
    running_ids = [r.run.attempt.task_id for r in orch.running.values()]
    assert running_ids == [out[2][0].id]
    p2.release.set()
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert [r.messages[-1].content for r in p2.requests] == ["2", "0", "1"]


async def test_submit_refuses_bad_batches_without_writing(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    orch = make_orch()
    with pytest.raises(SubmitError, match="dependency cycle"):
        await orch.submit(
            [
                TaskSpec(prompt="a", key="a", after=("b",)),
                TaskSpec(prompt="b", key="b", after=("a",)),
            ]
        )
    with pytest.raises(SubmitError, match="no such task"):
        await orch.submit([TaskSpec(prompt="a", after=(42,))])
    with pytest.raises(SubmitError, match="unknown role"):
        await orch.submit([TaskSpec(prompt="a", role="nobody")])
    assert await ledger.list_tasks() == []


async def test_usage_unknown_is_recorded_as_unknown(make_orch: OrchFactory) -> None:
    p1 = FakeProvider("p1", lambda r: Script(usage=Usage(None, None, source="unknown")))
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    [(task, _)] = await orch.submit([TaskSpec(prompt="a", role="c")])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    [attempt] = await orch.attempts(task.id)
    assert attempt.usage_source.value == "unknown" and attempt.tokens_out is None


async def test_start_recovers_attempts_of_a_dead_orchestrator(
    make_orch: OrchFactory, ledger: Ledger, clock: object
) -> None:
    orch = make_orch()
    [(task, _)] = await orch.submit([TaskSpec(prompt="a", role="c")])
    now = orch.clock()
    attempt = await ledger.claim(
        task.id,
        agent="c",
        provider="p1",
        model="m1",
        reason="r",
        owner="test:2:2",
        now=now,
        lease_until=now - 1,
    )
    assert attempt is not None
    ledger.append_output(attempt.id, "partial")
    await ledger.writer.flush()
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    first, second = await orch.attempts(task.id)
    assert first.state == AttemptState.ABANDONED and first.output == "partial"
    assert second.state == AttemptState.SUCCEEDED
    assert (await orch.task(task.id)).state == TaskState.SUCCEEDED


async def test_reassigned_agent_sticks_through_a_retry(make_orch: OrchFactory) -> None:
    """A task reassigned to agent b stays on b when its next attempt fails and retries."""
    p1 = held()
    calls: list[str] = []

    def p2_script(req: StreamRequest) -> Script:
        calls.append("p2")
        if len(calls) == 1:
            return Script(tokens=["x"], error=ProviderError("503", retryable=True, status=503))
        return Script(tokens=["ok"])

    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2", p2_script)})
    orch.clock = _advancing(orch.clock)
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    async with running(orch):
        await asyncio.wait_for(p1.holding.wait(), 20)
        await orch.reassign(task.id, agent="b")
        await wait_state(orch, task.id, TaskState.SUCCEEDED)
    agents = [a.agent for a in await orch.attempts(task.id)]
    assert agents == ["c", "b", "b"]


async def test_a_models_temperature_reaches_every_request_and_unset_sends_none(
    make_orch: OrchFactory,
) -> None:
    base = make_settings(heartbeat_seconds=3600, lease_seconds=7200)
    p1cfg = base.providers["p1"]
    cool = p1cfg.model_copy(
        update={"models": {"m1": p1cfg.models["m1"].model_copy(update={"temperature": 0.0})}}
    )
    settings = base.model_copy(update={"providers": {**base.providers, "p1": cool}})
    p1, p2 = FakeProvider("p1"), FakeProvider("p2")
    orch = make_orch(settings, {"p1": p1, "p2": p2})
    await orch.submit([TaskSpec(prompt="x", role="c"), TaskSpec(prompt="y", role="b")])
    await asyncio.wait_for(orch.run(until_idle=True), 20)
    assert [r.temperature for r in p1.requests] == [0.0]
    assert [r.temperature for r in p2.requests] == [None]


async def test_cancel_while_this_process_is_claiming_the_task_stops_its_attempt_here(
    make_orch: OrchFactory,
) -> None:
    """The ledger says running before the attempt is registered here: the cancel waits for
    the launch and stops the attempt here (it is not this process's to hand to another)."""
    p1 = held(after=1)
    orch = make_orch(providers={"p1": p1, "p2": FakeProvider("p2")})
    [(task, _)] = await orch.submit([TaskSpec(prompt="x", role="c")])
    claimed, go_on = asyncio.Event(), asyncio.Event()
    claim_many = orch.ledger.claim_many

    async def slow_claim(*args: object, **kwargs: object) -> object:
        out = await claim_many(*args, **kwargs)  # type: ignore[arg-type]
        claimed.set()
        await go_on.wait()
        return out

    orch.ledger.claim_many = slow_claim  # type: ignore[method-assign]
    tick = asyncio.create_task(orch.tick())
    await claimed.wait()
    assert (await orch.task(task.id)).state == TaskState.RUNNING and not orch.running
    asking, launched = asyncio.Event(), orch.load.launched

    async def spy(task_id: int) -> int | None:
        asking.set()
        return await launched(task_id)

    orch.load.launched = spy  # type: ignore[method-assign]
    cancel = asyncio.create_task(orch.cancel(task.id))
    waiter = asyncio.create_task(asking.wait())
    await asyncio.wait({cancel, waiter}, return_when=asyncio.FIRST_COMPLETED)
    assert not cancel.done(), "the cancel did not wait for this process's own claim"
    go_on.set()
    assert await tick == 1
    done = await asyncio.wait_for(cancel, 20)
    assert done.state == TaskState.CANCELLED
    [attempt] = await orch.attempts(task.id)
    assert attempt.state == AttemptState.STOPPED and not orch.running
