"""The group-commit writer: batches streamed text, isolates failing ops, loses nothing on close."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from swarm_tui.domain.models import Attempt, AttemptState, TaskState
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger, NewTask, SqliteLedger
from swarm_tui.store.writes import AttemptEnd
from tests.raw_sql import raw_sql

NOW = 1000.0


async def _running(led: Ledger, n: int) -> list[Attempt]:
    """``n`` queued tasks, each claimed: ``n`` running attempts."""
    made = await led.insert_tasks(
        [NewTask(f"t{i}", f"p{i}", "a", 0, "single", (), None, ()) for i in range(n)], NOW
    )
    out: list[Attempt] = []
    for task_id, _ in made:
        att = await led.claim(
            task_id,
            agent="a",
            provider="p1",
            model="m1",
            reason="test",
            owner="o",
            now=NOW,
            lease_until=NOW + 60,
        )
        assert att is not None
        out.append(att)
    return out


def _disk_outputs(led: Ledger | Path) -> dict[int, str]:
    """Attempt outputs as another process would read them (from the file, or the server)."""
    if isinstance(led, Path):
        con = sqlite3.connect(led)
        try:
            return dict(con.execute("SELECT id, output FROM attempts").fetchall())
        finally:
            con.close()
    return {int(r[0]): str(r[1]) for r in raw_sql(led, "SELECT id, output FROM attempts")}


def _flag_op(  # type: ignore[no-untyped-def]
    name: str, *, fail: BaseException | None = None, backend: str = "sqlite"
):
    mark = "?" if backend == "sqlite" else "%s"

    async def op(conn: aiosqlite.Connection) -> str:  # or a psycopg connection: same calls
        await conn.execute(f"INSERT INTO flags (name, value) VALUES ({mark}, 'v')", (name,))
        if fail is not None:
            raise fail
        return name

    return op


async def test_many_appends_become_few_commits(ledger: Ledger) -> None:
    attempts = await _running(ledger, 3)
    writer = ledger.writer
    commits0, rows0 = writer.commits, writer.chunk_rows
    expected: dict[int, list[str]] = {a.id: [] for a in attempts}
    for i in range(1000):
        att = attempts[i % 3]
        text = f"<{i}>"
        expected[att.id].append(text)
        ledger.append_output(att.id, text)
    await writer.flush()

    commits = writer.commits - commits0
    rows = writer.chunk_rows - rows0
    assert 1 <= commits <= 10  # 1000 appends, a handful of transactions
    assert 3 <= rows <= commits * 3  # at most one row update per attempt per commit
    for att in attempts:
        (stored,) = await ledger.attempts(att.task_id)
        assert stored.output == "".join(expected[att.id])


async def test_appends_interleaved_with_awaits_stay_batched_and_ordered(ledger: Ledger) -> None:
    attempts = await _running(ledger, 3)
    writer = ledger.writer
    commits0, rows0 = writer.commits, writer.chunk_rows
    for burst in range(10):
        for i in range(100):
            ledger.append_output(attempts[i % 3].id, f"{burst}.{i};")
        await asyncio.sleep(0)
    await writer.flush()

    commits = writer.commits - commits0
    assert 1 <= commits <= 11  # at most one per burst plus the flush
    assert writer.chunk_rows - rows0 <= commits * 3
    for k, att in enumerate(attempts):
        want = "".join(f"{b}.{i};" for b in range(10) for i in range(k, 100, 3))
        (stored,) = await ledger.attempts(att.task_id)
        assert stored.output == want


async def test_empty_text_is_not_buffered(ledger: Ledger) -> None:
    (att,) = await _running(ledger, 1)
    rows0 = ledger.writer.chunk_rows
    ledger.append_output(att.id, "")
    await ledger.writer.flush()
    assert ledger.writer.chunk_rows == rows0


async def test_failing_op_does_not_undo_the_rest_of_its_batch(ledger: Ledger) -> None:
    (att,) = await _running(ledger, 1)
    writer = ledger.writer
    await writer.flush()
    commits0 = writer.commits
    ledger.append_output(att.id, "kept")
    boom = RuntimeError("op two fails")
    on = ledger.backend
    futures = [
        writer.run(_flag_op("one", backend=on)),
        writer.run(_flag_op("two", fail=boom, backend=on)),
        writer.run(_flag_op("one", backend=on)),  # duplicate primary key: IntegrityError
        writer.run(_flag_op("four", backend=on)),
    ]
    results = await asyncio.gather(*futures, return_exceptions=True)

    assert writer.commits - commits0 == 1  # all four ops shared one transaction
    assert results[0] == "one" and results[3] == "four"
    assert results[1] is boom
    # SQLite's own error; PostgreSQL's said as a LedgerError (no driver type leaks out)
    assert isinstance(results[2], sqlite3.IntegrityError if on == "sqlite" else LedgerError)
    assert await ledger.flags() == {"one": "v", "four": "v"}  # "two" rolled back alone
    (stored,) = await ledger.attempts(att.task_id)
    assert stored.output == "kept"


async def test_close_writes_everything_buffered(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    led = await SqliteLedger.open(path, commit_interval=3600)  # nothing commits on its own
    attempts = await _running(led, 2)
    for i in range(50):
        led.append_output(attempts[0].id, f"a{i}")
        led.append_output(attempts[1].id, f"b{i}")
    flag = led.writer.run(_flag_op("last"))
    await led.close()

    assert flag.done() and flag.result() == "last"
    outputs = _disk_outputs(path)
    assert outputs[attempts[0].id] == "".join(f"a{i}" for i in range(50))
    assert outputs[attempts[1].id] == "".join(f"b{i}" for i in range(50))
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT name FROM flags").fetchall() == [("last",)]
    finally:
        con.close()


async def test_run_after_close_is_refused(tmp_path: Path) -> None:
    led = await SqliteLedger.open(tmp_path / "ledger.db")
    await led.close()
    with pytest.raises(LedgerError):
        led.writer.run(_flag_op("late"))


async def test_flush_makes_buffered_text_visible_to_other_connections(
    ledger: Ledger,
) -> None:
    (att,) = await _running(ledger, 1)
    ledger.append_output(att.id, "hello ")
    ledger.append_output(att.id, "world")
    await ledger.writer.flush()
    assert _disk_outputs(ledger)[att.id] == "hello world"


async def test_appends_to_a_finished_attempt_are_dropped(ledger: Ledger) -> None:
    first, second = await _running(ledger, 2)
    ledger.append_output(first.id, "before")
    done = await ledger.finish_attempt(
        first, AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED), NOW + 1
    )
    assert done
    ledger.append_output(first.id, " after")
    ledger.append_output(second.id, "still running")
    await ledger.writer.flush()

    outputs = _disk_outputs(ledger)
    assert outputs[first.id] == "before"
    assert outputs[second.id] == "still running"


async def test_appends_to_an_abandoned_attempt_are_dropped(ledger: Ledger) -> None:
    (att,) = await _running(ledger, 1)
    ledger.append_output(att.id, "partial")
    lost = await ledger.recover(lambda _owner: False, now=NOW + 3600)
    assert [a.id for a in lost] == [att.id]
    ledger.append_output(att.id, " from a zombie")
    await ledger.writer.flush()
    assert _disk_outputs(ledger)[att.id] == "partial"


async def test_buffered_text_commits_without_another_op(ledger: Ledger) -> None:
    (att,) = await _running(ledger, 1)
    await ledger.writer.flush()
    commits0 = ledger.writer.commits
    ledger.append_output(att.id, "streamed")
    # No op follows: the writer must commit the text on its own.
    # Wait for the text to reach the file (interval is 5 ms; the deadline is only a guard).
    for _ in range(400):
        if _disk_outputs(ledger)[att.id] == "streamed":
            break
        await asyncio.sleep(0.005)
    assert _disk_outputs(ledger)[att.id] == "streamed"
    await ledger.writer.flush()
    assert ledger.writer.commits == commits0 + 2  # the text on its own, then the flush


async def test_writes_from_many_tasks_at_once_share_transactions(ledger: Ledger) -> None:
    writer = ledger.writer
    await writer.flush()
    commits0 = writer.commits
    names = [f"f{i}" for i in range(200)]
    got = await asyncio.gather(*(writer.run(_flag_op(n, backend=ledger.backend)) for n in names))
    assert got == names
    assert writer.commits - commits0 < 20
    assert set(await ledger.flags()) == set(names)


async def test_close_is_idempotent(tmp_path: Path) -> None:
    led = await SqliteLedger.open(tmp_path / "ledger.db")
    await led.writer.close()
    await led.writer.close()  # a second close returns at once
    await led.close()
