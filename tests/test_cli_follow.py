"""The commands that follow the ledger as another process changes it: ``logs -f``,
``result --wait`` and ``status --watch``. Real subprocesses on a real ledger; this test process
plays the orchestrator (or another shell). Every step waits for what the command printed;
the bounds only stop a hung command from hanging the suite."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.domain.models import AttemptState
from tests.cli_ledger import Worker, cli_env, submit, swarm

pytestmark = pytest.mark.slow

BOUND_S = 120.0
"""A hung command fails the test after this long; nothing waits for it to pass."""


async def start(db: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "swarm_tui",
        *args,
        "--db",
        str(db),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=cli_env(db.parent),
    )


async def read_until(stream: asyncio.StreamReader | None, wanted: str, seen: str = "") -> str:
    """What ``stream`` gave until ``wanted`` is in it (``seen``: what was read before)."""
    assert stream is not None

    async def loop() -> str:
        text = seen
        while wanted not in text:
            chunk = await stream.read(4096)
            assert chunk, f"the stream ended before {wanted!r}: {text!r}"
            text += chunk.decode()
        return text

    return await asyncio.wait_for(loop(), BOUND_S)


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(proc.communicate(), BOUND_S)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_logs_follow_prints_a_stream_written_by_another_process(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    [one] = submit(db, "say hello")
    proc = await start(db, "logs", "-f", str(one))
    worker = await Worker.open(db)
    try:
        await read_until(proc.stderr, "waiting for its first attempt")
        attempt = await worker.claim(one)
        await worker.stream(attempt, "Hello, ")
        out = await read_until(proc.stdout, "Hello, ")
        await worker.stream(attempt, "world")
        out = await read_until(proc.stdout, "world", out)
        await worker.stream(attempt, "!\n")
        await worker.end(attempt, AttemptState.SUCCEEDED)
    finally:
        await worker.close()
    code, rest, err = await finish(proc)
    assert code == 0
    assert out + rest == "Hello, world!\n"
    assert "attempt 1 (generalist, local/smollm2)" in err and "attempt 1 succeeded" in err
    again = swarm(db, "logs", str(one))  # without -f: what the attempt streamed, at once
    assert (again.returncode, again.stdout) == (0, "Hello, world!\n")


async def test_logs_json_lines_end_with_how_the_attempt_ended(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    [one] = submit(db, "fail")
    worker = await Worker.open(db)
    try:
        attempt = await worker.claim(one)
        await worker.stream(attempt, "partial")
        proc = await start(db, "logs", "-f", "--json", str(one))
        out = await read_until(proc.stdout, "partial")
        await worker.end(attempt, AttemptState.FAILED, error="boom")
    finally:
        await worker.close()
    code, rest, _err = await finish(proc)
    lines = [json.loads(line) for line in (out + rest).splitlines()]
    assert code == 0
    assert lines == [
        {"attempt": 1, "text": "partial"},
        {"attempt": 1, "state": "failed", "error": "boom"},
    ]
    no_such = swarm(db, "logs", str(one), "--attempt", "2")
    assert no_such.returncode == 2 and f"task #{one} has no attempt 2" in no_such.stderr


async def test_result_wait_returns_the_answer_once_another_process_ends_the_task(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.db"
    [one] = submit(db, "answer me")
    proc = await start(db, "result", "--wait", str(one))
    worker = await Worker.open(db)
    try:
        await read_until(proc.stderr, "waiting for it to end")
        attempt = await worker.claim(one)
        await worker.stream(attempt, "42")
        await worker.end(attempt, AttemptState.SUCCEEDED)
    finally:
        await worker.close()
    code, out, _err = await finish(proc)
    assert (code, out) == (0, "42\n")


async def next_state(stream: asyncio.StreamReader | None, check: Any) -> dict[str, Any]:
    """The first JSON line of ``status --watch --json`` for which ``check`` holds."""
    assert stream is not None

    async def loop() -> dict[str, Any]:
        while True:
            line = await stream.readline()
            assert line, "status --watch ended"
            data: dict[str, Any] = json.loads(line)
            if check(data):
                return data

    return await asyncio.wait_for(loop(), BOUND_S)


async def test_status_watch_prints_each_change_another_process_makes(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    [one] = submit(db, "first")
    proc = await start(db, "status", "--watch", "--json")
    first = await next_state(proc.stdout, lambda d: True)
    assert first["totals"]["by_state"] == {"queued": 1}
    two = (await asyncio.to_thread(submit, db, "second"))[0]
    seen = await next_state(proc.stdout, lambda d: d["totals"]["tasks"] == 2)
    assert seen["tasks"][1]["id"] == two
    assert (await asyncio.to_thread(swarm, db, "cancel", str(one))).returncode == 0
    seen = await next_state(proc.stdout, lambda d: d["tasks"][0]["state"] == "cancelled")
    assert seen["totals"]["by_state"] == {"cancelled": 1, "queued": 1}
    proc.send_signal(signal.SIGINT)
    code, _out, err = await finish(proc)
    assert code == 130 and "Traceback" not in err
