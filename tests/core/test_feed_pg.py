"""Two hosts on one PostgreSQL ledger: a room on host B sees host A's attempt start and stream
live (its change feed woken by LISTEN/NOTIFY), and a cancel on host B stops the attempt
running on host A."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.core.bus import Event
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import AttemptStarted, StreamChunk
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.runtime import change_feed
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.url import PgTarget
from tests.conftest import make_settings
from tests.core.test_feed import collected, wait_until
from tests.fakes import FakeProvider, Script

pytestmark = pytest.mark.slow


@contextlib.asynccontextmanager
async def host(target: PgTarget, folder: Path, name: str) -> AsyncIterator[Orchestrator]:
    """An orchestrator of host ``name`` on the shared ledger, with its change feed; its
    models stream ``partial`` and hold."""
    script = lambda _req: Script(tokens=["part", "ial", " more"], hold_after=2)  # noqa: E731
    providers = {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}
    settings = make_settings(heartbeat_seconds=1, lease_seconds=30)
    led = await PgLedger.open(target, folder / name / "ledger.db", commit_interval=0.005)
    orch = Orchestrator(settings, led, dict(providers), clock=time.time, owner=f"{name}:1:1")
    try:
        async with change_feed(orch, 0.01):
            yield orch
    finally:
        await orch.stop()
        await led.close()


async def test_host_b_streams_host_as_attempt_and_its_cancel_stops_it(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    async with host(pg_target, tmp_path, "host-a") as a, host(pg_target, tmp_path, "host-b") as b:
        seen: list[Event] = []
        events = collected(b.bus.subscribe(), seen)
        [(task, _)] = await a.submit([TaskSpec(prompt="hold on", role="c")])
        assert await a.tick() == 1
        [attempt_id] = list(a.running)

        def streamed() -> str:
            return "".join(
                e.text
                for e in events()
                if isinstance(e, StreamChunk) and e.attempt_id == attempt_id
            )

        await wait_until(lambda: streamed() == "partial", "host A's stream on host B's bus")
        assert any(isinstance(e, AttemptStarted) and e.attempt_id == attempt_id for e in seen)
        assert not b.running  # B only watches: the attempt runs on A

        assert await b.cancel(task.id)
        await wait_until(lambda: not a.running, "host A's attempt to stop")
        [attempt] = await a.attempts(task.id)
        moved = await a.task(task.id)
    assert moved.state is TaskState.CANCELLED
    assert (attempt.state, attempt.output) == (AttemptState.STOPPED, "partial")
