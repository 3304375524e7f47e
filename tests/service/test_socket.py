"""The service's socket with a real orchestrator on a real ledger: what clients may do, and
that a client breaking the protocol loses its own connection and nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from swarm_tui.core.approvals import Decision
from swarm_tui.core.bus import Event, Subscription
from swarm_tui.core.control import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.toolloop import OfferedTool, ToolHost, ToolOutput
from swarm_tui.domain.events import ConflictChanged, StreamChunk, TaskChanged
from swarm_tui.domain.models import AttemptState, TaskMode, TaskSpec, TaskState
from swarm_tui.service.client import ServiceClient, ServiceError
from swarm_tui.service.paths import ServicePaths, SocketPathError
from swarm_tui.service.protocol import MAX_LINE, PROTOCOL
from swarm_tui.service.server import ServiceServer
from swarm_tui.store.ledger import SqliteLedger
from tests.core.test_consensus_tasks import settings, tie_providers
from tests.fakes import FakeProvider, Script


@dataclass
class Served:
    orch: Orchestrator
    server: ServiceServer
    paths: ServicePaths
    stopped: asyncio.Event
    providers: dict[str, FakeProvider]


def held(name: str) -> FakeProvider:
    """Streams two tokens, then holds until released (a task that stays running)."""
    return FakeProvider(name, lambda _r: Script(tokens=["par", "tial", " rest"], hold_after=2))


@contextlib.asynccontextmanager
async def serve_on(folder: Path, providers: dict[str, FakeProvider]) -> AsyncIterator[Served]:
    ledger = await SqliteLedger.open(folder / "ledger.db", commit_interval=0.005)
    orch = Orchestrator(settings(), ledger, dict(providers), owner="test:1:1")
    stopped = asyncio.Event()
    paths = ServicePaths(ledger.path)
    server = ServiceServer(orch, paths, on_shutdown=stopped.set)
    await server.start()
    runner = asyncio.create_task(orch.run())
    try:
        yield Served(orch, server, paths, stopped, providers)
    finally:
        await server.stop_listening()
        await orch.stop()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await server.close()
        await ledger.close()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with serve_on(tmp_path, tie_providers()) as one:
        yield one


async def until(check: Callable[[], Any], what: str) -> None:
    """Wait for a condition (bounded, so a broken build fails instead of hanging)."""
    try:
        async with asyncio.timeout(30):
            while True:
                value = check()
                if inspect.isawaitable(value):
                    value = await value
                if value:
                    return
                await asyncio.sleep(0.01)
    except TimeoutError:
        pytest.fail(f"no {what} within 30 s")


class Seen:
    """Every event a subscription got so far."""

    def __init__(self, sub: Subscription) -> None:
        self.sub = sub
        self.events: list[Event] = []

    def any(self, check: Callable[[Event], bool]) -> bool:
        self.events += self.sub.get_nowait()
        return any(check(e) for e in self.events)


async def raw(paths: ServicePaths) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_unix_connection(str(paths.socket))
    hello = json.loads(await reader.readline())
    assert hello["hello"] == "swarm-tui" and hello["protocol"] == PROTOCOL
    return reader, writer


async def test_the_socket_is_private_and_says_hello(served: Served) -> None:
    mode = os.stat(served.paths.socket).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    client = await ServiceClient.connect(served.paths.ledger)
    try:
        assert client.hello["pid"] == os.getpid()
        assert client.hello["ledger"] == str(served.paths.ledger)
        status = await client.status()
        assert status["clients"] == 1 and status["running"] == 0
    finally:
        await client.close()


@pytest.mark.parametrize(
    "bad",
    [
        b"this is not json\n",
        b"[1, 2, 3]\n",
        b'{"call": "tasks"}\n',  # no id
        b'{"id": 1, "call": 5}\n',
        b"\xff\xfe\n",
        b"x" * (MAX_LINE + 10) + b"\n",
    ],
    ids=["not-json", "not-an-object", "no-id", "call-not-a-string", "not-utf8", "oversized"],
)
async def test_a_bad_line_closes_only_its_own_connection(served: Served, bad: bytes) -> None:
    watcher = await ServiceClient.connect(served.paths.ledger)
    seen = Seen(watcher.bus.subscribe())
    await watcher.subscribe()
    reader, writer = await raw(served.paths)
    writer.write(bad)
    await writer.drain()
    refusal = json.loads(await reader.readline())
    assert refusal["error"]["kind"] == "protocol"
    assert await reader.read() == b""  # closed by the service
    writer.close()
    # The other client, its subscription and the swarm carry on.
    [(task, _)] = await watcher.submit([TaskSpec("after the bad line", role="a")])
    await until(
        lambda: seen.any(
            lambda e: isinstance(e, TaskChanged) and e.task_id == task.id and e.state.terminal
        ),
        "the task's end, seen by the other client",
    )
    assert (await watcher.task(task.id)).state == TaskState.SUCCEEDED
    await watcher.close()


async def test_unknown_calls_and_bad_arguments_are_answered_and_the_line_stays(
    served: Served,
) -> None:
    client = await ServiceClient.connect(served.paths.ledger)
    try:
        with pytest.raises(ControlError, match="no call 'drop_tables'"):
            await client.call("drop_tables")
        with pytest.raises(ControlError, match="task_id: expected int"):
            await client.call("cancel", task_id="seven")
        with pytest.raises(ControlError, match="takes no argument 'force'"):
            await client.call("cancel", task_id=1, force=True)
        with pytest.raises(ControlError, match="no task #99"):
            await client.cancel(99)
        assert await client.tasks() == []  # still connected, nothing written
    finally:
        await client.close()


async def test_a_failure_on_the_service_side_is_answered_not_left_waiting(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken() -> None:
        raise RuntimeError("disk on fire")

    async def strange() -> object:
        return object()  # nothing the protocol can carry

    monkeypatch.setattr(served.orch, "totals", broken)
    monkeypatch.setattr(served.orch, "tasks", strange)
    client = await ServiceClient.connect(served.paths.ledger)
    try:
        with pytest.raises(ServiceError, match="totals failed: disk on fire"):
            await client.totals()
        with pytest.raises(ServiceError, match="tasks failed: cannot send a object"):
            await client.tasks()
        assert (await client.status())["clients"] == 1  # the line is still up
    finally:
        await client.close()


async def test_several_clients_submit_cancel_and_see_each_others_changes(tmp_path: Path) -> None:
    providers = {"p1": held("p1"), "p2": held("p2"), "p3": held("p3")}
    async with serve_on(tmp_path, providers) as served:
        one = await ServiceClient.connect(served.paths.ledger)
        two = await ServiceClient.connect(served.paths.ledger)
        seen = Seen(two.bus.subscribe())
        await two.subscribe()
        [(task, created)] = await one.submit([TaskSpec("runs until cancelled", role="a")])
        assert created and task.state == TaskState.QUEUED
        await until(
            lambda: served.orch.running and any(p.holding.is_set() for p in providers.values()),
            "the task running",
        )
        await until(
            lambda: seen.any(lambda e: isinstance(e, StreamChunk) and e.task_id == task.id),
            "streamed text at the other client",
        )
        cancelled = await two.cancel(task.id)
        assert cancelled.state == TaskState.CANCELLED
        [attempt] = await one.attempts(task.id)
        assert attempt.state == AttemptState.STOPPED and attempt.output == "partial"
        with pytest.raises(ControlError, match="cannot cancel"):
            await one.cancel(task.id)
        retried = await one.retry(task.id)
        assert retried.state == TaskState.QUEUED
        paused = await two.pause(task.id)
        assert paused.state == TaskState.PAUSED
        assert (await one.set_priority(task.id, 9)).priority == 9
        assert (await one.reassign(task.id, model="p3/m1")).pin == "p3/m1"
        await two.pause_all(stop_running=False)
        await until(lambda: two.paused_all(), "the pause flag at the other client")
        await one.resume_all()
        await until(lambda: not two.paused_all(), "the flag cleared")
        await one.save_memory("note", "remember this")
        assert [m.name for m in await two.memories()] == ["note"]
        assert await two.remove_memory("note") and await one.memories() == []
        rows = await one.recent_rows(10, 10)
        assert [r.id for r in rows.rows] == [task.id] and rows.by_state == {"paused": 1}
        assert await one.fetch_approvals() == [] and one.pending_approvals() == []
        await one.close()
        await two.close()


async def test_a_vote_is_decided_through_the_client(served: Served) -> None:
    client = await ServiceClient.connect(served.paths.ledger)
    seen = Seen(client.bus.subscribe())
    await client.subscribe()
    [(task, _)] = await client.submit([TaskSpec("Colour?", role="a", mode=TaskMode.CONSENSUS)])

    async def waiting() -> bool:
        return [t.id for t, _ in await client.conflicts()] == [task.id]

    await until(waiting, "the conflict waiting for the human")
    [(_, record)] = await client.conflicts()
    assert record.status == "needs_human" and len(record.groups) == 3
    with pytest.raises(ControlError, match="no candidate 'Q'"):
        await client.decide(task.id, "Q")
    label = record.groups[0].label
    decided = await client.decide(task.id, label, "my pick")
    assert decided.state == TaskState.SUCCEEDED
    stored = await client.consensus_record(task.id)
    assert stored is not None and stored.decided_by == "human"
    await until(
        lambda: seen.any(lambda e: isinstance(e, ConflictChanged) and e.status == "decided"),
        "the settled conflict's event",
    )
    await client.close()


async def test_events_flow_until_the_service_goes_and_the_client_learns_it(
    served: Served,
) -> None:
    client = await ServiceClient.connect(served.paths.ledger)
    seen: list[Event] = []

    async def follow() -> None:
        async for event in client.events():
            seen.append(event)

    async def subscribed() -> bool:
        return bool((await client.status())["subscribers"] == 1)

    follower = asyncio.create_task(follow())
    await until(subscribed, "the iterator subscribed")
    [(task, _)] = await client.submit([TaskSpec("watched", role="a")])
    await until(
        lambda: any(isinstance(e, TaskChanged) and e.task_id == task.id for e in seen),
        "the submit's event from the iterator",
    )
    await client.shutdown()
    assert served.stopped.is_set()
    await served.server.close()
    await asyncio.wait_for(follower, 30)  # the iterator ends with the connection
    await asyncio.wait_for(client.lost.wait(), 30)
    with pytest.raises(ServiceError):
        await client.tasks()
    with pytest.raises(ServiceError, match="no service answers"):
        await ServiceClient.connect(served.paths.ledger)


NOBODY = 65534


def first_line_as(uid: int, path: Path) -> bytes:
    """Connect to ``path`` from a forked process running as ``uid``; the first line it gets
    (or the error it met)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no Python beyond the socket calls, then _exit
        try:
            os.close(read_end)
            os.setgid(uid)
            os.setuid(uid)
            peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            peer.settimeout(20)
            peer.connect(str(path))
            os.write(write_end, peer.makefile("rb").readline())
        except BaseException as exc:
            os.write(write_end, f"child: {exc!r}".encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as got:
        out = got.read()
    os.waitpid(pid, 0)
    return out


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to connect as another user")
async def test_a_peer_of_another_user_is_refused() -> None:
    # A folder others may pass through, and the socket loosened by hand: only the peer
    # credentials stand between another user and the swarm.
    folder = Path(tempfile.mkdtemp(prefix="svc-"))
    try:
        folder.chmod(0o711)
        async with serve_on(folder, tie_providers()) as served:
            served.paths.socket.chmod(0o666)
            got = await asyncio.to_thread(first_line_as, NOBODY, served.paths.socket)
            answer = json.loads(got)
            assert "hello" not in answer
            assert answer["error"]["message"].startswith("refused: this service belongs to uid 0")
            client = await ServiceClient.connect(served.paths.ledger)  # the owner still gets in
            await client.close()
    finally:
        shutil.rmtree(folder)


class NoHost:
    """The gate is under test, not a tool server: nothing is ever called."""

    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]:
        return []

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        raise AssertionError("no tool runs in this test")


async def test_an_attached_room_answers_held_tool_calls(served: Served) -> None:
    gate = served.orch.attach_tools(cast(ToolHost, NoHost()))
    room = await ServiceClient.connect(served.paths.ledger)
    await room.subscribe(interactive=True)
    assert gate.interactive  # a person is there: calls under `ask` wait for them
    held = asyncio.create_task(
        gate.decide("a", "files__read", "hash-1", {"path": "/etc/hosts"}, task_id=7)
    )

    async def one_held() -> bool:
        return len(await room.fetch_approvals()) == 1

    await until(one_held, "the held call at the room")
    [pending] = await room.fetch_approvals()
    assert (pending.agent, pending.tool, pending.task_id) == ("a", "files__read", 7)
    assert pending.arguments == {"path": "/etc/hosts"}
    assert await room.approve(pending.id)
    assert await asyncio.wait_for(held, 30) == Decision(True, "human:once")
    assert not await room.deny(pending.id)  # answered already
    await room.close()
    await until(lambda: not gate.interactive, "the gate headless again once the room left")


async def test_a_command_is_carried_out_when_its_client_hangs_up_at_once(served: Served) -> None:
    _, writer = await raw(served.paths)
    spec = {"prompt": "sent, then the link dropped", "role": "a"}
    writer.write(json.dumps({"id": 1, "call": "submit", "args": {"specs": [spec]}}).encode())
    writer.write(b"\n")
    writer.close()
    await writer.wait_closed()

    async def submitted() -> bool:
        return [t.prompt for t in await served.orch.tasks()] == [spec["prompt"]]

    await until(submitted, "the task of the hung-up client in the ledger")


async def test_a_socket_that_cannot_be_made_is_one_clear_message(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    deep.mkdir()
    with pytest.raises(SocketPathError, match="takes at most 107 bytes"):
        ServicePaths(deep / "ledger.db").socket_address()
    ledger = await SqliteLedger.open(tmp_path / "ledger.db")
    try:
        paths = ServicePaths(ledger.path)
        paths.socket.mkdir()  # something that is no socket is in its place
        orch = Orchestrator(settings(), ledger, {})
        server = ServiceServer(orch, paths, on_shutdown=lambda: None)
        with pytest.raises(SocketPathError, match=r"cannot listen on .*ledger\.db\.sock: "):
            await server.start()
    finally:
        await ledger.close()


async def test_a_client_joining_mid_stream_gets_each_live_stream_once_from_its_start(
    tmp_path: Path,
) -> None:
    providers = {"p1": held("p1"), "p2": held("p2"), "p3": held("p3")}
    async with serve_on(tmp_path, providers) as served:
        [(task, _)] = await served.orch.submit([TaskSpec("stream", role="a")])
        await until(
            lambda: any(p.holding.is_set() for p in providers.values()), "the stream holding"
        )
        late = await ServiceClient.connect(served.paths.ledger)
        seen = Seen(late.bus.subscribe())
        await late.subscribe()
        await until(
            lambda: seen.any(lambda e: isinstance(e, StreamChunk) and e.task_id == task.id),
            "the text so far",
        )
        [started] = [e for e in seen.events if type(e).__name__ == "AttemptStarted"]
        assert started.task_id == task.id  # type: ignore[union-attr]
        assert task.id in {s.task_id for s in late.running.values()}

        def text() -> str:
            seen.any(lambda _e: False)
            return "".join(
                e.text for e in seen.events if isinstance(e, StreamChunk) and e.task_id == task.id
            )

        assert text() == "partial"
        for provider in providers.values():
            provider.release.set()
        await until(lambda: text() == "partial rest", "the rest, after the text so far")
        await until(lambda: not late.running, "the attempt's end")
        assert text() == "partial rest"  # nothing twice
        await late.close()
