"""A ledger knows itself (``PRAGMA application_id``); another program's file is refused and left
exactly as it was; a read-only open creates, migrates and writes nothing; a damaged ledger is
refused before a run writes to it. Real SQLite files throughout."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
from pathlib import Path

import pytest

from swarm_tui.store.db import LedgerError, connect
from swarm_tui.store.identity import APPLICATION_ID
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.store.schema import MIGRATIONS, SCHEMA_VERSION
from tests.store.test_ledger import add, new


def pragma(path: Path, name: str) -> object:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file in ``folder``: its content's hash and its mtime (ns)."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


def contacts_db(path: Path) -> None:
    """Another application's database: an address book in rollback-journal mode."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, phone TEXT)")
    con.executemany(
        "INSERT INTO contacts (name, phone) VALUES (?, ?)", [("Ada", "1"), ("Grace", "2")]
    )
    con.commit()
    con.close()
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))


@pytest.mark.parametrize("readonly", [False, True])
async def test_another_applications_database_is_refused_untouched(
    tmp_path: Path, readonly: bool
) -> None:
    path = tmp_path / "contacts.db"
    contacts_db(path)
    before = snapshot(tmp_path)
    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path, readonly=readonly)
    message = str(info.value)
    assert str(path) in message and "not a swarm-tui ledger" in message
    assert "contacts" in message and "left untouched" in message
    assert snapshot(tmp_path) == before  # same bytes, same mtime, no -wal/-shm left behind
    assert pragma(path, "journal_mode") == "delete"
    assert pragma(path, "user_version") == 0


async def test_a_database_marked_by_another_application_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 1234")
    con.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY)")  # even with our table names
    con.commit()
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(LedgerError, match="another application, id 0x000004d2"):
        await SqliteLedger.open(path)
    assert snapshot(tmp_path) == before


async def test_a_folder_is_refused_with_its_name(tmp_path: Path) -> None:
    for readonly in (False, True):
        with pytest.raises(LedgerError, match="is a folder"):
            await SqliteLedger.open(tmp_path, readonly=readonly)
    with pytest.raises(LedgerError, match="is a folder"):
        await SqliteLedger.open(Path("/"))


async def test_new_and_empty_files_become_marked_ledgers(tmp_path: Path) -> None:
    empty_file, empty_db, fresh = tmp_path / "empty", tmp_path / "empty.db", tmp_path / "new.db"
    empty_file.touch()
    sqlite3.connect(empty_db).close()
    for path in (empty_file, empty_db, fresh):
        ledger = await SqliteLedger.open(path)
        assert ledger.created
        await ledger.close()
        assert pragma(path, "application_id") == APPLICATION_ID
        assert pragma(path, "user_version") == SCHEMA_VERSION
    again = await SqliteLedger.open(fresh)
    assert not again.created
    await again.close()


async def test_an_unmarked_ledger_of_an_older_version_is_migrated_and_marked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute(
        "INSERT INTO tasks (title, prompt, role, state, created_at, updated_at)"
        " VALUES ('old', 'old prompt', 'a', 'queued', 1, 1)"
    )
    con.commit()
    con.close()
    ledger = await SqliteLedger.open(path)
    try:
        assert [t.title for t in await ledger.list_tasks()] == ["old"]
    finally:
        await ledger.close()
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION


async def test_a_current_ledger_written_before_the_mark_is_marked_by_a_write_open_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "l.db"
    ledger = await SqliteLedger.open(path)
    await add(ledger, new("kept"))
    await ledger.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA application_id = 0")  # as every ledger was before the mark
    con.close()

    reader = await SqliteLedger.open(path, readonly=True)
    assert [t.title for t in await reader.list_tasks()] == ["kept"]
    await reader.close()
    assert pragma(path, "application_id") == 0

    writer = await SqliteLedger.open(path)
    await writer.close()
    assert pragma(path, "application_id") == APPLICATION_ID


async def test_a_read_only_open_creates_migrates_and_writes_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "none.db"
    with pytest.raises(LedgerError, match="no ledger here yet"):
        await SqliteLedger.open(missing, readonly=True)
    assert not (tmp_path / "sub").exists()

    old = tmp_path / "v1.db"
    con = sqlite3.connect(old)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    before = snapshot(tmp_path)
    with pytest.raises(LedgerError, match=r"older swarm-tui \(schema v1,.* run or submit"):
        await SqliteLedger.open(old, readonly=True)
    assert snapshot(tmp_path) == before

    current = tmp_path / "l.db"
    ledger = await SqliteLedger.open(current)
    await add(ledger, new("a"))
    await ledger.close()
    before = snapshot(tmp_path)
    reader = await SqliteLedger.open(current, readonly=True)
    try:
        assert [t.title for t in await reader.list_tasks()] == ["a"]
        with pytest.raises(LedgerError, match="readonly"):
            await reader.insert_tasks([new("b")], 1.0)
    finally:
        await reader.close()
    assert snapshot(tmp_path) == before


def _overwrite_pages(path: Path, first: int, count: int) -> None:
    page = int(pragma(path, "page_size"))  # type: ignore[call-overload]
    with path.open("r+b") as f:
        f.seek(page * first)
        f.write(random.Random(3).randbytes(page * count))


async def test_a_damaged_ledger_is_refused_by_a_checked_open_before_any_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "l.db"
    ledger = await SqliteLedger.open(path)
    await add(ledger, *(new("x" * 3000) for _ in range(40)))
    await ledger.close()
    pages = int(pragma(path, "page_count"))  # type: ignore[call-overload]
    _overwrite_pages(path, pages - 6, 4)  # task rows and their overflow pages
    before = snapshot(tmp_path)

    with pytest.raises(LedgerError) as info:
        await SqliteLedger.open(path, check=True)
    message = str(info.value)
    assert str(path) in message and "damaged" in message and "quick_check" in message
    assert ".recover" in message and "Nothing was written" in message
    assert snapshot(tmp_path) == before

    unchecked = await SqliteLedger.open(path)  # a plain open (submit) does not pay for the check
    await unchecked.close()


async def test_connect_checks_a_sound_ledger_and_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    for check in (False, True):  # made, then checked and opened
        conn = await connect(path, check=check)
        await conn.close()
    assert pragma(path, "application_id") == APPLICATION_ID


async def test_identifying_an_open_ledger_keeps_this_process_locks(tmp_path: Path) -> None:
    """Checking a ledger's identity while this process holds it open (a second connection,
    another open of the same file) must not drop this process's locks on it. A descriptor of
    our own, closed, releases every POSIX lock the process holds on the file: another process
    then takes the last connection's exclusive lock on close, checkpoints and removes the WAL
    this one still writes to, and later commits are lost or the file reads as a disk I/O
    error (seen: a headless run and a `submit` started together; the run's results never
    reached the file)."""
    import subprocess
    import sys

    from swarm_tui.store.identity import identify

    path = tmp_path / "l.db"
    other = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
        " c.execute('UPDATE tasks SET priority = 1 WHERE id = 1'); c.close()"
    )
    led = await SqliteLedger.open(path)
    try:
        await add(led, new("before"))
        identify(path)  # as a second open of the same file does
        subprocess.run([sys.executable, "-c", other, str(path)], check=True)
        await add(led, new("after"))
        await led.writer.flush()
        con = sqlite3.connect(path)
        try:
            seen = [tuple(r) for r in con.execute("SELECT title, priority FROM tasks ORDER BY id")]
        finally:
            con.close()
    finally:
        await led.close()
    assert seen == [("before", 1), ("after", 0)]
