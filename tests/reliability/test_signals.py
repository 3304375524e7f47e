"""SIGTERM, SIGHUP (an SSH link dropping) and Ctrl-C stop a run cleanly; the next run resumes."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.e2e.crash import check_invariants, query, start_run
from tests.providers.loopback import LoopbackServer
from tests.reliability.campaign import _reply, write_config, write_tasks

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
async def test_signal_stops_cleanly_and_the_next_run_resumes(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", _reply())
        config = write_config(tmp_path, server.url)
        tasks = tmp_path / "tasks.toml"
        write_tasks(tasks, 6, 0)
        proc = await start_run(config, db, tasks)
        async with asyncio.timeout(60):
            while not query(
                db, "SELECT 1 FROM attempts WHERE state='running' AND output != '' LIMIT 1"
            ):
                await asyncio.sleep(0.01)
        proc.send_signal(sig)
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, out.decode()
        assert "stopping: running attempts keep their output" in out.decode()
        stopped = query(db, "SELECT output, error FROM attempts WHERE state='stopped'")
        assert stopped, "the running attempt was not recorded as stopped"
        # every stop was the shutdown; attempts that had streamed keep their output (one
        # launched just before the signal may have none yet)
        assert all("shutdown" in str(e) for _, e in stopped), stopped
        assert any(o for o, _ in stopped), stopped
        assert query(
            db, "SELECT COUNT(*) FROM attempts WHERE state IN ('running','abandoned')"
        ) == [(0,)]
        proc = await start_run(config, db, tasks)
        out, _ = await asyncio.wait_for(proc.communicate(), 120)
        assert proc.returncode == 0, out.decode()
    check_invariants(db, 6)
