"""Random command lines: always an exit code and a message, never a traceback, and the ledger
keeps what it had."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm_tui.cli.main import main

WORDS = [
    "submit", "status", "config", "check", "doctor", "--json", "--role", "--priority",
    "--after", "--key", "--title", "--config", "--db", "--tasks", "generalist", "nobody", "0",
    "-1", "99999999999999999999", "1", "abc", "", " ", "--", "-x", "x.toml", "--version",
]  # fmt: skip

argv = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=12)), max_size=7)


@pytest.fixture
def home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / "xdg"))
    monkeypatch.setenv("SWARM_TUI_DB", str(folder / "ledger.db"))
    monkeypatch.delenv("SWARM_TUI_CONFIG", raising=False)
    monkeypatch.chdir(folder)
    assert main(["submit", "keep me", "--key", "keep"]) == 0
    return folder


def _rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT id, title, state, priority FROM tasks WHERE key='keep'"
        ).fetchall()
    finally:
        conn.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(args=argv)
def test_random_command_lines_never_crash(home: Path, args: list[str]) -> None:
    if not args or args[0] not in ("submit", "status", "config", "doctor"):
        args = ["status", *args]  # never start an endless run from fuzzed input
    if "--tasks" in args:
        args.remove("--tasks")
    before = _rows(home / "ledger.db")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse's usage errors and --version
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2), (args, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert err.getvalue().strip(), f"exit 2 without a message for {args}"
    assert _rows(home / "ledger.db") == before
