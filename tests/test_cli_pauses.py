"""``swarm-tui pause-all|resume-all|pause-agent|resume-agent`` on a bare ledger: the flags are
written there, and an orchestrator running in another process stops the attempts a pause
covers (partial output kept, task re-queued) and runs them again after the resume. Real
processes: the command, and tests/feed_peer.py's orchestrator streaming forever."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from tests.cli_ledger import swarm
from tests.core.test_feed import peer, peer_running, wait_until

pytestmark = pytest.mark.slow


def _config(tmp_path: Path) -> Path:
    """The CLI's config names the peer's agents a, b and c (tests/conftest.py make_settings),
    for pause-agent's check of the names."""
    config = tmp_path / "c.toml"
    config.write_text(
        '[providers.p1]\nkind = "openai"\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[providers.p1.models.m1]\n[agents.a]\nmix = { "p1/m1" = 1 }\n'
        '[agents.b]\nmix = { "p1/m1" = 1 }\n[agents.c]\nmix = { "p1/m1" = 1 }\n'
    )
    return config


def _rows(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def _attempts(db: Path, task_id: int) -> list[tuple[object, ...]]:
    return _rows(db, "SELECT state, output FROM attempts WHERE task_id = ? ORDER BY id", task_id)


def _state(db: Path, task_id: int) -> object:
    return _rows(db, "SELECT state FROM tasks WHERE id = ?", task_id)[0][0]


async def _command(db: Path, *args: str) -> str:
    done = await asyncio.to_thread(swarm, db, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("pause", "resume"),
    [(("pause-all",), ("resume-all",)), (("pause-agent", "c"), ("resume-agent", "c"))],
)
async def test_a_pause_from_the_cli_stops_the_attempts_of_a_running_orchestrator(
    tmp_path: Path, pause: tuple[str, ...], resume: tuple[str, ...]
) -> None:
    db, config = tmp_path / "ledger.db", _config(tmp_path)
    common = ("--config", str(config))
    assert await peer(db, "submit", "stream on", "c") == "submitted #1"
    async with peer_running(db):
        await wait_until(lambda: _state(db, 1) == "running", "the peer to run the task")
        await wait_until(lambda: _attempts(db, 1)[0][1], "the peer's stream in the ledger")
        said = await _command(db, *pause, *common)
        assert said.endswith("running attempts stop and re-queue")
        await wait_until(lambda: _state(db, 1) == "queued", "the task to go back to the queue")
        [(state, output)] = _attempts(db, 1)
        assert state == "stopped" and str(output).startswith("w0 ")  # its output kept
        assert await _command(db, *resume, *common) == f"resumed {_what(resume)}"
        await wait_until(lambda: len(_attempts(db, 1)) == 2, "the task to run again")
        await wait_until(lambda: _state(db, 1) == "running", "the task to run again")


async def test_keep_running_leaves_the_attempt_alone(tmp_path: Path) -> None:
    db, config = tmp_path / "ledger.db", _config(tmp_path)
    assert await peer(db, "submit", "stream on", "c") == "submitted #1"
    async with peer_running(db):
        await wait_until(lambda: _state(db, 1) == "running", "the peer to run the task")
        said = await _command(db, "pause-all", "--keep-running", "--config", str(config))
        assert said == "paused everything: running attempts go on"
        assert {r[0]: r[1] for r in _rows(db, "SELECT name, value FROM flags")} == {
            "paused_all": "1", "keep_running:paused_all": "1",
        }  # fmt: skip
        grown = len(str(_attempts(db, 1)[0][1]))
        # the peer read the flags and its attempt goes on streaming
        await wait_until(lambda: len(str(_attempts(db, 1)[0][1])) > grown + 40, "more stream")
        assert _state(db, 1) == "running"


def test_an_unknown_agent_pauses_nothing(tmp_path: Path) -> None:
    db, config = tmp_path / "ledger.db", _config(tmp_path)
    swarm(db, "submit", "x", "--config", str(config))
    done = swarm(db, "pause-agent", "a", "nobody", "--config", str(config))
    assert done.returncode == 2 and "unknown agent 'nobody'" in done.stderr
    assert _rows(db, "SELECT * FROM flags") == []


def _what(command: tuple[str, ...]) -> str:
    return "everything" if command[0].endswith("-all") else f"agent {command[1]}"
