"""The change feed: every writer's changes logged by the schema's triggers, read from a cursor
with a search of the primary key, told apart by origin, and pruned."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.changes import CHANGES_KEPT, Change, ChangeReader, OwnWrites
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger, NewTask, SqliteLedger
from swarm_tui.store.tools import Approval
from swarm_tui.store.writes import AttemptEnd


def _new(title: str, priority: int = 0) -> NewTask:
    return NewTask(title, title, "a", priority, "single", (), None, ())


def _kinds(changes: list[Change]) -> list[tuple[str, int | None, int | None, str | None]]:
    return [(c.kind, c.task_id, c.attempt_id, c.name) for c in changes]


async def _read(reader: ChangeReader) -> list[Change]:
    batch = await reader.read()
    assert batch is not None and not batch.lost
    return batch.changes


async def test_every_kind_of_write_is_logged_and_tagged_by_who_wrote_it(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    here = await SqliteLedger.open(path, commit_interval=0.005)
    other = await SqliteLedger.open(path, commit_interval=0.005)  # another connection, another tag
    try:
        reader = ChangeReader(here.changes)
        await reader.start()
        assert await reader.read() is None  # nothing committed: one PRAGMA, no query

        [(task_id, _)] = await other.insert_tasks([_new("t1")], 1.0)
        [attempt] = await other.claim_many(
            [Claim(task_id, "a", "p1", "m1", "why")], owner="o:1:1", now=2.0, lease_until=99.0
        )
        assert attempt is not None
        other.append_output(attempt.id, "hello")
        await other.writer.flush()
        await other.renew_leases("o:1:1", 3.0, 100.0)  # a heartbeat is no change to show
        await other.finish_attempt(
            attempt,
            AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED, tokens_out=3),
            4.0,
        )
        await other.set_flag("paused_all", "1", 5.0)
        await other.set_flag("paused_all", None, 5.0)
        await other.set_approval(Approval("a", "fs__write", "h", "always", "human", 6.0))
        await other.put_memory("proj", "notes", "text", "human", 7.0)
        await other.delete_memory("proj", "notes")
        changes = await _read(reader)
        assert not any(c.own for c in changes)
        assert _kinds(changes) == [
            ("task", task_id, None, None),  # submitted
            ("task", task_id, None, None),  # claimed
            ("attempt", task_id, attempt.id, None),  # started
            ("output", task_id, attempt.id, None),
            ("attempt", task_id, attempt.id, None),  # ended (state, usage)
            ("task", task_id, None, None),  # succeeded
            ("flag", None, None, "paused_all"),
            ("flag", None, None, "paused_all"),
            ("approval", None, None, "a/fs__write"),
            ("memory", None, None, "proj/notes"),
            ("memory", None, None, "proj/notes"),
        ]
        assert [c.seq for c in changes] == list(range(changes[0].seq, changes[0].seq + 11))

        await here.update_task(task_id, 8.0, "priority", priority=5)
        [mine] = await _read(reader)
        assert (mine.kind, mine.task_id, mine.own) == ("task", task_id, True)
    finally:
        await other.close()
        await here.close()


async def test_a_writer_outside_swarm_tui_is_logged_too(tmp_path: Path) -> None:
    """Triggers catch every writer: here a hand-run sqlite3 connection (untagged: foreign)."""
    path = tmp_path / "ledger.db"
    led = await SqliteLedger.open(path, commit_interval=0.005)
    try:
        [(task_id, _)] = await led.insert_tasks([_new("t1")], 1.0)
        reader = ChangeReader(led.changes)
        await reader.start()
        con = sqlite3.connect(path)
        con.execute("UPDATE tasks SET priority = 9 WHERE id = ?", (task_id,))
        con.commit()
        con.close()
        [change] = await _read(reader)
        assert (change.kind, change.task_id, change.own) == ("task", task_id, False)
    finally:
        await led.close()


async def test_the_feed_query_searches_the_primary_key(ledger: Ledger) -> None:
    plan = await ledger.changes.explain_since()
    if ledger.backend == "sqlite":
        assert any("USING INTEGER PRIMARY KEY (rowid>?)" in line for line in plan), plan
        assert not any(line.startswith("SCAN") for line in plan), plan
    else:
        assert any("Index Scan using changes_pkey" in line for line in plan), plan
        assert not any("Seq Scan" in line for line in plan), plan


async def test_old_changes_are_pruned_and_a_reader_left_behind_is_told(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    led = await SqliteLedger.open(path, commit_interval=0.005)
    try:
        [(task_id, _)] = await led.insert_tasks([_new("t1")], 1.0)
        behind = ChangeReader(led.changes)
        await behind.start()
        con = sqlite3.connect(path)
        with con:  # 60,000 changes from another writer, in one go
            con.executemany(
                "UPDATE tasks SET priority = ? WHERE id = ?",
                [(n, task_id) for n in range(60_000)],
            )
        (count, low, high) = con.execute(
            "SELECT COUNT(*), MIN(seq), MAX(seq) FROM changes"
        ).fetchone()
        con.close()
        assert count <= CHANGES_KEPT + 1_000
        assert high - low + 1 == count  # the newest are all there, none skipped
        batch = await behind.read()
        assert batch is not None and batch.lost  # what it missed is gone: read the world
        assert batch.changes[0].seq == low and batch.more

        fresh = ChangeReader(led.changes)
        await fresh.start()
        assert fresh.cursor == high
        await led.update_task(task_id, 2.0, "priority", priority=1)
        batch = await fresh.read()
        assert batch is not None and not batch.lost and len(batch.changes) == 1
    finally:
        await led.close()


async def test_a_full_batch_is_read_on_without_another_commit(ledger: Ledger) -> None:
    reader = ChangeReader(ledger.changes)
    await reader.start()
    await ledger.insert_tasks([_new(f"t{n}") for n in range(5)], 1.0)
    first = await reader.read(limit=3)
    second = await reader.read(limit=3)  # no commit since: read on anyway
    assert first is not None and second is not None
    assert first.more and not second.more
    assert [c.task_id for c in first.changes + second.changes] == [1, 2, 3, 4, 5]
    assert await reader.read(limit=3) is None


async def test_own_changes_are_told_apart_when_two_writers_interleave(tmp_path: Path) -> None:
    """Each writer notes the numbers its transactions logged: interleaved commits of two
    ledgers and a hand-run sqlite3 are each marked own by their own ledger only."""
    path = tmp_path / "ledger.db"
    here = await SqliteLedger.open(path, commit_interval=0.005)
    other = await SqliteLedger.open(path, commit_interval=0.005)
    try:
        mine, theirs = ChangeReader(here.changes), ChangeReader(other.changes)
        await mine.start()
        await theirs.start()
        [(a, _)] = await here.insert_tasks([_new("a")], 1.0)
        [(b, _)] = await other.insert_tasks([_new("b")], 1.0)
        con = sqlite3.connect(path)
        with con:
            con.execute("UPDATE tasks SET priority = 3 WHERE id = ?", (a,))
        con.close()
        await here.update_task(b, 2.0, "priority", priority=4)
        await other.update_task(a, 3.0, "priority", priority=5)
        seen_here, seen_there = await _read(mine), await _read(theirs)
        assert [(c.task_id, c.own) for c in seen_here] == [
            (a, True), (b, False), (a, False), (b, True), (a, False),
        ]  # fmt: skip
        assert [c.seq for c in seen_there] == [c.seq for c in seen_here]
        assert [c.own for c in seen_there] == [False, True, False, False, True]
    finally:
        await other.close()
        await here.close()


def test_own_writes_hold_ranges_and_take_back_an_uncommitted_one() -> None:
    own = OwnWrites()
    own.add(0, 3)  # 1..3
    own.add(3, 5)  # right after: one range 1..5
    own.add(9, 9)  # nothing logged
    own.add(9, 12)  # 10..12
    assert [n for n in range(14) if n in own] == [1, 2, 3, 4, 5, 10, 11, 12]
    own.retract(9, 12)  # its COMMIT failed: 10..12 will be someone's again
    own.add(5, 6)
    own.retract(5, 6)  # a failed extension shrinks back
    assert [n for n in range(14) if n in own] == [1, 2, 3, 4, 5]
    own.add(100, 100 + CHANGES_KEPT + 2_000)  # far ahead: the old range is forgotten
    assert 3 not in own and 101 in own
