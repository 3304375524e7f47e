"""Provider limits and routing load across hosts and processes (issue 22), on both backends:
two orchestrators on two connections to one ledger stand for two hosts. A consensus call on
one and an attempt on the other never run on a provider limited to 1 at once (a loopback
stand-in counts the requests in flight); a dead owner's slot ends by lease; the router
routes around a provider another host saturates and says so."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from swarm_tui.config import (
    AgentConfig,
    ConsensusSettings,
    ModelConfig,
    OrchestratorConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import AttemptState, TaskMode, TaskSpec, TaskState
from swarm_tui.providers.registry import build_providers
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.writes import AttemptEnd
from tests.conftest import Clock, OrchFactory
from tests.fakes import FakeProvider
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse
from tests.store.test_provider_slots import twin

A, B = "host-a:11:1.000", "gpu-laptop:22:2.000"
WAIT = 60.0
MODELS = {"m1": ModelConfig(input_per_mtok=1.0, output_per_mtok=2.0, max_tokens=64)}


def settings(url: str = "http://127.0.0.1:9", **orchestrator: object) -> Settings:
    """``gpu`` (one GPU: limit 1) and ``cloud``; agent ``a`` prefers the GPU 9:1, agent
    ``g`` runs on the GPU alone."""
    gpu = ProviderConfig(kind="openai", base_url=f"{url}/v1", models=MODELS, max_concurrent=1)
    cloud = ProviderConfig(kind="openai", base_url=f"{url}/v1", models=MODELS, max_concurrent=4)
    return Settings(
        providers={"gpu": gpu, "cloud": cloud},
        agents={
            "a": AgentConfig(mix={"gpu/m1": 9, "cloud/m1": 1}, max_concurrent=4),
            "g": AgentConfig(mix={"gpu/m1": 1}, max_concurrent=4),
        },
        orchestrator=OrchestratorConfig(
            heartbeat_seconds=3600,
            lease_seconds=7200,
            **orchestrator,  # type: ignore[arg-type]
        ),
        consensus=ConsensusSettings(models=["gpu/m1", "gpu/m1", "gpu/m1"]),
    )


class CountingServer(LoopbackServer):
    """The stand-in, counting the requests it is answering at once."""

    active = 0
    peak = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await super()._serve(reader, writer)
        finally:
            self.active -= 1


def blue(_request: Recorded) -> Reply:
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "Blue"}, "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
    ]
    return Reply(pieces=sse(*chunks), drip=0.02)  # each answer takes a while: runs overlap


async def settled(led: Ledger, task_ids: list[int]) -> list[TaskState]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while True:
        states = [t.state for t in await led.get_tasks(task_ids)]
        if all(s not in (TaskState.QUEUED, TaskState.RUNNING) for s in states):
            return states
        assert loop.time() < deadline, f"tasks still {states}"
        await asyncio.sleep(0.02)


async def test_a_consensus_on_one_host_and_an_attempt_on_another_share_a_limit_of_one(
    ledger: Ledger,
) -> None:
    other = await twin(ledger)
    server = CountingServer()
    async with server:
        server.choose("POST", "/v1/chat/completions", blue)
        s = settings(server.url, poll_seconds=0.05)
        host_a = Orchestrator(s, ledger, build_providers(s), owner=A)
        host_b = Orchestrator(s, other, build_providers(s), owner=B)
        try:
            spec = TaskSpec("What colour?", role="a", mode=TaskMode.CONSENSUS)
            [(consensus, _)] = await host_a.submit([spec])
            await host_a.tick()  # A runs the consensus: three calls on the GPU
            assert (await host_a.task(consensus.id)).state == TaskState.RUNNING
            singles = await host_b.submit([TaskSpec(f"Colour {i}?", role="g") for i in range(4)])
            await asyncio.wait_for(host_b.run(until_idle=True), WAIT)  # B runs the rest
            ids = [consensus.id, *(t.id for t, _ in singles)]
            assert await settled(ledger, ids) == [TaskState.SUCCEEDED] * 5
            attempts = [a for t in ids for a in await ledger.attempts(t)]
        finally:
            await host_a.stop()
            await host_b.stop()
            await other.close()
    on_gpu = [a for a in attempts if a.provider == "gpu"]
    assert len(on_gpu) == 4 and {a.owner for a in on_gpu} == {B}
    assert [a.owner for a in attempts if a.provider == "consensus"] == [A]
    assert server.peak == 1  # never a consensus call on A and an attempt on B at once
    assert len(server.requests) >= 3 + len(on_gpu)
    assert await ledger.swarm_load(0.0) == []  # every hold given back


async def test_a_dead_owner_s_slot_ends_by_lease_and_a_waiting_call_then_runs(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    orch = make_orch(settings(poll_seconds=0.02), {"gpu": FakeProvider("gpu")})
    dead = await ledger.take_slot(
        "gpu", "m1", limit=1, owner="gone:1:1.000", purpose="consensus", now=clock(),
        lease_until=clock() + 30,
    )  # fmt: skip
    assert dead is not None
    refused = asyncio.Event()
    take = ledger.take_slot

    async def spy(*args: object, **kwargs: object) -> int | None:
        got = await take(*args, **kwargs)  # type: ignore[arg-type]
        if got is None:
            refused.set()
        return got

    monkeypatch.setattr(ledger, "take_slot", spy)
    entered = asyncio.Event()

    async def call() -> None:
        async with orch.load.slots.hold("gpu/m1"):
            entered.set()
            assert len(orch.load.slots.held) == 1

    job = asyncio.create_task(call())
    try:
        await asyncio.wait_for(refused.wait(), WAIT)  # held by the dead owner: it waits
        assert not entered.is_set()
        clock.now += 31  # the dead owner's lease is past: not counted any more
        await asyncio.wait_for(entered.wait(), WAIT)
        await asyncio.wait_for(job, WAIT)
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    assert not orch.load.slots.held and await ledger.swarm_load(clock()) == []


@pytest.mark.parametrize("busy", ["attempt", "consensus call"])
async def test_the_router_routes_around_a_provider_another_host_saturates(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock, busy: str
) -> None:
    providers = {"gpu": FakeProvider("gpu"), "cloud": FakeProvider("cloud")}
    orch = make_orch(settings(), providers)
    [(first, _), (second, _)] = await orch.submit(
        [TaskSpec("one", role="a", priority=1), TaskSpec("two", role="a")]
    )
    slot: int | None = None
    if busy == "attempt":  # the GPU laptop runs a task of its own on its GPU
        [(theirs, _)] = await orch.submit([TaskSpec("theirs", role="a", priority=-1)])
        claim = Claim(theirs.id, "a", "gpu", "m1", "r")
        [held] = await ledger.claim_many([claim], owner=B, now=clock(), lease_until=clock() + 600)
        assert held is not None
    else:  # the GPU laptop's consensus call holds the GPU
        slot = await ledger.take_slot(
            "gpu", "m1", limit=1, owner=B, purpose="consensus", now=clock(),
            lease_until=clock() + 600,
        )  # fmt: skip
        assert slot is not None
    await orch.tick()
    [attempt] = await ledger.attempts(first.id)
    assert (attempt.provider, attempt.owner) == ("cloud", "test:1:1")
    assert "gpu/m1 at its limit (1/1, 1 on host gpu-laptop)" in attempt.routing_reason
    assert orch.load.elsewhere == {"gpu": {"gpu-laptop": 1}}
    [after] = await ledger.attempts(second.id)
    assert after.provider == "cloud"  # routed in the same pass: still saturated
    if busy == "attempt":  # the GPU laptop is done: the GPU is free for this host again
        [running] = [a for a in await ledger.running_attempts() if a.owner == B]
        end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
        assert await ledger.finish_attempt(running, end, clock())
    else:
        assert slot is not None and await ledger.release_slot(slot)
    [(third, _)] = await orch.submit([TaskSpec("three", role="a")])
    await asyncio.wait_for(orch.run(until_idle=True), WAIT)
    [free] = await ledger.attempts(third.id)
    assert free.provider == "gpu" and "at its limit" not in free.routing_reason
    assert orch.load.elsewhere == {}


async def test_a_host_limit_counts_what_other_hosts_send_to_that_host(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock
) -> None:
    """``[routing] host_limits``: two requests at once to the model server's host, from
    anywhere; the GPU laptop sends two to ``cloud`` there, so this host sends none."""
    base = settings()
    routing = base.routing.model_copy(update={"host_limits": {"127.0.0.1:9": 2}})
    orch = make_orch(
        base.model_copy(update={"routing": routing}),
        {"gpu": FakeProvider("gpu"), "cloud": FakeProvider("cloud")},
    )
    theirs = await orch.submit([TaskSpec(f"theirs {i}", role="a") for i in range(2)])
    claims = [Claim(t.id, "a", "cloud", "m1", "r") for t, _ in theirs]
    held = await ledger.claim_many(claims, owner=B, now=clock(), lease_until=clock() + 600)
    assert all(a is not None for a in held)
    [(mine, _)] = await orch.submit([TaskSpec("mine", role="a")])
    await orch.tick()
    assert await ledger.attempts(mine.id) == []
    assert orch.load.per_provider() == {"cloud": 2}
    said = await orch.dispatch_now(mine.id)
    assert said == "no model of agent a can take work now; it runs when one frees up"
    for attempt in [a for a in await ledger.running_attempts() if a.owner == B][:1]:
        end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
        assert await ledger.finish_attempt(attempt, end, clock())
    await orch.tick()
    [started] = await ledger.attempts(mine.id)
    assert started.provider == "gpu"


async def test_the_heartbeat_renews_the_slots_of_calls_still_running(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock
) -> None:
    s = settings(poll_seconds=0.02).model_copy(
        update={"orchestrator": OrchestratorConfig(heartbeat_seconds=0.02, lease_seconds=30)}
    )
    orch = make_orch(s, {"gpu": FakeProvider("gpu")})
    await orch.start()
    inside, leave = asyncio.Event(), asyncio.Event()

    async def call() -> None:
        async with orch.load.slots.hold("gpu/m1"):
            inside.set()
            await leave.wait()

    job = asyncio.create_task(call())
    try:
        await asyncio.wait_for(inside.wait(), WAIT)
        taken = clock()
        assert [r.owner for r in await ledger.swarm_load(taken + 29)] == ["test:1:1"]
        clock.now += 20  # the call still runs: its lease is moved on from the new now
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not await ledger.swarm_load(taken + 45):
            assert loop.time() < deadline, "the slot's lease was never renewed"
            await asyncio.sleep(0.01)
        leave.set()
        await asyncio.wait_for(job, WAIT)
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    assert await ledger.swarm_load(0.0) == []  # given back when the call ended
