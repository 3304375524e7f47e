"""``swarm-tui up`` and ``down`` as a person runs them: real processes, a real ledger file, the
service's real socket, providers on loopback HTTP. The service outlives the terminal it was
started from (a tmux session killed, as an SSH link drops), one service per ledger, and
``down`` stops it the clean way: running work keeps its output and goes back to the queue."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.lock import holder_of
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.probe import hello
from tests.e2e.crash import query
from tests.e2e.test_decide_cli import CONFIG as VOTE_CONFIG
from tests.e2e.test_decide_cli import a_waiting_conflict
from tests.providers.loopback import LoopbackServer, Reply, sse
from tests.test_cli import env, swarm

__all__ = ["env"]

pytestmark = pytest.mark.slow

TOKENS = [f"w{i} " for i in range(40)]
LIMIT = 60


def stream(*, drip: float = 0.0, hang_after: int | None = None) -> Reply:
    """An OpenAI-style stream of ``TOKENS`` (``hang_after``: stop sending after that many,
    connection kept open: an attempt that runs until it is stopped)."""
    tokens = TOKENS if hang_after is None else TOKENS[:hang_after]
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]} for t in tokens
    ]
    if hang_after is not None:
        return Reply(pieces=sse(*chunks, done=False), hang=True)
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 40}})
    return Reply(pieces=sse(*chunks), drip=drip)


def write_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.drip]\nkind = "openai"\nbase_url = "{url}/v1"\n[providers.drip.models.m]\n\n'
        '[agents.worker]\nmix = { "drip/m" = 1.0 }\n\n'
        "[orchestrator]\npoll_seconds = 0.2\n[hardware]\nenabled = false\n"
    )
    return config


async def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``swarm-tui ARGS`` in a thread: the loopback server in this loop keeps answering."""
    return await asyncio.to_thread(swarm, *args, env=env)


async def until(check: Callable[[], Any], what: str, limit: float = LIMIT) -> Any:
    """Wait for a condition (bounded, so a broken build fails instead of hanging)."""
    try:
        async with asyncio.timeout(limit):
            while not (value := check()):
                await asyncio.sleep(0.02)
            return value
    except TimeoutError:
        pytest.fail(f"no {what} within {limit:.0f} s")


def served_by(paths: ServicePaths) -> int:
    """The pid of the service holding the ledger (0: none, or it has not said yet)."""
    holder = holder_of(paths.lock)
    return holder.pid if holder is not None else 0


def state_of(db: Path, task_id: int) -> str:
    rows = query(db, "SELECT state FROM tasks WHERE id=?", (task_id,))
    return str(rows[0][0]) if rows else ""


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def up_pid(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("service up: pid "), result.stdout
    return int(first.split()[3].rstrip(","))


@contextlib.contextmanager
def no_service_left(db: Path) -> Iterator[None]:
    """However a test ends, no service of its ledger is left running."""
    try:
        yield
    finally:
        pid = served_by(ServicePaths(db))
        if pid and not gone(pid):
            os.kill(pid, signal.SIGKILL)


async def test_up_serves_submit_refuses_a_second_up_and_down_stops_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream())
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        with no_service_left(db):
            pid = up_pid(await cli("up", *common, env=env))
            holder = holder_of(paths.lock)
            assert holder is not None and holder.pid == pid and holder.socket == str(paths.socket)
            for private in (paths.lock, paths.socket, paths.log, db):
                assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
            # Detached: a session of its own, nothing of the terminal kept open.
            assert os.getsid(pid) == pid != os.getsid(0)
            assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
            assert os.readlink(f"/proc/{pid}/fd/2") == str(paths.log)

            again = await cli("up", *common, env=env)
            assert again.returncode == 1 and "Traceback" not in again.stderr
            assert "already has a service" in again.stderr and f"pid {pid} " in again.stderr
            assert hello(paths)["pid"] == pid  # the first one is untouched

            submitted = await cli("submit", "Say something.", "--role", "worker", *common, env=env)
            assert submitted.returncode == 0, submitted.stderr
            await until(lambda: state_of(db, 1) == "succeeded", "the task done by the service")
            [(result,)] = query(db, "SELECT result FROM tasks WHERE id=1")
            assert result == "".join(TOKENS)

            down = await cli("down", *common, env=env)
            assert down.returncode == 0, down.stderr
            assert "service stopped" in down.stdout
            assert gone(pid) and holder_of(paths.lock) is None and not paths.socket.exists()
            log = paths.log.read_text()
            assert "service up: pid" in log and "task #1 succeeded" in log
            assert "done: 1 succeeded" in log
            again = await cli("down", *common, env=env)
            assert again.returncode == 0 and "no service runs" in again.stderr


async def test_down_sends_running_work_back_to_the_queue_with_its_output(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        # The first call streams 5 tokens and hangs; after the restart the task finishes.
        server.route("POST", "/v1/chat/completions", stream(hang_after=5), stream())
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        with no_service_left(db):
            pid = up_pid(await cli("up", *common, env=env))
            assert (await cli("submit", "Go on.", *common, env=env)).returncode == 0
            partial = "".join(TOKENS[:5])
            await until(
                lambda: query(db, "SELECT 1 FROM attempts WHERE state='running' AND output=?",
                              (partial,)),
                "the attempt running with its first tokens",
            )  # fmt: skip
            down = await cli("down", *common, env=env)
            assert down.returncode == 0, down.stderr
            assert gone(pid)
            assert state_of(db, 1) == "queued"
            attempts = query(db, "SELECT state, output FROM attempts WHERE task_id=1")
            assert attempts == [("stopped", partial)]

            assert up_pid(await cli("up", *common, env=env)) != pid
            await until(lambda: state_of(db, 1) == "succeeded", "the re-queued task done")
            assert (await cli("down", *common, env=env)).returncode == 0
    states = query(db, "SELECT state FROM attempts WHERE task_id=1 ORDER BY number")
    assert states == [("stopped",), ("succeeded",)]


class Tmux:
    """A tmux server on a private socket: the terminal the service is started from."""

    def __init__(self, tmp: Path) -> None:
        self.socket = str(tmp / "tmux.sock")

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, timeout=10, check=True,
        )  # fmt: skip
        return done.stdout

    def kill(self) -> None:
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
async def test_the_service_outlives_the_terminal_it_was_started_from(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    term = Tmux(tmp_path)
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream(drip=0.05))
        config = write_config(tmp_path, server.url)
        common = ["--config", str(config), "--db", str(db)]
        started = tmp_path / "up.out"
        # The pane: `up`, then a program that keeps the terminal busy (as a shell would).
        script = (
            f"{shlex.join([sys.executable, '-m', 'swarm_tui', 'up', *common])} > {started} 2>&1;"
            " exec cat"
        )
        exports = ["env", *(f"{k}={v}" for k, v in env.items() if k.startswith("XDG"))]
        try:
            term.tmux("new-session", "-d", "-s", "ssh", shlex.join([*exports, "sh", "-c", script]))
            with no_service_left(db):
                pid = await until(lambda: served_by(paths), "the service's lock taken")
                await until(lambda: "service up" in started.read_text(), "`up` done in the pane")
                pane = int(term.tmux("display-message", "-p", "-t", "ssh", "#{pane_pid}"))
                assert (await cli("submit", "Stream slowly.", *common, env=env)).returncode == 0
                await until(
                    lambda: query(db, "SELECT 1 FROM attempts WHERE state='running'"
                                      " AND length(output) > 0"),
                    "a stream in progress",
                )  # fmt: skip
                term.kill()  # the terminal goes: SIGHUP to everything in it
                await until(lambda: gone(pane), "the pane's programs ended by the hangup")
                assert not gone(pid) and hello(paths)["pid"] == pid
                await until(lambda: state_of(db, 1) == "succeeded", "the stream finished")
                assert query(db, "SELECT state FROM attempts") == [("succeeded",)]

                os.kill(pid, signal.SIGHUP)  # sent to the service itself: noted, not obeyed
                await until(lambda: "SIGHUP ignored" in paths.log.read_text(), "the hangup noted")
                assert hello(paths)["pid"] == pid
                # A service whose socket is gone (deleted by hand) is stopped by its pid.
                paths.socket.unlink()
                down = await cli("down", *common, env=env)
                assert down.returncode == 0, down.stderr
                assert f"sending it SIGTERM (pid {pid})" in down.stderr
                assert gone(pid) and "stopping: running attempts" in paths.log.read_text()
        finally:
            term.kill()


async def test_a_client_votes_submits_and_cancels_through_a_running_service(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    config.write_text(VOTE_CONFIG + "\n[orchestrator]\npoll_seconds = 0.2\n")
    task_id = await a_waiting_conflict(config, db)
    common = ("--config", str(config), "--db", str(db))
    with no_service_left(db):
        pid = up_pid(await cli("up", *common, env=env))
        client = await ServiceClient.connect(db)
        try:
            assert client.hello["pid"] == pid
            [(task, record)] = await client.conflicts()
            assert task.id == task_id and record.status == "needs_human"
            decided = await client.decide(task_id, record.groups[0].label)
            assert decided.state == TaskState.SUCCEEDED
            assert state_of(db, task_id) == "succeeded"  # in the ledger, for every process
            # Paused, the new task stays queued: a cancel while the service is claiming it
            # meets a race in the core (see this branch's report).
            await client.pause_all()
            [(new, created)] = await client.submit([TaskSpec("And now?", role="a")])
            assert created
            cancelled = await client.cancel(new.id)
            assert cancelled.state == TaskState.CANCELLED and state_of(db, new.id) == "cancelled"
            await client.resume_all()
        finally:
            await client.close()
        down = await cli("down", *common, env=env)
        assert down.returncode == 0, down.stderr
    status = json.loads((await cli("status", "--json", *common, env=env)).stdout)
    assert status["totals"]["by_state"] == {"cancelled": 1, "succeeded": 1}


async def test_a_killed_service_is_replaced_and_its_clients_learn_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", stream(drip=0.05), stream())
        common = ("--config", str(write_config(tmp_path, server.url)), "--db", str(db))
        with no_service_left(db):
            pids = [up_pid(await cli("up", *common, env=env))]
            client = await ServiceClient.connect(db)
            await client.subscribe(interactive=True)
            [(task, _)] = await client.submit([TaskSpec("Stream.", role="worker")])
            await until(
                lambda: query(db, "SELECT 1 FROM attempts WHERE length(output) > 0"),
                "a stream in progress",
            )
            os.kill(pids[0], signal.SIGKILL)
            await asyncio.wait_for(client.lost.wait(), LIMIT)
            assert "closed the connection" in client.lost_reason
            await client.close()
            # Its lock goes with it (once the kernel has closed all its files: the socket may
            # close first); its socket file is left behind, stale.
            await until(lambda: holder_of(paths.lock) is None, "the killed service's lock freed")
            assert paths.socket.exists()

            pids.append(up_pid(await cli("up", *common, env=env)))
            again = await ServiceClient.connect(db)  # a room attaching again
            try:
                assert again.hello["pid"] == pids[1]
                await until(lambda: state_of(db, task.id) == "succeeded", "the task done")
                assert (await again.task(task.id)).result == "".join(TOKENS)
            finally:
                await again.close()
            assert (await cli("down", *common, env=env)).returncode == 0
    attempts = query(db, "SELECT state FROM attempts ORDER BY number")
    assert attempts == [("abandoned",), ("succeeded",)]


@pytest.mark.llama
async def test_the_service_runs_the_embedded_model_and_takes_it_down_with_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    pytest.importorskip("llama_cpp", reason="needs the 'local' extra (make setup)")
    db = tmp_path / "ledger.db"
    common = ("--db", str(db))  # no config: the built-in one, on the embedded model
    with no_service_left(db):
        pid = up_pid(await cli("up", *common, env=env))
        assert (await cli("submit", "Count to 5.", *common, env=env)).returncode == 0
        await until(lambda: state_of(db, 1) == "succeeded", "the embedded model's answer", 300)
        children = psutil.Process(pid).children(recursive=True)
        assert children, "the embedded model's server runs as the service's child"
        down = await cli("down", *common, env=env)
        assert down.returncode == 0, down.stderr
        _, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"the service left processes behind: {alive}"
    [(tokens_out, source)] = query(db, "SELECT tokens_out, usage_source FROM attempts")
    assert int(str(tokens_out)) > 0 and source == "counted"
