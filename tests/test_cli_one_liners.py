"""``swarm-tui cancel|pause|resume|retry|prio|reassign TASK…`` and ``result TASK`` against a
bare ledger (no orchestrator anywhere): real subprocesses, a real ledger file; a task
running in another process is played by this test process through the real ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarm_tui.domain.models import AttemptState
from tests.cli_ledger import Worker, states, submit, swarm, task
from tests.e2e.crash import query

pytestmark = pytest.mark.slow


def test_moves_change_each_task_and_the_ledger_records_them(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    one, two, three = submit(db, "first", "second", "third")
    paused = swarm(db, "pause", str(one), f"#{two}")
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.splitlines() == [
        f"task #{one} paused: first",
        f"task #{two} paused: second",
    ]
    assert swarm(db, "resume", str(one)).returncode == 0
    cancelled = swarm(db, "cancel", str(two), str(three), "--json")
    assert cancelled.returncode == 0, cancelled.stderr
    assert [t["state"] for t in json.loads(cancelled.stdout)] == ["cancelled", "cancelled"]
    assert swarm(db, "retry", str(three)).returncode == 0
    assert states(db) == {one: "queued", two: "cancelled", three: "queued"}
    prio = swarm(db, "prio", str(one), str(three), "-7")
    assert prio.returncode == 0, prio.stderr
    assert task(db, one)["priority"] == -7 and task(db, three)["priority"] == -7
    kinds = [
        k for (k,) in query(db, "SELECT kind FROM events WHERE task_id = ? ORDER BY id", (one,))
    ]
    assert kinds == ["submitted", "pause", "resume", "priority"]


def test_a_refused_task_is_named_and_the_others_still_move(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    one, two = submit(db, "first", "second")
    assert swarm(db, "cancel", str(one)).returncode == 0
    mixed = swarm(db, "cancel", str(one), "99", str(two))
    assert mixed.returncode == 2
    assert f"task #{one} is cancelled: cannot cancel it" in mixed.stderr
    assert "no task #99" in mixed.stderr and "Traceback" not in mixed.stderr
    assert mixed.stdout.strip() == f"task #{two} cancelled: second"
    assert swarm(db, "retry", str(two), "--json").returncode == 0
    refused = swarm(db, "retry", str(two))
    assert refused.returncode == 2 and "cannot retry it" in refused.stderr


def test_reassign_checks_the_config_once_and_pins_each_task(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    one, two = submit(db, "first", "second")
    unknown = swarm(db, "reassign", str(one), str(two), "--agent", "nobody")
    assert unknown.returncode == 2 and unknown.stderr.count("unknown agent 'nobody'") == 1
    done = swarm(db, "reassign", str(one), str(two), "--agent", "generalist")
    assert done.returncode == 0, done.stderr
    assert "for agent generalist, queued" in done.stdout
    pins = query(db, "SELECT pin_agent FROM tasks ORDER BY id")
    assert pins == [("generalist",), ("generalist",)]
    none = swarm(db, "reassign", str(one))
    assert none.returncode == 2 and "reassign needs an agent, a model, or both" in none.stderr


def test_bad_task_ids_and_a_missing_ledger_are_clear_errors(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    bad = swarm(db, "cancel", "seven")
    assert bad.returncode == 2 and "'seven' is not a task id" in bad.stderr
    missing = swarm(db, "cancel", "1")
    assert missing.returncode == 2 and "no ledger here yet" in missing.stderr
    assert not db.exists()  # a command that changes a task never creates a ledger


async def test_a_task_running_in_another_process_is_moved_for_that_process_to_stop(
    tmp_path: Path,
) -> None:
    """The move is written to the ledger; the process running the attempt stops it when its
    change feed shows the move (tests/core/test_feed.py)."""
    db = tmp_path / "l.db"
    one, two = submit(db, "first", "second")
    worker = await Worker.open(db)
    try:
        await worker.claim(one)
        await worker.claim(two)
        done = swarm(db, "cancel", str(one))
        assert done.returncode == 0, done.stderr
        moved = swarm(db, "reassign", str(two), "--agent", "generalist")
        assert moved.returncode == 0, moved.stderr
        assert states(db) == {one: "cancelled", two: "queued"}
        assert query(db, "SELECT pin_agent FROM tasks ORDER BY id") == [(None,), ("generalist",)]
    finally:
        await worker.close()


async def test_result_prints_the_answer_or_says_why_not_with_its_exit_code(
    tmp_path: Path,
) -> None:
    db = tmp_path / "l.db"
    good, bad, waiting = submit(db, "first", "second", "third")
    worker = await Worker.open(db)
    try:
        attempt = await worker.claim(good)
        await worker.stream(attempt, "the answer")
        await worker.end(attempt, AttemptState.SUCCEEDED)
        attempt = await worker.claim(bad)
        await worker.end(attempt, AttemptState.FAILED, error="HTTP 500 from the backend")
    finally:
        await worker.close()
    answer = swarm(db, "result", str(good))
    assert (answer.returncode, answer.stdout, answer.stderr) == (0, "the answer\n", "")
    failed = swarm(db, "result", f"#{bad}")
    assert failed.returncode == 3 and failed.stdout == ""
    assert f"task #{bad} failed: HTTP 500 from the backend" in failed.stderr
    queued = swarm(db, "result", str(waiting))
    assert queued.returncode == 4 and f"task #{waiting} is queued: no answer yet" in queued.stderr
    as_json = swarm(db, "result", str(bad), "--json")
    assert as_json.returncode == 3
    data = json.loads(as_json.stdout)
    assert data["state"] == "failed" and data["result"] is None
    missing = swarm(db, "result", "99")
    assert missing.returncode == 2 and "no task #99" in missing.stderr
