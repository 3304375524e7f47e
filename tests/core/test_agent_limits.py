"""An agent's limit across hosts and processes, on both backends: two orchestrators on two
connections to one ledger stand for two hosts, agent ``w`` limited to 1 on a provider that
takes 8. A loopback stand-in holds every request until the test lets them go, so two
attempts of ``w`` running at once would be seen there at once.

The same test runs three ways: as shipped (peak 1); with the pass's snapshot of the swarm
blind to agents, so only the claim's count in the ledger keeps B out (peak 1); and with the
ledger not counting agents at all, the per-process count alone (peak 2: the test can fail).
A host whose view is stale is refused by the ledger, and its dispatch says why.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, OrchestratorConfig, ProviderConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.registry import build_providers
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.slots import LoadRow
from tests.conftest import Clock
from tests.core.test_host_load import blue, settled
from tests.fakes import FakeProvider, Script
from tests.providers.loopback import LoopbackServer
from tests.store.test_provider_slots import twin

A, B = "gpu-laptop:22:2.000", "host-b:11:1.000"
WAIT = 60.0
MODELS = {"m1": ModelConfig(input_per_mtok=1.0, output_per_mtok=2.0, max_tokens=64)}


def settings(url: str) -> Settings:
    cloud = ProviderConfig(kind="openai", base_url=f"{url}/v1", models=MODELS, max_concurrent=8)
    return Settings(
        providers={"cloud": cloud},
        agents={"w": AgentConfig(mix={"cloud/m1": 1}, max_concurrent=1)},
        orchestrator=OrchestratorConfig(heartbeat_seconds=3600, lease_seconds=7200),
    )


class GatedServer(LoopbackServer):
    """The stand-in, counting the requests in hand at once and answering none of them
    before :attr:`gate` opens."""

    def __init__(self) -> None:
        super().__init__()
        self.active = 0
        self.peak = 0
        self.gate = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await self.gate.wait()
            await super()._serve(reader, writer)
        finally:
            self.active -= 1


async def until(ok: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not ok():
        assert loop.time() < deadline, what
        await asyncio.sleep(0.01)


def blind_to_agents(monkeypatch: pytest.MonkeyPatch, led: Ledger) -> None:
    """The pass's snapshot (``swarm_load``) without agents: the scheduler's fast path sees
    none of the other owners' attempts of an agent."""
    read = led.swarm_load

    async def load(now: float) -> list[LoadRow]:
        return [dataclasses.replace(r, agent="") for r in await read(now)]

    monkeypatch.setattr(led, "swarm_load", load)


def ledger_not_counting_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    """The claim's count of an agent's running attempts, on both backends, finds none."""
    import swarm_tui.store.claim_room as sqlite_room

    monkeypatch.setattr(sqlite_room, "agents_busy_sync", lambda _conn, _agents: {})
    try:
        import swarm_tui.store.pg.claims as pg_claims
    except ImportError:  # no psycopg: the SQLite ledger alone
        return

    async def none(_conn: object, _agents: object) -> dict[str, int]:
        return {}

    monkeypatch.setattr(pg_claims, "pg_agents_busy", none)


@pytest.mark.parametrize(
    ("disabled", "peak"), [("nothing", 1), ("snapshot", 1), ("ledger count", 2)]
)
async def test_two_hosts_run_one_attempt_of_an_agent_limited_to_one(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, disabled: str, peak: int
) -> None:
    other = await twin(ledger)
    if disabled != "nothing":
        for led in (ledger, other):
            blind_to_agents(monkeypatch, led)
    if disabled == "ledger count":
        ledger_not_counting_agents(monkeypatch)
    refused = 0
    claim_many = other.claim_many

    async def counting(*args: object, **kwargs: object) -> list[object]:
        nonlocal refused
        got = await claim_many(*args, **kwargs)  # type: ignore[arg-type]
        refused += got.count(None)
        return list(got)

    monkeypatch.setattr(other, "claim_many", counting)
    server = GatedServer()
    async with server:
        server.choose("POST", "/v1/chat/completions", blue)
        s = settings(server.url)
        host_a = Orchestrator(s, ledger, build_providers(s), owner=A)
        host_b = Orchestrator(s, other, build_providers(s), owner=B)
        try:
            tasks = await host_a.submit([TaskSpec(f"Colour {i}?", role="w") for i in range(3)])
            assert await host_a.tick() == 1  # A's own count admits one
            await until(lambda: server.active == 1, "A's attempt never reached the stand-in")
            started = await host_b.tick()  # B, while A's attempt runs
            running = await ledger.running_attempts()
            assert len(running) == 1 + started
            await until(lambda: server.active == len(running), "B's attempt never arrived")
            if disabled == "nothing":
                said = await host_b.dispatch_now(tasks[2][0].id)
                assert said == "agent w at its limit (1/1, 1 on host gpu-laptop); it runs next"
                assert refused == 0  # the pass's snapshot kept B out before its claim
            if disabled == "snapshot":
                assert started == 0 and refused == 1  # the claim's count in the ledger did
            server.gate.set()
            both = asyncio.gather(host_a.run(until_idle=True), host_b.run(until_idle=True))
            await asyncio.wait_for(both, WAIT)
            ids = [t.id for t, _ in tasks]
            assert await settled(ledger, ids) == [TaskState.SUCCEEDED] * 3
        finally:
            server.gate.set()
            await host_a.stop()
            await host_b.stop()
            await other.close()
    assert server.peak == peak
    assert len(server.requests) == 3


async def test_a_stale_view_is_refused_by_the_ledger_and_the_dispatch_says_why(
    ledger: Ledger, clock: Clock
) -> None:
    """B last read the swarm's load before A started ``w``'s one attempt: B's own view has
    room, the claim's count in the ledger has none, and B's dispatch says why."""
    other = await twin(ledger)
    s = settings("http://127.0.0.1:9")
    held = lambda _r: Script(hold_after=0)  # noqa: E731
    mine, theirs = FakeProvider("cloud", held), FakeProvider("cloud", held)
    host_a = Orchestrator(s, ledger, {"cloud": mine}, clock=clock, owner=A)
    host_b = Orchestrator(s, other, {"cloud": theirs}, clock=clock, owner=B)
    try:
        [(first, _), (second, _)] = await host_a.submit([TaskSpec(f"t{i}", role="w") for i in "12"])
        assert await host_a.tick() == 1  # A runs w's one attempt; B has not read it
        await asyncio.wait_for(mine.holding.wait(), WAIT)
        assert [a.task_id for a in await ledger.running_attempts()] == [first.id]
        assert host_b.load.count(agent="w") == 0  # stale: A's attempt is not in it
        said = await host_b.dispatch_now(second.id)
        assert said == "agent w at its limit (1/1, 1 on host gpu-laptop); it runs next"
        assert (await host_b.task(second.id)).state is TaskState.QUEUED and not host_b.running
    finally:
        mine.release.set()
        theirs.release.set()
        await host_a.stop()
        await host_b.stop()
        await other.close()
