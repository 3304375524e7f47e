"""The change feed on the bus, with real processes on one real ledger file: another process's
tasks, attempts and streams arrive as events (once each, none of this process's own), and a
task this process runs that another process cancels, pauses or reassigns stops here."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from swarm_tui.core.bus import Event, Subscription
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.owner import owner_id
from swarm_tui.domain.events import AttemptEnded, AttemptStarted, StreamChunk, TaskChanged
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.runtime import change_feed
from swarm_tui.store.ledger import SqliteLedger
from tests.conftest import make_settings
from tests.fakes import FakeProvider, Script

pytestmark = pytest.mark.slow


async def peer(db: Path, *args: str) -> str:
    """Run one action of tests/feed_peer.py in another process; its output line."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.feed_peer", str(db), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode().strip()


@contextlib.asynccontextmanager
async def peer_running(db: Path) -> AsyncIterator[None]:
    """An orchestrator in another process on ``db`` (tests/feed_peer.py ``run``)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.feed_peer", str(db), "run",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert (await proc.stdout.readline()).decode().strip() == "running"
        yield
    finally:
        proc.terminate()
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()


async def wait_until(check: Callable[[], object], what: str, within: float = 30.0) -> None:
    """Poll ``check`` until it holds (a bound on waiting, never an assertion on time)."""
    try:
        async with asyncio.timeout(within):
            while True:
                result = check()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


@contextlib.asynccontextmanager
async def here(db: Path) -> AsyncIterator[Orchestrator]:
    """This process's orchestrator on ``db`` (real clock, real owner) with its change feed;
    its models stream ``partial`` and hold."""
    script = lambda _req: Script(tokens=["part", "ial", " more"], hold_after=2)  # noqa: E731
    providers = {"p1": FakeProvider("p1", script), "p2": FakeProvider("p2", script)}
    settings = make_settings(heartbeat_seconds=1, lease_seconds=30)
    ledger = await SqliteLedger.open(db, commit_interval=0.005)
    orch = Orchestrator(settings, ledger, dict(providers), clock=time.time, owner=owner_id())
    try:
        async with change_feed(orch, 0.01):
            yield orch
    finally:
        await orch.stop()
        await ledger.close()


def collected(sub: Subscription, into: list[Event]) -> Callable[[], list[Event]]:
    def take() -> list[Event]:
        into.extend(sub.get_nowait())
        return into

    return take


@pytest.mark.parametrize(
    ("action", "extra", "state"),
    [("cancel", (), TaskState.CANCELLED), ("pause", (), TaskState.PAUSED),
     ("reassign", ("b",), TaskState.QUEUED)],
)  # fmt: skip
async def test_a_task_moved_by_another_process_stops_its_attempt_here(
    tmp_path: Path, action: str, extra: tuple[str, ...], state: TaskState
) -> None:
    db = tmp_path / "ledger.db"
    async with here(db) as orch:
        [(task, _)] = await orch.submit([TaskSpec(prompt="hold on", role="c")])
        assert await orch.tick() == 1
        [attempt_id] = list(orch.running)

        async def streamed() -> bool:
            await orch.ledger.writer.flush()
            return (await orch.attempts(task.id))[-1].output == "partial"

        await wait_until(streamed, "the attempt to stream and hold")
        assert await peer(db, action, str(task.id), *extra) == state.value
        await wait_until(lambda: not orch.running, "the attempt here to stop")
        moved = await orch.task(task.id)
        [attempt] = await orch.attempts(task.id)
    assert moved.state == state  # the other process's move stands
    assert (attempt.id, attempt.state, attempt.output) == (
        attempt_id, AttemptState.STOPPED, "partial",
    )  # fmt: skip
    assert attempt.error == f"stopped: {action}; partial output kept"
    if action == "reassign":
        assert moved.pin_agent == "b"


async def test_another_orchestrators_work_arrives_on_the_bus_once(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with here(db) as orch:
        sub = orch.bus.subscribe()
        events: list[Event] = []
        take = collected(sub, events)
        [(mine, _)] = await orch.submit([TaskSpec(prompt="mine", role="c")])  # not run: no tick
        await orch.pause(mine.id)
        async with peer_running(db):
            line = await peer(db, "submit", "theirs", "b")
            theirs = int(line.removeprefix("submitted #"))

            def words() -> str:
                return "".join(
                    e.text for e in take() if isinstance(e, StreamChunk) and e.task_id == theirs
                )

            await wait_until(lambda: "w5 " in words(), "the other process's stream")
            [started] = [e for e in take() if isinstance(e, AttemptStarted)]
            assert (started.task_id, started.agent, started.provider) == (theirs, "b", "p2")
            await orch.cancel(theirs)  # running there: written here, stopped there
            await wait_until(
                lambda: any(isinstance(e, AttemptEnded) for e in take()), "its attempt's end"
            )
        [attempt] = await orch.attempts(theirs)
        assert attempt.state == AttemptState.STOPPED
        assert words() == attempt.output  # tailed whole: nothing twice, nothing missing
        changes = [(e.task_id, e.state) for e in take() if isinstance(e, TaskChanged)]
        assert changes.count((mine.id, TaskState.QUEUED)) == 1  # ours: told once, by us
        assert changes.count((mine.id, TaskState.PAUSED)) == 1
        # submitted there: told as queued, or as running when the feed read it after the
        # other process's claim too (the feed tells the state it reads, once per change read)
        assert {s for t, s in changes if t == theirs} & {TaskState.QUEUED, TaskState.RUNNING}
        assert changes.count((theirs, TaskState.CANCELLED)) == 1  # cancelled here: once
        sub.close()


async def test_a_feed_started_mid_stream_shows_it_from_its_first_word(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with peer_running(db):
        line = await peer(db, "submit", "theirs", "b")
        theirs = int(line.removeprefix("submitted #"))
        ledger = await SqliteLedger.open(db, commit_interval=0.005)
        try:

            async def streaming() -> bool:
                attempts = await ledger.attempts(theirs)
                return bool(attempts) and "w3 " in attempts[-1].output

            await wait_until(streaming, "the other process to stream")
            orch = Orchestrator(make_settings(), ledger, {}, clock=time.time, owner=owner_id())
            sub = orch.bus.subscribe()
            events: list[Event] = []
            take = collected(sub, events)
            async with change_feed(orch, 0.01):
                [started] = [e for e in take() if isinstance(e, AttemptStarted)]
                assert started.task_id == theirs

                def words() -> str:
                    return "".join(e.text for e in take() if isinstance(e, StreamChunk))

                assert words().startswith("w0 w1 w2 w3 ")  # what came before the feed
                await wait_until(lambda: "w12 " in words(), "the stream to go on")
                assert words().startswith("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 ")
            await orch.stop()
        finally:
            await ledger.close()
