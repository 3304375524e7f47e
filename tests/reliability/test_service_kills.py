"""The crash campaign's service case: the service is killed (SIGKILL) again and again while a
room is attached to it. Each time the room says so ("service lost — re-attaching"), attaches to
the next ``swarm-tui up`` by itself, and its views come back to the truth; at the end nothing
is lost: every task succeeded once, its result the whole stream, and the room shows it.

The room is the real app (pilot, in this process) on a real client; the services are real
processes on a real ledger; the model a loopback stand-in streaming slowly.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from swarm_tui.domain.models import TaskState
from swarm_tui.runtime import settings_from_args
from swarm_tui.service.client import LOST_STATE, ServiceClient
from swarm_tui.service.lock import holder_of
from swarm_tui.service.paths import ServicePaths
from swarm_tui.tui.app import SwarmApp, make_app
from swarm_tui.tui.attach import LOST_TEXT
from swarm_tui.tui.widgets.agent_streams import AgentStreams
from swarm_tui.tui.widgets.task_table import TaskTable
from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer
from tests.service.test_up_down import (
    TOKENS,
    cli,
    no_service_left,
    stream,
    up_pid,
    write_config,
)
from tests.test_cli import env

__all__ = ["env"]

pytestmark = pytest.mark.slow

KILLS = 3
TASKS = 4
WAIT = 120.0


async def until(app: SwarmApp, check: object, what: str) -> None:
    """Poll ``check`` with the room's views flushed between polls (bounded)."""
    try:
        async with asyncio.timeout(WAIT):
            while True:
                await app.bridge.flush_now()
                if check():  # type: ignore[operator]
                    return
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"no {what} within {WAIT:.0f} s")


def notified(seen: list[object], text: str) -> int:
    return sum(
        1 for m in seen if text in str(getattr(getattr(m, "notification", None), "title", ""))
    )


async def test_a_service_killed_under_an_attached_room_loses_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream(drip=0.1))
        config = write_config(tmp_path, server.url)
        common = ("--config", str(config), "--db", str(db))
        settings = settings_from_args(str(config))
        with no_service_left(db):
            pid = up_pid(await cli("up", *common, env=env))
            for n in range(TASKS):
                done = await cli("submit", f"Task {n}.", "--role", "worker", *common, env=env)
                assert done.returncode == 0, done.stderr
            client = await ServiceClient.connect(db)
            app = make_app(settings, client)
            await client.subscribe(interactive=True)
            seen: list[object] = []
            try:
                async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
                    attachment = app.attachment
                    assert attachment is not None
                    streams = app.query_one(AgentStreams)
                    for kill in range(KILLS):
                        await until(
                            app, lambda: any(p.text().strip() for p in streams.running()),
                            f"a stream on screen before kill {kill + 1}",
                        )  # fmt: skip
                        os.kill(pid, signal.SIGKILL)
                        await until(app, lambda: not attachment.attached, "the loss noticed")
                        await until(
                            app,
                            lambda: (
                                not streams.running()
                                and LOST_STATE in [p.info.state for p in streams.panels.values()]
                            ),
                            "its streams shown as lost, none as running",
                        )
                        await until(
                            app, lambda k=kill: notified(seen, LOST_TEXT) >= k + 1, "the loss said"
                        )  # fmt: skip
                        await until(
                            app, lambda: holder_of(paths.lock) is None, "the killed lock freed"
                        )  # fmt: skip
                        pid = up_pid(await cli("up", *common, env=env))
                        again = kill + 1
                        await until(
                            app, lambda k=again: attachment.attached and attachment.reattached == k,
                            "the room attached to the new service",
                        )  # fmt: skip
                        assert client.hello["pid"] == pid
                    table = app.query_one(TaskTable)
                    await until(
                        app,
                        lambda: (
                            len(table.tasks) == TASKS
                            and all(t.state == TaskState.SUCCEEDED for t in table.tasks.values())
                        ),
                        "every task succeeded on the room's screen",
                    )
                    await pilot.press("q")
                    await pilot.pause()
                    assert app._exit
            finally:
                await client.close()
            assert (await cli("down", *common, env=env)).returncode == 0
    # Nothing lost: each task succeeded exactly once, with the whole stream as its result.
    tasks = query(db, "SELECT id, state, result FROM tasks ORDER BY id")
    assert [(s, r) for _, s, r in tasks] == [("succeeded", "".join(TOKENS))] * TASKS
    per_task = query(
        db, "SELECT task_id, COUNT(*) FROM attempts WHERE state='succeeded' GROUP BY task_id"
    )
    assert per_task == [(t, 1) for t, _, _ in tasks]
    assert query(db, "SELECT COUNT(*) FROM attempts WHERE state='running'") == [(0,)]
