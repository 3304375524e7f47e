"""A room attached to a service (issue 18): no orchestrator of its own, every read and command
through the service's socket, its events the room's feed. The service runs in this test's
event loop on a real ledger file and a real Unix socket; the other process is a real one
(tests/feed_peer.py). Each test waits for the row, pane or state (no timed assertion)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.runtime import change_feed
from swarm_tui.service.client import LOST_STATE, ServiceClient
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.server import ServiceServer
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.tui.app import SwarmApp, make_app
from swarm_tui.tui.attach import LOST_TEXT
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.status_bar import StatusBar
from tests.core.test_feed import peer
from tests.fakes import FakeProvider
from tests.tui.conftest import PromptScript, Room, room_settings

pytestmark = pytest.mark.slow


@dataclass
class Service:
    orch: Orchestrator
    server: ServiceServer
    ledger: Ledger
    providers: dict[str, FakeProvider]

    def release(self) -> None:
        for provider in self.providers.values():
            provider.release.set()

    async def held(self, task_id: int) -> bool:
        """The task's attempt runs here and holds after ``"partial"``."""
        attempts = await self.orch.attempts(task_id)
        return (
            bool(attempts)
            and attempts[-1].output == "partial"
            and any(r.run.attempt.task_id == task_id for r in self.orch.running.values())
        )


@contextlib.asynccontextmanager
async def serving(db: Path, settings: Settings | None = None) -> AsyncIterator[Service]:
    """A service on ``db`` as ``swarm-tui up`` runs one (the change feed on), in this loop."""
    settings = settings or room_settings()
    script = PromptScript()
    providers = {name: FakeProvider(name, script) for name in ("p1", "p2")}
    ledger = await SqliteLedger.open(db, commit_interval=0.005)
    orch = Orchestrator(settings, ledger, dict(providers), clock=time.time, owner=f"svc:{id(db)}")
    stopped = asyncio.Event()
    server = ServiceServer(orch, ServicePaths(db), on_shutdown=stopped.set)
    try:
        async with change_feed(orch, 0.02):
            await orch.start()
            await server.start()
            runner = asyncio.create_task(orch.run())
            try:
                yield Service(orch, server, ledger, providers)
            finally:
                await server.stop_listening()
                await orch.stop()
                runner.cancel()
                await asyncio.gather(runner, return_exceptions=True)
                await server.close()
    finally:
        await ledger.close()


@contextlib.asynccontextmanager
async def attached(
    db: Path, service: Service, settings: Settings | None = None
) -> AsyncIterator[Room]:
    """A room attached to the service of ``db`` (as plain ``swarm-tui`` opens one)."""
    client = await ServiceClient.connect(db)
    app: SwarmApp = make_app(settings or room_settings(), client)
    assert app.core is None and app.attachment is not None
    await client.subscribe(interactive=True)
    seen: list[object] = []
    try:
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            room = Room(app, pilot, service.orch, service.providers, service.ledger, None, seen)  # type: ignore[arg-type]
            await room.settle()
            yield room
    finally:
        await client.close()


def stream_text(room: Room, task_id: int) -> str:
    panel = room.app.query_one(AgentStreams).for_task(task_id)
    return panel.text() if panel is not None else ""


async def test_an_attached_room_shows_a_task_another_process_submits(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with serving(db) as service, attached(db, service) as room:
        status = room.app.query_one(StatusBar)
        await room.wait_for(lambda: "⇄ service pid" in status.text, "the attachment said")
        line = await peer(db, "submit", "from another shell")
        task_id = int(line.removeprefix("submitted #"))
        await room.wait_for(lambda: str(task_id) in room.table.rows, "the other process's row")
        assert room.app.attachment is not None and room.app.attachment.attached


async def test_an_attaching_room_shows_the_live_stream_and_its_cancel_reaches_the_service(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    async with serving(db) as service:
        [(task, _)] = await service.orch.submit([TaskSpec(prompt="[hold] busy")])
        await asyncio.wait_for(_until(lambda: service.held(task.id)), 30)
        async with attached(db, service) as room:
            # Started before the room came: its panel shows the text streamed so far.
            await room.wait_for(lambda: stream_text(room, task.id) == "partial", "live text")
            await room.select(task.id)
            await room.press("x")
            await room.press("y")
            await room.wait_state(task.id, TaskState.CANCELLED)  # read on the service's side
            [attempt] = await service.orch.attempts(task.id)
            assert attempt.state == AttemptState.STOPPED
            await room.wait_for(
                lambda: room.table.tasks[task.id].state == TaskState.CANCELLED, "cancelled row"
            )


async def test_quitting_an_attached_room_detaches_and_the_work_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with serving(db) as service:
        [(task, _)] = await service.orch.submit([TaskSpec(prompt="[hold] overnight")])
        await asyncio.wait_for(_until(lambda: service.held(task.id)), 30)
        async with attached(db, service) as room:
            await room.wait_for(lambda: bool(room.app.orch.running), "the running attempt")
            await room.pilot.press("q")  # no question: nothing stops
            await room.pilot.pause()
            assert room.app._exit
        assert await service.held(task.id)
        assert (await service.orch.task(task.id)).state == TaskState.RUNNING
        service.release()
        await asyncio.wait_for(_until(lambda: _state_is(service, task.id, TaskState.SUCCEEDED)), 30)


async def test_a_room_that_loses_its_service_says_so_and_attaches_to_the_next(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    first = serving(db)
    service = await first.__aenter__()
    [(task, _)] = await service.orch.submit([TaskSpec(prompt="[hold] across services")])
    await asyncio.wait_for(_until(lambda: service.held(task.id)), 30)
    async with attached(db, service) as room:
        attachment = room.app.attachment
        assert attachment is not None
        await room.wait_for(lambda: stream_text(room, task.id) == "partial", "the live text")
        await first.__aexit__(None, None, None)  # `down`: the attempt stops, back in the queue
        await room.wait_for(lambda: not attachment.attached, "the loss noticed")
        await room.wait_for(lambda: any(LOST_TEXT in n for n in room.notices("error")), "said")
        status = room.app.query_one(StatusBar)
        assert LOST_TEXT in status.text
        panels = room.app.query_one(AgentStreams)
        # `down` told the room its attempt stopped before the line closed (a killed service
        # cannot: then the client ends it as LOST_STATE, tests/reliability/test_service_kills.py)
        await room.wait_for(lambda: not panels.running(), "no stream shown as running")
        assert [p.info.state for p in panels.panels.values()] in (["stopped"], [LOST_STATE])
        async with serving(db) as second:  # a new `up`: it takes the task up again
            room.orch = second.orch
            await room.wait_for(lambda: attachment.attached, "attached again", within=30)
            assert attachment.reattached == 1
            await asyncio.wait_for(_until(lambda: second.held(task.id)), 30)
            await room.wait_for(
                lambda: [p.info.number for p in panels.running()] == [2], "the new attempt's panel"
            )
            await room.wait_for(lambda: stream_text(room, task.id) == "partial", "its text")
            await room.wait_for(lambda: "⇄ service pid" in status.text, "attached said")
            second.release()
            await room.wait_for(
                lambda: room.table.tasks[task.id].state == TaskState.SUCCEEDED, "the row done"
            )


async def _state_is(service: Service, task_id: int, state: TaskState) -> bool:
    return (await service.orch.task(task_id)).state == state


async def _until(check: object) -> None:
    while True:
        value = check()  # type: ignore[operator]
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        await asyncio.sleep(0.01)
