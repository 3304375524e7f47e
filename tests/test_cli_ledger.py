"""``--db`` as a user gets it wrong: a folder, ``/``, a read-only place, a missing folder,
another program's database, a damaged ledger. One clear message, never a traceback, and
nothing that is not a ledger is touched. Real subprocesses, real SQLite files."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.test_identity import contacts_db, pragma, snapshot
from tests.test_cli import assert_user_error, env, swarm

__all__ = ["env"]

pytestmark = pytest.mark.slow


def test_a_folder_or_root_as_db_is_one_message(tmp_path: Path, env: dict[str, str]) -> None:
    for target in (str(tmp_path), "/"):
        for command in (["submit", "x"], ["run", "--headless", "--until-idle"], ["status"]):
            result = swarm(*command, "--db", target, env=env)
            assert_user_error(result, f"{target}: is a folder; --db takes a ledger file")
            assert "Event loop is closed" not in result.stderr
            assert result.stderr.count("\n") == 1, result.stderr


def test_a_db_under_a_file_is_one_message(tmp_path: Path, env: dict[str, str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for command in (["submit", "x"], ["run", "--headless", "--until-idle"]):
        result = swarm(*command, "--db", str(blocker / "sub" / "l.db"), env=env)
        assert_user_error(result, str(blocker / "sub" / "l.db"), "cannot create its folder")
        assert result.stderr.count("\n") == 1, result.stderr
    assert blocker.read_text() == "not a folder"


@pytest.fixture
def readonly_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


def as_a_user() -> list[str]:
    """Root writes anywhere (CAP_DAC_OVERRIDE): as root the command runs without that
    capability (``setpriv``), so the folder's mode binds it as it binds any user; it keeps
    its uid, so the interpreter and the repository stay readable."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_a_new_ledger_in_a_read_only_folder_is_one_message(
    readonly_folder: Path, env: dict[str, str]
) -> None:
    db = readonly_folder / "l.db"
    for command in (["submit", "x"], ["run", "--headless", "--until-idle"]):
        result = subprocess.run(
            [*as_a_user(), sys.executable, "-m", "swarm_tui", *command, "--db", str(db)],
            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=600,
        )  # fmt: skip
        assert_user_error(result, str(db), f"the folder {readonly_folder} is read-only")
        assert "Event loop is closed" not in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
    assert list(readonly_folder.iterdir()) == []


def test_a_missing_folder_is_made_by_submit_and_run_and_said_once(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "new" / "deeper" / "l.db"
    status = swarm("status", "--db", str(db), env=env)
    assert_user_error(status, "no ledger here yet (swarm-tui submit or run creates it)")
    assert not (tmp_path / "new").exists()

    first = swarm("submit", "one", "--db", str(db), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr == f"swarm-tui: new ledger {db} (and its folder)\n"
    second = swarm("submit", "two", "--db", str(db), env=env)
    assert second.returncode == 0 and second.stderr == ""

    other = tmp_path / "other" / "l.db"
    run = swarm("run", "--headless", "--until-idle", "--db", str(other), env=env)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count(f"new ledger {other} (and its folder)") == 1
    again = swarm("run", "--headless", "--until-idle", "--db", str(other), env=env)
    assert again.returncode == 0 and "new ledger" not in again.stderr


def test_another_programs_database_is_refused_untouched_by_every_command(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "contacts.db"
    contacts_db(db)
    before = snapshot(tmp_path)
    for command in (
        ["status"],
        ["status", "--json"],
        ["report"],
        ["decide"],
        ["decide", "1"],
        ["decide", "1", "A"],
        ["submit", "x"],
        ["run", "--headless", "--until-idle"],
    ):
        result = swarm(*command, "--db", str(db), env=env)
        assert_user_error(result, f"{db}: not a swarm-tui ledger", "contacts", "left untouched")
        assert snapshot(tmp_path) == before, command
    assert pragma(db, "journal_mode") == "delete"
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("contacts",)]
    con.close()


def test_read_only_commands_create_nothing_and_leave_a_ledger_exactly_as_it_was(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = tmp_path / "l.db"
    for command in (["report"], ["decide"], ["decide", "1"], ["status"]):
        result = swarm(*command, "--db", str(tmp_path / "sub" / "none.db"), env=env)
        assert_user_error(result, "no ledger here yet (swarm-tui submit or run creates it)")
        assert list(tmp_path.iterdir()) == [], command
    assert swarm("submit", "one", "--db", str(db), env=env).returncode == 0
    before = snapshot(tmp_path)
    for command in (["status"], ["status", "--json"], ["report"], ["decide"], ["decide", "1"]):
        result = swarm(*command, "--db", str(db), env=env)
        assert result.returncode == 0, (command, result.stderr)
        assert snapshot(tmp_path) == before, command


def test_an_old_ledger_is_not_migrated_by_a_read(tmp_path: Path, env: dict[str, str]) -> None:
    from swarm_tui.store.schema import MIGRATIONS

    db = tmp_path / "v2.db"
    con = sqlite3.connect(db)
    for script in MIGRATIONS[:2]:
        con.executescript(script)
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    before = snapshot(tmp_path)
    for command in (["status"], ["report"], ["decide"]):
        result = swarm(*command, "--db", str(db), env=env)
        assert_user_error(result, "older swarm-tui (schema v2", "run or submit on it once")
    assert snapshot(tmp_path) == before
    assert swarm("submit", "x", "--db", str(db), env=env).returncode == 0
    assert swarm("status", "--db", str(db), env=env).returncode == 0


def test_a_damaged_ledger_stops_run_with_what_to_do(tmp_path: Path, env: dict[str, str]) -> None:
    db = tmp_path / "l.db"
    made = swarm("submit", "first", "--db", str(db), env=env)
    assert made.returncode == 0, made.stderr
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO tasks (title, prompt, role, state, created_at, updated_at)"
        " VALUES ('t', ?, 'generalist', 'cancelled', 1, 1)",
        [("x" * 3000 + str(i),) for i in range(40)],
    )
    con.commit()
    con.close()
    page = int(pragma(db, "page_size"))  # type: ignore[call-overload]
    pages = int(pragma(db, "page_count"))  # type: ignore[call-overload]
    with db.open("r+b") as f:
        f.seek(page * (pages - 6))
        f.write(random.Random(5).randbytes(page * 4))
    before = snapshot(tmp_path)

    run = swarm("run", "--headless", "--until-idle", "--db", str(db), env=env)
    assert_user_error(run, str(db), "the ledger is damaged", "quick_check", ".recover")
    assert snapshot(tmp_path) == before
