"""Schema versions: old files are upgraded in place, files we cannot use are left untouched."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from swarm_tui.domain.models import AttemptState, TaskMode, TaskState, UsageSource
from swarm_tui.store.db import LedgerError, connect
from swarm_tui.store.identity import APPLICATION_ID
from swarm_tui.store.ledger import NewTask, SqliteLedger
from swarm_tui.store.schema import MIGRATIONS, SCHEMA_VERSION


def _user_version(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


def _make_v1(path: Path) -> None:
    """A ledger as swarm-tui wrote it at schema v1: two tasks (2 after 1), two attempts."""
    con = sqlite3.connect(path)
    try:
        con.executescript(MIGRATIONS[0])
        con.execute("PRAGMA user_version = 1")
        con.execute(
            """INSERT INTO tasks (id, title, prompt, role, priority, mode, state, attempts,
               result, created_at, updated_at, started_at, finished_at)
               VALUES (1, 'Design', 'Design the API', 'backend', 5, 'consensus', 'succeeded', 1,
                       'the answer', 10.0, 20.0, 11.0, 20.0)"""
        )
        con.execute(
            """INSERT INTO tasks (id, title, prompt, role, state, attempts, error, pin,
               created_at, updated_at, started_at)
               VALUES (2, 'Build', 'Build it', 'coder', 'queued', 1, 'boom', 'p2/m1',
                       12.0, 30.0, 21.0)"""
        )
        con.execute("INSERT INTO task_deps (task_id, dep_id) VALUES (2, 1)")
        con.execute(
            """INSERT INTO attempts (id, task_id, number, agent, provider, model, state, owner,
               lease_until, heartbeat_at, routing_reason, output, tokens_in, tokens_out,
               cost_usd, ttft_ms, duration_ms, started_at, finished_at)
               VALUES (1, 1, 1, 'backend', 'p1', 'm1', 'succeeded', 'h:1:1', 50.0, 15.0,
                       'weight 3', 'the answer', 11, 22, 0.25, 120.0, 900.0, 11.0, 20.0)"""
        )
        con.execute(
            """INSERT INTO attempts (id, task_id, number, agent, provider, model, state, owner,
               lease_until, heartbeat_at, output, error, started_at, finished_at)
               VALUES (2, 2, 1, 'coder', 'p2', 'm1', 'failed', 'h:1:1', 60.0, 25.0,
                       'half an ans', 'boom', 21.0, 29.0)"""
        )
        con.commit()
    finally:
        con.close()


async def test_v1_file_is_upgraded_and_old_rows_stay_readable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _make_v1(path)
    assert _user_version(path) == 1

    led = await SqliteLedger.open(path, commit_interval=0.005)
    try:
        assert _user_version(path) == SCHEMA_VERSION
        assert await led.integrity_check() == "ok"

        t1 = await led.get_task(1)
        t2 = await led.get_task(2)
        assert t1 is not None and t2 is not None
        assert (t1.title, t1.prompt, t1.role, t1.priority) == (
            "Design",
            "Design the API",
            "backend",
            5,
        )
        assert t1.state is TaskState.SUCCEEDED and t1.mode is TaskMode.CONSENSUS
        assert t1.result == "the answer" and t1.finished_at == 20.0
        assert t1.tags == () and t1.key is None and t1.after == ()
        assert (t1.tokens_in, t1.tokens_out, t1.cost_usd) == (11, 22, 0.25)
        assert (t1.agent, t1.provider, t1.model) == ("backend", "p1", "m1")
        assert t2.after == (1,) and t2.state is TaskState.QUEUED
        assert t2.error == "boom" and t2.pin == "p2/m1" and t2.mode is TaskMode.SINGLE
        assert t2.tags == () and t2.key is None

        (a1,) = await led.attempts(1)
        (a2,) = await led.attempts(2)
        assert a1.state is AttemptState.SUCCEEDED and a1.output == "the answer"
        assert (a1.tokens_in, a1.tokens_out, a1.tokens_cached) == (11, 22, None)
        assert a1.usage_source is UsageSource.REPORTED  # tokens_out was set
        assert a1.routing_reason == "weight 3" and a1.ttft_ms == 120.0
        assert a2.state is AttemptState.FAILED and a2.output == "half an ans"
        assert a2.usage_source is UsageSource.UNKNOWN  # nothing was reported
        assert a2.tokens_out is None and a2.error == "boom"

        # The new columns and tables work on the upgraded file.
        [(new_id, created)] = await led.insert_tasks(
            [NewTask("t", "p", "coder", 0, "single", ("x",), "k1", (1,))], now=40.0
        )
        assert created and new_id == 3
        again = await led.insert_tasks(
            [NewTask("t", "p", "coder", 0, "single", (), "k1", ())], now=41.0
        )
        assert again == [(3, False)]
        t3 = await led.get_task(3)
        assert t3 is not None and t3.tags == ("x",) and t3.key == "k1" and t3.after == (1,)
        await led.set_flag("paused", "1", now=42.0)
        assert await led.flags() == {"paused": "1"}
    finally:
        await led.close()


async def test_reopening_an_upgraded_file_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _make_v1(path)
    led = await SqliteLedger.open(path)
    before = await led.list_tasks()
    await led.close()

    led = await SqliteLedger.open(path)
    try:
        assert _user_version(path) == SCHEMA_VERSION
        assert await led.list_tasks() == before
        assert [t.id for t in before] == [1, 2]
    finally:
        await led.close()


async def test_failed_migration_leaves_the_file_at_its_old_version(tmp_path: Path) -> None:
    path = tmp_path / "odd.db"
    _make_v1(path)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE tasks ADD COLUMN key TEXT")  # v2 will try to add it again
    con.commit()
    con.close()

    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path)
    msg = str(info.value)
    assert str(path) in msg and "v2" in msg and "key" in msg
    assert _user_version(path) == 1
    con = sqlite3.connect(path)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "flags" not in tables and "usage" not in tables  # nothing of v2 stayed
        assert con.execute("SELECT title FROM tasks ORDER BY id").fetchall() == [
            ("Design",),
            ("Build",),
        ]
    finally:
        con.close()


async def test_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    future = SCHEMA_VERSION + 3
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a newer swarm-tui's mark
    con.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY)")
    con.execute(f"PRAGMA user_version = {future}")
    con.commit()
    con.close()

    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path)
    msg = str(info.value)
    assert str(path) in msg
    assert f"v{future}" in msg and f"v{SCHEMA_VERSION}" in msg
    assert _user_version(path) == future


async def test_random_bytes_are_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "noise.db"
    data = random.Random(7).randbytes(16384)
    assert not data.startswith(b"SQLite format 3")
    path.write_bytes(data)

    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path)
    assert str(path) in str(info.value)
    assert "not" in str(info.value)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["noise.db"]


async def test_fresh_file_gets_wal_busy_timeout_and_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "fresh.db"
    conn = await connect(path)
    try:
        pragmas = {}
        for name in ("journal_mode", "busy_timeout", "foreign_keys"):
            async with conn.execute(f"PRAGMA {name}") as cur:
                row = await cur.fetchone()
                assert row is not None
                pragmas[name] = row[0]
    finally:
        await conn.close()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["busy_timeout"] > 0
    assert pragmas["foreign_keys"] == 1
    assert _user_version(path) == SCHEMA_VERSION
    con = sqlite3.connect(path)
    try:
        # WAL is a property of the file: another connection sees it too.
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


async def test_readonly_connect_to_a_missing_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nothing.db"
    with pytest.raises(LedgerError) as info:
        await connect(path, readonly=True)
    assert str(path) in str(info.value)
    assert not path.exists()


async def test_folder_that_cannot_be_created_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = blocker / "ledger.db"
    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path)
    assert str(path) in str(info.value) and "folder" in str(info.value)


async def test_two_processes_creating_one_ledger_at_once_both_succeed(tmp_path: Path) -> None:
    """Regression: both used to apply v2 and one failed with 'duplicate column name'."""
    import asyncio
    import sys

    db = tmp_path / "race.db"
    code = (
        "import asyncio, sys; from pathlib import Path\n"
        "from swarm_tui.store.ledger import SqliteLedger\n"
        "async def go():\n"
        "    led = await SqliteLedger.open(Path(sys.argv[1])); await led.close()\n"
        "asyncio.run(go())\n"
    )
    for _ in range(5):
        for f in tmp_path.glob("race.db*"):
            f.unlink()
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", code, str(db), stderr=asyncio.subprocess.PIPE
            )
            for _ in range(4)
        ]
        results = [await p.communicate() for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, [e.decode() for _, e in results]
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.close()
