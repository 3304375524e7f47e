"""The line ``swarm-tui`` prints when the room (or a run) ends: where the tasks are now."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import pytest

from swarm_tui.cli import headless
from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.store.records import Totals
from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse
from tests.test_cli import _drip_config


def test_an_empty_ledger_says_no_tasks() -> None:
    line = headless.exit_line(Totals(by_state={}, tokens_in=0, tokens_out=0, cost_usd=0.0))
    assert line == "done: no tasks; tokens 0 in / 0 out"


async def test_leaving_the_room_while_a_task_runs_counts_it_queued_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control room is left (q) while an attempt streams: the attempt is stopped, its
    task goes back to the queue, and the exit line says so (it said "1 running")."""
    tasks = tmp_path / "t.toml"
    tasks.write_text('[[task]]\nprompt = "a long answer"\n')
    chunk = {"choices": [{"index": 0, "delta": {"content": "partial"}, "finish_reason": None}]}
    seen_running: list[int] = []

    async def room(_settings: Settings, orch: Orchestrator) -> bool:
        """What the room does for this test: run the orchestrator, leave once a task runs."""
        job = asyncio.create_task(orch.run())
        while not seen_running:
            seen_running.extend(a.task_id for a in await orch.ledger.running_attempts())
            await asyncio.sleep(0.01)
        job.cancel()
        return False  # stop, not hand over

    monkeypatch.setattr(headless, "_run_room", room)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    async with LoopbackServer() as server:
        server.route(
            "POST", "/v1/chat/completions", Reply(pieces=sse(chunk, done=False), hang=True)
        )
        args = argparse.Namespace(
            config=str(_drip_config(tmp_path, server.url)),
            db=str(tmp_path / "l.db"),
            tasks=str(tasks),
            until_idle=False,
        )
        assert await asyncio.wait_for(headless.cmd_run(args, headless=False), 60) == 0
    err = capsys.readouterr().err
    assert seen_running == [1]
    assert query(tmp_path / "l.db", "SELECT state FROM tasks") == [("queued",)]
    last = err.strip().splitlines()[-1]
    assert "done: 1 queued;" in last and "running" not in last, err
