"""The SSH one-liners with a service up: they go through its socket, so a ``cancel`` stops the
attempt in the service before the command returns, and reads and votes answer as they do on
the bare ledger. A socket left by a killed service gets one line and the ledger is used.
Real processes: ``swarm-tui up`` on loopback providers, the commands as subprocesses."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from swarm_tui.service.client import ServiceClient
from swarm_tui.service.paths import ServicePaths
from tests.e2e.crash import query
from tests.e2e.test_decide_cli import CONFIG as VOTE_CONFIG
from tests.e2e.test_decide_cli import a_waiting_conflict
from tests.providers.loopback import LoopbackServer
from tests.service.test_up_down import (
    LIMIT,
    TOKENS,
    cli,
    gone,
    no_service_left,
    state_of,
    stream,
    until,
    up_pid,
    write_config,
)
from tests.test_cli import env

__all__ = ["env"]

pytestmark = pytest.mark.slow

FALLBACK = "working on the ledger directly"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


async def test_cancel_through_the_service_stops_the_attempt_there_before_it_returns(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    async with LoopbackServer() as server:
        # 5 tokens, then the stream hangs: the attempt runs until something stops it.
        server.route("POST", "/v1/chat/completions", stream(hang_after=5))
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        with no_service_left(db):
            pid = up_pid(await cli("up", *common, env=env))
            ok(await cli("submit", "Go on.", "--role", "worker", *common, env=env))
            partial = "".join(TOKENS[:5])
            await until(
                lambda: query(db, "SELECT 1 FROM attempts WHERE state='running' AND output=?",
                              (partial,)),
                "the attempt running with its first tokens",
            )  # fmt: skip
            assert f"service pid {pid}" in ok(await cli("status", *common, env=env))

            cancelled = await cli("cancel", "1", *common, env=env)
            assert ok(cancelled).startswith("task #1 cancelled")
            assert cancelled.stderr == ""
            # Stopped by the service itself, before the command returned (on the bare ledger
            # the move is only written, for the service to notice at its next look).
            assert state_of(db, 1) == "cancelled"
            assert query(db, "SELECT state, output FROM attempts") == [("stopped", partial)]
            assert not gone(pid)

            # kill -9: the lock goes with the process, the socket file stays, stale.
            os.kill(pid, signal.SIGKILL)
            await until(lambda: gone(pid), "the killed service gone")
            assert paths.socket.exists()
            status = await cli("status", "--json", *common, env=env)
            assert '"state": "cancelled"' in ok(status)
            [note] = status.stderr.splitlines()
            assert str(paths.socket) in note and FALLBACK in note
            # A write falls back the same way, on the ledger.
            retried = await cli("retry", "1", *common, env=env)
            assert ok(retried).startswith("task #1 queued") and FALLBACK in retried.stderr
            assert state_of(db, 1) == "queued"


def copy_ledger(db: Path, to: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        source = db.with_name(db.name + suffix)
        if source.exists():
            copy = to.with_name(to.name + suffix)
            shutil.copyfile(source, copy)
            copy.chmod(0o600)  # as private as the original


async def test_status_result_and_decide_answer_through_the_service_as_on_the_ledger(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db, twin = tmp_path / "config.toml", tmp_path / "l.db", tmp_path / "twin.db"
    config.write_text(VOTE_CONFIG + "\n[orchestrator]\npoll_seconds = 0.2\n")
    task_id = await a_waiting_conflict(config, db)
    copy_ledger(db, twin)  # the same swarm twice: one served, one bare
    served = ("--config", str(config), "--db", str(db))
    bare = ("--config", str(config), "--db", str(twin))
    tid = str(task_id)

    async def both(*args: str) -> tuple[subprocess.CompletedProcess[str], ...]:
        return await cli(*args, *served, env=env), await cli(*args, *bare, env=env)

    with no_service_left(db):
        pid = up_pid(await cli("up", *served, env=env))
        assert f"service pid {pid}" in ok(await cli("status", *served, env=env))
        assert "service pid" not in ok(await cli("status", *bare, env=env))
        for args in (("status", "--json"), ("decide", "--json"), ("decide", tid, "--json")):
            through, direct = await both(*args)
            assert ok(through) == ok(direct), args
            assert through.stderr == direct.stderr == ""

        waiting = await both("result", tid)
        assert [r.returncode for r in waiting] == [4, 4]
        assert waiting[0].stderr == waiting[1].stderr != ""

        through, direct = await both("decide", tid, "A", "--note", "first")
        assert ok(through) == ok(direct) and through.stderr == direct.stderr == ""
        for args in (("result", tid), ("result", tid, "--json"), ("decide", tid, "--json")):
            through, direct = await both(*args)
            assert ok(through) == ok(direct) != "", args
        refused = await both("decide", tid, "A")
        assert [r.returncode for r in refused] == [2, 2]
        assert refused[0].stderr == refused[1].stderr != ""
        ok(await cli("down", *served, env=env))
    assert query(db, "SELECT state, result FROM tasks") == query(
        twin, "SELECT state, result FROM tasks"
    )
    assert query(db, "SELECT decided_by FROM consensus") == [("human",)]


def started(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``swarm-tui ARGS`` left running, its output read by the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "swarm_tui", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        text=True, env=env,
    )  # fmt: skip


async def test_status_watch_follows_the_service_and_says_when_it_goes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream(hang_after=5))
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        with no_service_left(db):
            pid = up_pid(await cli("up", *common, env=env))
            watch = started("status", "--watch", "--json", *common, env=env)
            stdout = watch.stdout
            assert stdout is not None
            try:
                async with asyncio.timeout(LIMIT):  # the finally ends a read left waiting
                    first = json.loads(await asyncio.to_thread(stdout.readline))
                    assert first["tasks"] == []
                    ok(await cli("submit", "Go on.", "--role", "worker", *common, env=env))
                    # Woken by the service's events: the task shows up, then runs.
                    while (line := await asyncio.to_thread(stdout.readline)) and not any(
                        t["state"] == "running" for t in json.loads(line)["tasks"]
                    ):
                        pass
                    assert line, "the watch ended before the task ran"
                os.kill(pid, signal.SIGKILL)
                code = await asyncio.to_thread(watch.wait, LIMIT)
                assert watch.stderr is not None
                stderr = watch.stderr.read()
                assert code == 1, stderr
                assert "lost the service" in stderr and "Traceback" not in stderr
            finally:
                if watch.poll() is None:
                    watch.kill()
                    watch.wait()


async def test_logs_follow_shows_a_live_stream_of_the_service_and_ends_with_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream(hang_after=5))
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        partial = "".join(TOKENS[:5])
        with no_service_left(db):
            up_pid(await cli("up", *common, env=env))
            ok(await cli("submit", "Go on.", "--role", "worker", *common, env=env))
            await until(lambda: state_of(db, 1) == "running", "the task running")
            follow = started("logs", "-f", "1", "--json", *common, env=env)
            stdout = follow.stdout
            assert stdout is not None
            try:
                async with asyncio.timeout(LIMIT):  # the finally ends a read left waiting
                    shown = ""
                    # The stream hangs after its 5th token: the last text arrives with no
                    # event after it, and is still shown.
                    while shown != partial:
                        line = await asyncio.to_thread(stdout.readline)
                        assert line, "logs -f ended before the stream was shown"
                        shown += json.loads(line)["text"]
                    client = await ServiceClient.connect(db)
                    try:  # it follows the service's events, not the ledger
                        assert (await client.status())["subscribers"] == 1
                    finally:
                        await client.close()
                    assert ok(await cli("cancel", "1", *common, env=env)).startswith("task #1")
                    end = json.loads(await asyncio.to_thread(stdout.readline))
                    assert end["attempt"] == 1 and end["state"] == "stopped"
                    assert await asyncio.to_thread(follow.wait, LIMIT) == 0
            finally:
                if follow.poll() is None:
                    follow.kill()
                    follow.wait()
            ok(await cli("down", *common, env=env))
