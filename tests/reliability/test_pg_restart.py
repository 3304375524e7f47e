"""The PostgreSQL ledger's server restarts, crashes or stays away mid-run: the run goes on.

A headless orchestrator (host A) runs a batch on a real server of its own (``tests/pg.py``,
every commit durable so a crash loses none it answered) while its models stream and hold;
host B, another ledger on the same database, watches through its change feed like a room.
The server is restarted (``fast``: every session ended cleanly), crashed (``immediate``) or
stopped until the orchestrator has said so, then started again. Every task ends exactly once
(one successful attempt; an attempt given up says why), nothing committed before is lost, the
feed on host B goes on, no lease is taken for expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import pytest

from swarm_tui.core.bus import Event
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import Notice, TaskChanged
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.runtime import change_feed
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from swarm_tui.store.pg.writer import MAX_PAUSE_S
from tests.conftest import make_settings
from tests.core.test_feed import collected, wait_until
from tests.fakes import FakeProvider, Script
from tests.pg import PASSWORD_ENV, PgServer, server_for_tests

pytestmark = pytest.mark.slow

TASKS = 4


@pytest.fixture(scope="module")
def own_server() -> Iterator[PgServer]:
    """A server of this module's own (restarting the session's would disturb other tests)."""
    yield from server_for_tests("swarm-pg-restart-", durable=True)


@pytest.fixture
def target(own_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> PgTarget:
    monkeypatch.setenv(PASSWORD_ENV, own_server.password)
    return PgTarget(own_server.create_database(f"r{os.getpid()}_{time.time_ns()}"), PASSWORD_ENV)


class Hosts:
    def __init__(self, a: Orchestrator, b: Orchestrator, provider: FakeProvider) -> None:
        self.a, self.b, self.provider = a, b, provider
        self.seen_b: list[Event] = []
        self.events_b = collected(b.bus.subscribe(), self.seen_b)
        self.seen_a: list[Event] = []
        self.events_a = collected(a.bus.subscribe(), self.seen_a)

    @property
    def led_a(self) -> PgLedger:
        return cast(PgLedger, self.a.ledger)

    @property
    def led_b(self) -> PgLedger:
        return cast(PgLedger, self.b.ledger)

    def notices(self, *words: str) -> list[str]:
        return [
            e.text
            for e in self.events_a()
            if isinstance(e, Notice) and all(w in e.text for w in words)
        ]

    async def streaming(self) -> dict[int, str]:
        """Once every task's attempt has streamed ``partial`` (read back by host B: it is
        committed), attempt -> output."""
        outputs: dict[int, str] = {}

        async def all_streamed() -> bool:
            outputs.clear()
            for task in await self.b.tasks():
                for attempt in await self.b.attempts(task.id):
                    outputs[attempt.id] = attempt.output
            return len(outputs) == TASKS and all(o == "partial" for o in outputs.values())

        await wait_until(all_streamed, "every attempt to stream before the restart")
        return dict(outputs)


@contextlib.asynccontextmanager
async def hosts(target: PgTarget, folder: Path) -> AsyncIterator[Hosts]:
    script = lambda _req: Script(tokens=["part", "ial", " more"], hold_after=2)  # noqa: E731
    provider = FakeProvider("p1", script)
    settings = make_settings(heartbeat_seconds=0.5, lease_seconds=120, poll_seconds=0.05)
    led_a = await PgLedger.open(target, folder / "a" / "ledger.db", commit_interval=0.005)
    led_b = await PgLedger.open(target, folder / "b" / "ledger.db", commit_interval=0.005)
    providers = {"p1": provider, "p2": provider}
    a = Orchestrator(settings, led_a, dict(providers), clock=time.time, owner="a:1:1")
    b = Orchestrator(settings, led_b, dict(providers), clock=time.time, owner="b:1:1")
    try:
        async with change_feed(b, 0.02):
            yield Hosts(a, b, provider)
    finally:
        await a.stop()
        await b.stop()
        await led_a.close()
        await led_b.close()


async def _leases(h: Hosts) -> dict[int, float]:
    """Running attempt -> its lease, as the ledger has it."""
    return {a.id: a.lease_until for a in await h.led_b.running_attempts()}


async def _check_each_task_ended_once(h: Hosts, before: dict[int, str]) -> None:
    tasks = await h.a.tasks()
    assert len(tasks) == TASKS
    for task in tasks:
        assert task.state is TaskState.SUCCEEDED, (task.id, task.state, task.error)
        attempts = await h.a.attempts(task.id)
        won = [a for a in attempts if a.state is AttemptState.SUCCEEDED]
        assert len(won) == 1 and task.result == won[0].output == "partial more"
        for attempt in attempts:
            assert attempt.state is not AttemptState.RUNNING
            if attempt.id in before:  # what it streamed before the outage is still there
                assert attempt.output.startswith(before[attempt.id]), attempt.output
                assert "partialpartial" not in attempt.output  # nor written twice
            if attempt.state is not AttemptState.SUCCEEDED:
                assert attempt.error and "lease expired" not in attempt.error, attempt.error


async def _feed_on_b_sees_every_end(h: Hosts) -> None:
    ids = {t.id for t in await h.a.tasks()}

    def ended() -> set[int]:
        return {
            e.task_id
            for e in h.events_b()
            if isinstance(e, TaskChanged) and e.state is TaskState.SUCCEEDED
        }

    await wait_until(lambda: ended() >= ids, "host B's feed to see every task end")


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_a_run_rides_out_a_server_restart_mid_stream(
    own_server: PgServer, target: PgTarget, tmp_path: Path, mode: str
) -> None:
    async with hosts(target, tmp_path) as h:
        await h.a.submit([TaskSpec(prompt=f"job {i}", role="a") for i in range(TASKS)])
        job = asyncio.create_task(h.a.run(until_idle=True))
        before = await h.streaming()
        listens = (h.led_a.changes.listens, h.led_b.changes.listens)

        await asyncio.to_thread(own_server.restart, mode)  # the run goes on meanwhile
        leases = await _leases(h)  # read on a connection made again
        assert leases.keys() == set(before)  # none taken for expired

        async def renewed() -> bool:  # by the heartbeat, on a connection made again
            now = await _leases(h)
            return now.keys() == leases.keys() and all(now[i] > leases[i] for i in leases)

        await wait_until(renewed, "the running attempts' leases to be renewed after the restart")
        h.provider.release.set()  # the attempts end after the restart
        await asyncio.wait_for(job, 90)

        await _check_each_task_ended_once(h, before)
        await _feed_on_b_sees_every_end(h)
        assert h.led_a.writer.reconnects >= 1  # every session was ended: all connected again
        await wait_until(
            lambda: h.led_a.changes.listens > listens[0] and h.led_b.changes.listens > listens[1],
            "both hosts to LISTEN again",
        )
        assert not [e for e in h.events_a() if isinstance(e, Notice) and "Traceback" in e.text]


async def test_a_long_outage_is_told_once_waited_out_and_the_feed_catches_up(
    own_server: PgServer, target: PgTarget, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with hosts(target, tmp_path) as h:
        await h.a.submit([TaskSpec(prompt=f"job {i}", role="a") for i in range(TASKS)])
        job = asyncio.create_task(h.a.run(until_idle=True))
        before = await h.streaming()
        await asyncio.to_thread(own_server.halt, "fast")
        try:
            h.provider.release.set()  # the attempts end; their ends wait in the writer
            await wait_until(lambda: h.notices("waits and retries"), "the run to say so", 60)
            # the writer backs off (no busy loop), reads fail with a clear message
            await wait_until(lambda: h.led_a.writer.pause() > 0, "the writer to back off")
            assert h.led_a.writer.pause() <= MAX_PAUSE_S
            with pytest.raises(LedgerError, match=r"cannot (connect|read)"):
                await h.a.tasks()
            with pytest.raises(LedgerError, match=r"cannot (connect|read)"):
                await h.led_b.changes.since(0)
            assert not job.done()  # the run waits it out
        finally:
            await asyncio.to_thread(own_server.start)
        await asyncio.wait_for(job, 90)
        await wait_until(lambda: h.notices("can be written again"), "the run to say it is back")

        await _check_each_task_ended_once(h, before)
        await _feed_on_b_sees_every_end(h)
        assert len(h.notices("waits and retries")) == 1  # told once, not once per try
        assert len(h.notices("heartbeat")) == 0  # the heartbeat's failures are the same news
        assert len(h.notices("crashed")) == 0  # an attempt's end not written: the same news
        given_up = [a for t in await h.a.tasks() for a in await h.a.attempts(t.id) if a.error]
        assert given_up == []  # the ends made while it was away were written once it was back
        assert len(h.provider.requests) == TASKS  # no task run again
        warnings = [r for r in caplog.records if "listening stopped" in r.getMessage()]
        assert 1 <= len(warnings) <= 2  # once per host, not once per try
        tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
        assert not tracebacks  # nothing left unhandled (asyncio's "never retrieved" included)
