"""The room follows the ledger: what other processes do on it shows, waited for row by row and
pane by pane (no timed assertion). Real processes on one real ledger file: a second process
submits, re-prioritises, pauses and cancels (tests/feed_peer.py, through the public API),
``swarm-tui decide`` settles a vote, and another orchestrator streams."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import ConsensusSettings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.owner import owner_id
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.runtime import change_feed
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.tui.app import make_app
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.voting_pane import VotingPane
from tests.core.test_feed import peer, peer_running
from tests.fakes import FakeProvider
from tests.tui.conftest import Room, room_settings
from tests.tui.test_pilot_voting import own_answer

pytestmark = pytest.mark.slow

CONFIG = """
[providers.p1]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p1.models.m1]
[agents.c]
mix = { "p1/m1" = 1 }
"""


@contextlib.asynccontextmanager
async def open_room(db: Path) -> AsyncIterator[Room]:
    """The room on ``db`` as ``swarm-tui`` opens it (real clock and owner, the change feed
    on), its orchestrator not dispatching: the test or the other process runs the work."""
    settings = room_settings().model_copy(update={"consensus": ConsensusSettings(n=2)})
    providers = {"p1": FakeProvider("p1", own_answer("Red")),  # type: ignore[arg-type]
                 "p2": FakeProvider("p2", own_answer("Blue"))}  # type: ignore[arg-type]  # fmt: skip
    ledger = await SqliteLedger.open(db, commit_interval=0.005)
    orch = Orchestrator(settings, ledger, dict(providers), clock=time.time, owner=owner_id())
    try:
        async with change_feed(orch, 0.02):
            app = make_app(settings, orch, run_core=False)
            seen: list[object] = []
            async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
                room = Room(app, pilot, orch, providers, ledger, None, seen)  # type: ignore[arg-type]
                await room.settle()
                yield room
    finally:
        await orch.stop()
        await ledger.close()


async def swarm_cli(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "swarm_tui", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_what_a_second_process_does_shows_in_the_open_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ledger.db"
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    monkeypatch.delenv("SWARM_TUI_CONFIG", raising=False)
    async with open_room(db) as room:
        table = room.table
        line = await peer(db, "submit", "from another shell")
        task_id = int(line.removeprefix("submitted #"))
        await room.wait_for(lambda: str(task_id) in table.rows, "the submitted task's row")
        assert table.tasks[task_id].state == TaskState.QUEUED
        assert table.hidden == 0  # no "… 1 queued not listed" line: the row itself

        assert await peer(db, "prio", str(task_id), "7") == "7"
        await room.wait_for(lambda: table.tasks[task_id].priority == 7, "the new priority")
        assert await peer(db, "pause", str(task_id)) == "paused"
        await room.wait_for(lambda: table.tasks[task_id].state == TaskState.PAUSED, "paused")
        assert await peer(db, "cancel", str(task_id)) == "cancelled"
        await room.wait_for(
            lambda: table.tasks[task_id].state == TaskState.CANCELLED, "the cancelled row"
        )

        # A vote waits here; `swarm-tui decide` settles it in another shell.
        [(vote, _)] = await room.orch.submit(
            [TaskSpec(prompt="Which colour?", role="a", mode=TaskMode.CONSENSUS)]
        )
        await room.orch.tick()
        await room.wait_state(vote.id, TaskState.NEEDS_VOTE)
        pane = room.app.query_one(VotingPane)
        await room.wait_for(lambda: vote.id in pane.conflicts, "the conflict in the pane")
        out = await swarm_cli("--config", str(config), "--db", str(db), "decide", str(vote.id), "A")
        assert f"#{vote.id}" in out
        await room.wait_for(lambda: vote.id not in pane.conflicts, "the vote to leave the pane")
        await room.wait_for(
            lambda: table.tasks[vote.id].state == TaskState.SUCCEEDED, "the decided row"
        )


async def test_the_room_shows_another_orchestrators_live_stream(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with open_room(db) as room, peer_running(db):
        line = await peer(db, "submit", "stream it", "b")
        task_id = int(line.removeprefix("submitted #"))
        streams = room.app.query_one(AgentStreams)

        def streamed() -> str:
            panel = streams.for_task(task_id)
            return panel.text() if panel is not None else ""

        await room.wait_for(lambda: "w3 w4 w5" in streamed(), "the other process's stream")
        assert streamed().startswith("w0 w1 w2")  # from its first word, each once
        await room.wait_for(
            lambda: (
                room.table.tasks.get(task_id) is not None
                and room.table.tasks[task_id].state == TaskState.RUNNING
            ),
            "its row running",
        )
        await room.orch.cancel(task_id)  # from the room: the other process stops it
        await room.wait_for(
            lambda: room.table.tasks[task_id].state == TaskState.CANCELLED, "the cancelled row"
        )

        def ended() -> bool:
            panel = streams.for_task(task_id)
            return panel is None or panel.info.state != "running"

        await room.wait_for(ended, "its stream to end")
