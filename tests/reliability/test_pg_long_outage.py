"""The PostgreSQL server stays away longer than the attempts' leases (``lease_seconds`` x 2
and more) while they stream: an orchestrator that is alive keeps its attempts.

Host A runs the tasks on a real server of this module's own (``tests/pg.py``); host B, another
ledger on the same database, reads. While the server is stopped, some attempts finish (their
end waits in A's writer and is written once the server is back: the task ends with that
attempt's result, and the model is not called again) and one holds across the outage (its
lease is renewed first thing on the server's clock: nobody takes it for expired). When another
host's recovery does reach the server first and takes A's lapsed attempts, A stops them
cleanly (partial output kept) and each task still ends exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import cast

import pytest

from swarm_tui.core import orchestrator
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import Attempt, AttemptState, TaskSpec, TaskState
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.connect import PgConn
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from tests.conftest import make_settings
from tests.core.test_feed import collected, wait_until
from tests.fakes import FakeProvider, Script
from tests.pg import PASSWORD_ENV, PgServer, server_for_tests

pytestmark = pytest.mark.slow

LEASE = 1.0


@pytest.fixture(scope="module")
def own_server() -> Iterator[PgServer]:
    """A server of this module's own (stopping the session's would disturb other tests)."""
    yield from server_for_tests("swarm-pg-outage-", durable=True)


@pytest.fixture
def target(own_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> PgTarget:
    monkeypatch.setenv(PASSWORD_ENV, own_server.password)
    return PgTarget(own_server.create_database(f"o{os.getpid()}_{time.time_ns()}"), PASSWORD_ENV)


class Hosts:
    def __init__(self, a: Orchestrator, led_b: PgLedger, p1: FakeProvider, p2: FakeProvider):
        self.a, self.led_b, self.p1, self.p2 = a, led_b, p1, p2
        self.seen_a: list[object] = []
        self.events_a = collected(a.bus.subscribe(), self.seen_a)  # type: ignore[arg-type]

    @property
    def led_a(self) -> PgLedger:
        return cast(PgLedger, self.a.ledger)

    async def streamed(self, count: int) -> dict[int, float]:
        """Once ``count`` attempts have streamed ``partial`` (read back by host B: committed),
        attempt -> its lease."""
        leases: dict[int, float] = {}

        async def all_streamed() -> bool:
            running = await self.led_b.running_attempts()
            leases.clear()
            leases.update({a.id: a.lease_until for a in running if a.output == "partial"})
            return len(leases) == count

        await wait_until(all_streamed, f"{count} attempts to stream before the outage")
        return dict(leases)

    def notices(self, *words: str) -> list[str]:
        return [
            e.text
            for e in self.events_a()
            if isinstance(e, Notice) and all(w in e.text for w in words)
        ]


@contextlib.asynccontextmanager
async def hosts(target: PgTarget, folder: Path) -> AsyncIterator[Hosts]:
    script = lambda _req: Script(tokens=["part", "ial", " more"], hold_after=2)  # noqa: E731
    p1, p2 = FakeProvider("p1", script), FakeProvider("p2", script)
    settings = make_settings(heartbeat_seconds=0.2, lease_seconds=LEASE, poll_seconds=0.05)
    led_a = await PgLedger.open(target, folder / "a" / "ledger.db", commit_interval=0.005)
    led_b = await PgLedger.open(target, folder / "b" / "ledger.db", commit_interval=0.005)
    a = Orchestrator(settings, led_a, {"p1": p1, "p2": p2}, clock=time.time, owner="a:1:1")
    try:
        yield Hosts(a, led_b, p1, p2)
    finally:
        await a.stop()
        await led_a.close()
        await led_b.close()


async def _lapsed(leases: dict[int, float]) -> None:
    """Wait until every lease read before the outage is a whole lease behind (the server
    has been away for two leases or more since the last renewal)."""
    last = max(leases.values())
    await wait_until(lambda: time.time() > last + LEASE, "the leases to lapse twice over")


async def test_an_outage_past_the_leases_keeps_our_attempts_and_the_ends_made_meanwhile(
    own_server: PgServer, target: PgTarget, tmp_path: Path
) -> None:
    async with hosts(target, tmp_path) as h:
        # two tasks on p1 (they finish during the outage), one on p2 (it holds across it)
        await h.a.submit(
            [TaskSpec(prompt=f"job {i}", role="c") for i in range(2)]
            + [TaskSpec(prompt="job 2", role="b")]
        )
        job = asyncio.create_task(h.a.run(until_idle=True))
        leases = await h.streamed(3)
        await asyncio.to_thread(own_server.halt, "fast")
        try:
            await _lapsed(leases)
            tries = h.led_a.writer.failures
            h.p1.release.set()  # p1's attempts end while their ends cannot be written
            await wait_until(
                lambda: h.led_a.writer.failures >= tries + 3, "the ends to be tried meanwhile"
            )
            await _lapsed(leases)  # and the outage goes on past the leases again
            assert not job.done()
        finally:
            await asyncio.to_thread(own_server.start)

        async def p1_done() -> bool:
            return all(t.state is TaskState.SUCCEEDED for t in await h.a.tasks() if t.role == "c")

        await wait_until(p1_done, "p1's tasks to end with the answers made during the outage")
        [held] = [t for t in await h.a.tasks() if t.role == "b"]
        running = await h.led_b.running_attempts()
        assert [(a.task_id, a.id in leases) for a in running] == [(held.id, True)]
        back = time.time()

        async def renewed() -> bool:  # by the heartbeat, on the server's clock
            return all(a.lease_until > back + LEASE for a in await h.led_b.running_attempts())

        await wait_until(renewed, "the held attempt's lease to be renewed after the outage")
        h.p2.release.set()
        await asyncio.wait_for(job, 90)

        for task in await h.a.tasks():
            assert task.state is TaskState.SUCCEEDED, (task.id, task.state, task.error)
            [attempt] = await h.a.attempts(task.id)  # one attempt: none given up, none re-run
            assert attempt.state is AttemptState.SUCCEEDED, attempt.error
            assert task.result == attempt.output == "partial more"  # nothing lost or doubled
            assert attempt.cost_usd > 0 and attempt.tokens_out == 3  # its usage recorded
        assert len(h.p1.requests) == 2 and len(h.p2.requests) == 1  # the model called once
        assert not h.notices("lease")


async def test_another_hosts_recovery_may_take_lapsed_attempts_which_stop_cleanly(
    own_server: PgServer, target: PgTarget, tmp_path: Path
) -> None:
    async with hosts(target, tmp_path) as h:
        await h.a.submit([TaskSpec(prompt=f"job {i}", role="c") for i in range(2)])
        job = asyncio.create_task(h.a.run(until_idle=True))
        leases = await h.streamed(2)
        gate = asyncio.Event()  # host A's writer connects again only once B has recovered
        reconnect: Callable[[], Awaitable[PgConn]] = h.led_a.writer._reconnect

        async def gated() -> PgConn:
            await gate.wait()
            return await reconnect()

        await asyncio.to_thread(own_server.halt, "fast")
        try:
            h.led_a.writer._reconnect = gated
            await _lapsed(leases)
        finally:
            await asyncio.to_thread(own_server.start)
        lost: list[Attempt] = []

        async def recovered() -> bool:  # host B's heartbeat, until its writer is back
            try:
                lost.extend(await h.led_b.recover(lambda _o: False, time.time()))
            except LedgerError:
                return False
            return True

        try:
            await wait_until(recovered, "host B's recovery to reach the server")
        finally:
            gate.set()
        assert sorted(a.id for a in lost) == sorted(leases)

        await wait_until(lambda: not set(leases) & set(h.a.running), "A to stop its taken attempts")
        await wait_until(lambda: h.notices("taken"), "A to say so")
        h.p1.release.set()
        await asyncio.wait_for(job, 90)

        for task in await h.a.tasks():
            assert task.state is TaskState.SUCCEEDED, (task.id, task.state, task.error)
            attempts = await h.a.attempts(task.id)
            taken, won = attempts[0], attempts[-1]
            assert len(attempts) == 2 and taken.id in leases
            assert taken.state is AttemptState.ABANDONED and taken.output == "partial"
            assert taken.error is not None and "lease expired" in taken.error
            assert won.state is AttemptState.SUCCEEDED
            assert task.result == won.output == "partial more"  # ended once, by the new one
        assert len(h.p1.requests) == 4  # each task's model called again (its lease lapsed)


async def test_a_shutdown_while_the_server_is_away_does_not_wait_for_it(
    own_server: PgServer,
    target: PgTarget,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(orchestrator, "STOP_GRACE_S", 0.2)
    caplog.set_level(logging.INFO)
    async with hosts(target, tmp_path) as h:
        await h.a.submit([TaskSpec(prompt="job 0", role="c")])
        job = asyncio.create_task(h.a.run(until_idle=True))
        [attempt_id] = await h.streamed(1)
        await asyncio.to_thread(own_server.halt, "fast")
        try:
            await asyncio.wait_for(h.a.stop(), 60)  # its end waits for the ledger: not for ever
            await asyncio.wait_for(job, 60)
            assert not h.a.running
            await h.led_a.close()  # the end the writer kept is dropped, said to no one
        finally:
            await asyncio.to_thread(own_server.start)
        [left] = await h.led_b.attempts_by_id([attempt_id])
        assert left.state is AttemptState.RUNNING and left.output == "partial"  # recovered later
    unhandled = [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]
    assert not unhandled
