"""Issue 18's acceptance, end to end: a swarm that outlives the SSH link.

``swarm-tui up`` serves a ledger; plain ``swarm-tui`` in a tmux session attaches to it (no
orchestrator of its own) and shows the live streams; the tmux server is killed (SIGHUP to the
room, as an SSH link dropping); the service keeps streaming; a new room in a new session
attaches and shows the same streams going on, a third beside it (two at once); they quit
(``q`` detaches); ``down``; every task ended exactly once, with the whole stream as its
result. Real processes, a real ledger, the
service's real socket, a real terminal; the model is a loopback HTTP stand-in that streams
slowly (tests/service/test_up_down.py's, as every service test has it).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.probe import hello, request
from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse
from tests.service.test_up_down import cli, gone, no_service_left, until, up_pid, write_config
from tests.test_cli import env

__all__ = ["env"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WORDS = 240
DRIP = 0.1
"""One word each DRIP seconds: a stream that lasts ~24 s, long enough to drop a room and
attach another while it runs."""
TEXT = "".join(f"t{i} " for i in range(WORDS))
WAIT = 120.0


def slow_stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": f"t{i} "}, "finish_reason": None}]}
        for i in range(WORDS)
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": WORDS}})
    return Reply(pieces=sse(*chunks), drip=DRIP)


class Terminal:
    """A tmux server on a private socket with one 120x40 session running a command."""

    def __init__(self, tmp: Path, name: str) -> None:
        self.socket = str(tmp / f"{name}.sock")
        self.status = tmp / f"{name}.status"

    async def tmux(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", self.socket, "-f", "/dev/null", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        return out.decode()

    async def start(self, command: list[str]) -> None:
        wrapped = f"{shlex.join(command)}; echo $? > {shlex.quote(str(self.status))}; exec cat"
        shell = shlex.join(["sh", "-c", wrapped])
        await self.tmux("new-session", "-d", "-s", "room", "-x", "120", "-y", "40", shell)

    async def screen(self) -> str:
        return await self.tmux("capture-pane", "-p", "-t", "room")

    async def pane_pid(self) -> int:
        return int(await self.tmux("display-message", "-p", "-t", "room", "#{pane_pid}"))

    async def kill(self) -> None:
        proc = await asyncio.create_subprocess_exec(
            "tmux", "-S", self.socket, "kill-server",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await proc.wait()


async def screen_until(term: Terminal, check: object, what: str) -> str:
    """Poll the terminal's screen until ``check(screen)`` holds (bounded)."""
    last = ""
    try:
        async with asyncio.timeout(WAIT):
            while True:
                last = await term.screen()
                if check(last):  # type: ignore[operator]
                    return last
                if term.status.exists():
                    pytest.fail(f"the room exited while waiting for {what}; screen:\n{last}")
                await asyncio.sleep(0.25)
    except TimeoutError:
        pytest.fail(f"no {what} within {WAIT:.0f} s; last screen:\n{last}")


def words_shown(screen: str) -> int:
    """The highest streamed word on screen (``t57`` -> 57; -1: none)."""
    return max((int(n) for n in re.findall(r"\bt(\d+)\b", screen)), default=-1)


def output_words(db: Path) -> int:
    rows = query(db, "SELECT output FROM attempts WHERE state='running'")
    return max((len(str(r[0]).split()) for r in rows), default=0)


async def test_rooms_attach_drop_with_the_link_and_the_service_streams_on(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    first, second = Terminal(tmp_path, "first"), Terminal(tmp_path, "second")
    third = Terminal(tmp_path, "third")
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", slow_stream())
        config = write_config(tmp_path, server.url)
        common = ["--config", str(config), "--db", str(db)]
        room = [
            "env", "-u", "COLUMNS", "-u", "LINES", "-u", "SWARM_TUI_CONFIG",
            "TERM=xterm-256color", f"XDG_CONFIG_HOME={env['XDG_CONFIG_HOME']}",
            sys.executable, "-m", "swarm_tui", *common,
        ]  # fmt: skip
        try:
            with no_service_left(db):
                pid = up_pid(await cli("up", *common, env=env))
                for n in range(2):
                    done = await cli("submit", f"Stream {n}.", "--role", "worker", *common, env=env)
                    assert done.returncode == 0, done.stderr

                await first.start(room)
                seen = await screen_until(
                    first, lambda s: f"service pid {pid}" in s and words_shown(s) >= 5,
                    "the first room attached and streaming",
                )  # fmt: skip
                pane = await first.pane_pid()
                await first.kill()  # the SSH link drops: SIGHUP to the room
                await until(lambda: gone(pane), "the first room gone with its terminal")
                assert not first.status.exists() or first.status.read_text().strip() == "0"
                assert hello(paths)["pid"] == pid  # detaching never stops the service
                at_drop = output_words(db)
                await until(lambda: output_words(db) > at_drop + 5, "the service streaming on")

                await second.start(room)
                later = output_words(db)
                screen = await screen_until(
                    second,
                    lambda s: f"service pid {pid}" in s and words_shown(s) > later,
                    "the second room attached and showing the streams going on",
                )
                assert words_shown(screen) > words_shown(seen)
                # Several rooms at once: a third one attaches beside the second.
                await third.start(room)
                await screen_until(
                    third, lambda s: f"service pid {pid}" in s and words_shown(s) >= 0,
                    "a third room attached beside the second",
                )  # fmt: skip
                await until(
                    lambda: request(paths, "service", {})["subscribers"] == 2,
                    "two rooms subscribed at once",
                )
                await until(
                    lambda: (
                        query(db, "SELECT COUNT(*) FROM tasks WHERE state='succeeded'") == [(2,)]
                    ),
                    "both tasks done by the service",
                    limit=WAIT,
                )
                for term in (second, third):
                    await term.tmux("send-keys", "-t", "room", "q")
                    await until(lambda t=term: t.status.exists(), "a room quit", limit=WAIT)
                    assert term.status.read_text().strip() == "0"
                assert hello(paths)["pid"] == pid

                down = await cli("down", *common, env=env)
                assert down.returncode == 0, down.stderr
                assert gone(pid)
        finally:
            for term in (first, second, third):
                await term.kill()
    attempts = query(db, "SELECT task_id, state FROM attempts ORDER BY task_id")
    assert attempts == [(1, "succeeded"), (2, "succeeded")]  # each ended once, never again
    results = query(db, "SELECT result FROM tasks ORDER BY id")
    assert results == [(TEXT,), (TEXT,)]
    log = paths.log.read_text()
    assert log.count("task #1 succeeded") == 1 and log.count("task #2 succeeded") == 1


async def test_quitting_a_room_can_hand_its_run_over_to_a_service(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """No service: the room runs the swarm itself. ``q`` with a stream running, then ``h``:
    the attempt stops here (its output kept, the task back in the queue), ``swarm-tui up``
    starts for the same ledger and config, and that service finishes the task."""
    db = tmp_path / "ledger.db"
    paths = ServicePaths(db)
    term = Terminal(tmp_path, "room")
    async with LoopbackServer() as server:
        server.route("POST", "/v1/chat/completions", slow_stream())
        config = write_config(tmp_path, server.url)
        common = ["--config", str(config), "--db", str(db)]
        done = await cli("submit", "Stream it.", "--role", "worker", *common, env=env)
        assert done.returncode == 0, done.stderr
        room = [
            "env", "-u", "COLUMNS", "-u", "LINES", "-u", "SWARM_TUI_CONFIG",
            "TERM=xterm-256color", f"XDG_CONFIG_HOME={env['XDG_CONFIG_HOME']}",
            sys.executable, "-m", "swarm_tui", *common,
        ]  # fmt: skip
        try:
            with no_service_left(db):
                await term.start(room)
                await screen_until(term, lambda s: words_shown(s) >= 3, "the room streaming")
                assert not paths.socket.exists()  # in-process: no service
                await term.tmux("send-keys", "-t", "room", "q")
                await screen_until(term, lambda s: "Hand over (h)" in s, "the quit question")
                await term.tmux("send-keys", "-t", "room", "h")
                await until(lambda: term.status.exists(), "the room closed", limit=WAIT)
                screen = await term.screen()
                assert term.status.read_text().strip() == "0", screen
                assert "handing the run over to a service" in screen
                assert "service up: pid" in screen
                pid = hello(paths)["pid"]
                await term.kill()  # the terminal goes; the service it started stays
                await until(
                    lambda: query(db, "SELECT state FROM tasks") == [("succeeded",)],
                    "the service finishing the task",
                    limit=WAIT,
                )
                assert hello(paths)["pid"] == pid
                down = await cli("down", *common, env=env)
                assert down.returncode == 0, down.stderr
        finally:
            await term.kill()
    attempts = query(db, "SELECT state, owner FROM attempts ORDER BY number")
    assert [s for s, _ in attempts] == ["stopped", "succeeded"]  # stopped here, done there
    assert attempts[0][1] != attempts[1][1]
    assert query(db, "SELECT result FROM tasks") == [(TEXT,)]
