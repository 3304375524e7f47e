"""Drive ``swarm-tui run --headless`` as a real subprocess, SIGKILL it mid-stream, restart."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "swarm_tui", *args]


async def start_run(config: Path | None, db: Path, tasks: Path) -> asyncio.subprocess.Process:
    args = ["--db", str(db)] + (["--config", str(config)] if config else [])
    return await asyncio.create_subprocess_exec(
        *cli(*args, "run", "--headless", "--tasks", str(tasks), "--until-idle"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


def query(db: Path, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        conn.close()


async def kill_mid_stream(
    proc: asyncio.subprocess.Process,
    db: Path,
    read: Callable[[Path, str, tuple[object, ...]], list[tuple[Any, ...]]] | None = None,
) -> bool:
    """SIGKILL ``proc`` once an attempt is running with streamed output on disk.
    Returns False if the run finished first. Its children are waited for too. ``read``:
    how the ledger is read (``Backend.query``; default the SQLite file)."""
    read = read or query
    while proc.returncode is None:
        rows = read(
            db,
            "SELECT COUNT(*) FROM attempts WHERE state='running' AND output != '' AND owner LIKE ?",
            (f"%:{proc.pid}:%",),
        )
        if rows and int(rows[0][0]) > 0:  # type: ignore[call-overload]
            children = psutil.Process(proc.pid).children(recursive=True)
            proc.kill()
            await proc.wait()
            _gone, alive = psutil.wait_procs(children, timeout=30)
            assert not alive, f"children outlived the killed orchestrator: {alive}"
            return True
        await asyncio.sleep(0.01)
    if proc.stdout is not None:
        print((await proc.stdout.read()).decode())
    return False


def check_invariants(db: Path, task_count: int) -> dict[int, str]:
    """Every task ended once; results match the one succeeded attempt; returns results."""
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    tasks = query(db, "SELECT id, state, result, mode FROM tasks ORDER BY id")
    assert len(tasks) == task_count
    results: dict[int, str] = {}
    for task_id, state, result, mode in tasks:
        assert state == "succeeded", (task_id, state)
        ok = query(
            db, "SELECT output FROM attempts WHERE task_id=? AND state='succeeded'", (task_id,)
        )
        assert len(ok) == 1, f"task {task_id} succeeded {len(ok)} times"
        if mode == "single":
            assert ok[0][0] == result
        else:  # the output is the run's transcript; the result is the recorded decision
            [(status, record)] = query(
                db, "SELECT status, record FROM consensus WHERE task_id=?", (task_id,)
            )
            assert status == "decided" and json.loads(str(record))["decision"] == result
        events = query(
            db,
            "SELECT COUNT(*) FROM events WHERE task_id=? AND kind='attempt_succeeded'",
            (task_id,),
        )
        assert events == [(1,)]
        assert isinstance(result, str)
        results[int(task_id)] = result  # type: ignore[call-overload]
    running = query(db, "SELECT COUNT(*) FROM attempts WHERE state='running'")
    assert running == [(0,)]
    return results
