"""The PostgreSQL ledger's own promises, on a real server (tests/pg.py): claims from several
hosts at once, the change feed across connections (LISTEN/NOTIFY), leases on the server's
clock, migrations in the database, passwords kept out of every message."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import psycopg
import pytest

from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.changes import ChangeReader
from swarm_tui.store.claims import Claim
from swarm_tui.store.identity import LedgerError
from swarm_tui.store.pg.ledger import PgLedger
from swarm_tui.store.pg.schema import PG_MIGRATIONS, PG_SCHEMA_VERSION
from swarm_tui.store.pg.url import PgTarget, redact_url
from swarm_tui.store.writes import AttemptEnd
from tests.pg import PgServer
from tests.store.test_ledger import NOW, new

WAIT = 60.0


async def _open(target: PgTarget, tmp_path: Path, **kwargs: object) -> PgLedger:
    return await PgLedger.open(target, tmp_path / "ledger.db", commit_interval=0.005, **kwargs)  # type: ignore[arg-type]


async def test_two_hosts_claiming_one_queue_never_claim_a_task_twice(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    host_a, host_b = await _open(pg_target, tmp_path), await _open(pg_target, tmp_path)
    try:
        made = await host_a.insert_tasks([new(f"t{i}") for i in range(60)], NOW)
        ids = [task_id for task_id, _ in made]

        async def claimer(led: PgLedger, owner: str) -> list[int]:
            got: list[int] = []
            for start in range(0, len(ids), 6):  # passes of 6, both hosts on the same tasks
                batch = [Claim(t, "a", "p1", "m1", "why") for t in ids[start : start + 6]]
                claimed = await led.claim_many(batch, owner=owner, now=NOW, lease_until=NOW + 60)
                got += [a.task_id for a in claimed if a is not None]
            return got

        a, b = await asyncio.gather(claimer(host_a, "a:1:1"), claimer(host_b, "b:1:1"))
        assert sorted(a + b) == ids  # every task claimed, none twice
        assert not set(a) & set(b)
        running = await host_b.running_attempts()
        assert sorted(r.task_id for r in running) == ids
        assert all(r.number == 1 for r in running)
    finally:
        await host_a.close()
        await host_b.close()


async def test_a_change_on_one_host_wakes_the_feed_of_another(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    here, there = await _open(pg_target, tmp_path), await _open(pg_target, tmp_path)
    try:
        reader = ChangeReader(there.changes)  # type: ignore[arg-type]
        await reader.start()
        before = await there.data_version()
        [(task_id, _)] = await here.insert_tasks([new("from here")], NOW)
        await here.set_flag("paused", "1", NOW)
        goal = await here.insert_goal("a goal", GoalState.PLANNING, NOW)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while await there.data_version() == before and loop.time() < deadline:
            await asyncio.sleep(0.02)  # the NOTIFY travels to the other connection
        batch = await reader.read()
        assert batch is not None
        kinds = [(c.kind, c.task_id, c.name, c.own) for c in batch.changes]
        assert ("task", task_id, None, False) in kinds  # not its own: another host wrote it
        assert ("flag", None, "paused", False) in kinds
        assert ("goal", goal.id, False) in [(c.kind, c.row_id, c.own) for c in batch.changes]
        own = await ChangeReader(here.changes).changes.since(0)  # type: ignore[arg-type]
        assert all(c.own for c in own.changes)  # the writer's own connection tagged them
    finally:
        await here.close()
        await there.close()


async def test_leases_are_kept_on_the_servers_clock(pg_target: PgTarget, tmp_path: Path) -> None:
    """A host whose clock is 100 s behind claims with a 60 s lease: on the server's clock the
    lease still has 60 s to run, so a host with the right time does not take the task."""
    right, behind = await _open(pg_target, tmp_path), await _open(pg_target, tmp_path)
    try:
        behind.offset = 100.0  # the server's clock minus this host's
        [(task_id, _)] = await right.insert_tasks([new()], NOW)
        late_now = NOW - 100.0
        attempt = await behind.claim(
            task_id, agent="a", provider="p1", model="m1", reason="r", owner="behind:1:1",
            now=late_now, lease_until=late_now + 60,
        )  # fmt: skip
        assert attempt is not None and attempt.lease_until == NOW + 60
        assert await right.recover(lambda _o: False, now=NOW + 30) == []
        lost = await right.recover(lambda _o: False, now=NOW + 61)
        assert [a.id for a in lost] == [attempt.id]
        task = await right.get_task(task_id)
        assert task is not None and task.state is TaskState.QUEUED
    finally:
        await right.close()
        await behind.close()


async def test_migrations_are_versioned_in_the_database(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    first = await _open(pg_target, tmp_path)
    assert first.created
    await first.close()
    again = await _open(pg_target, tmp_path)
    assert not again.created
    await again.close()
    with psycopg.connect(pg_target.url, password=pg_target.password()) as con:
        rows = con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall()
        assert rows == [(i + 1, name) for i, (name, _) in enumerate(PG_MIGRATIONS)]
        con.execute("INSERT INTO schema_version VALUES (%s, 'future', 0)", (PG_SCHEMA_VERSION + 1,))
    with pytest.raises(LedgerError, match="newer swarm-tui"):
        await _open(pg_target, tmp_path)


async def test_a_read_only_open_of_an_empty_database_creates_nothing(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    with pytest.raises(LedgerError, match="no ledger here yet"):
        await _open(pg_target, tmp_path, readonly=True)
    with psycopg.connect(pg_target.url, password=pg_target.password()) as con:
        count = con.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert count == (0,)


async def test_a_database_of_another_application_is_left_untouched(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    with psycopg.connect(pg_target.url, password=pg_target.password(), autocommit=True) as con:
        con.execute("CREATE TABLE invoices (id INT)")
    with pytest.raises(LedgerError, match=re.escape("not a swarm-tui ledger (tables invoices")):
        await _open(pg_target, tmp_path)
    with psycopg.connect(pg_target.url, password=pg_target.password()) as con:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
    assert names == [("invoices",)]


async def test_a_wrong_password_is_refused_and_never_shown(
    pg_server: PgServer, pg_target: PgTarget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pg_target.password_env, "not-the-password-3141")
    with pytest.raises(LedgerError) as caught:
        await _open(pg_target, tmp_path)
    message = str(caught.value)
    assert "password authentication failed" in message
    assert "not-the-password-3141" not in message and pg_server.password not in message
    assert message.startswith(pg_target.shown)


def test_urls_are_shown_without_their_secrets() -> None:
    assert redact_url("postgresql://u:hunter2@db:5432/swarm") == "postgresql://u:***@db:5432/swarm"
    assert redact_url("postgresql://u@db/swarm?password=x&sslmode=require") == (
        "postgresql://u@db/swarm?password=***&sslmode=***"
    )
    assert redact_url("postgresql://u@db/swarm") == "postgresql://u@db/swarm"


async def test_a_provider_limit_holds_across_hosts(pg_target: PgTarget, tmp_path: Path) -> None:
    """``ollama`` limited to 1 (one GPU): while an attempt runs on it anywhere, no host claims
    another on it; other providers are not held back; once it ends, the next one may start."""
    host_a, host_b = await _open(pg_target, tmp_path), await _open(pg_target, tmp_path)
    try:
        for led in (host_a, host_b):
            led.provider_limits = {"ollama": 1, "cloud": 8}
        ids = [t for t, _ in await host_a.insert_tasks([new(f"t{i}") for i in range(8)], NOW)]

        async def grab(led: PgLedger, owner: str, task_id: int) -> int | None:
            [att] = await led.claim_many(
                [Claim(task_id, "a", "ollama", "llama", "r")], owner=owner, now=NOW,
                lease_until=NOW + 60,
            )  # fmt: skip
            return None if att is None else att.id

        got = await asyncio.gather(
            *(grab(host_a if i % 2 else host_b, f"h{i % 2}:1:1", t) for i, t in enumerate(ids))
        )
        started = [g for g in got if g is not None]
        assert len(started) == 1  # eight tries from two hosts at once: one GPU, one attempt
        other = await host_b.claim(
            ids[-1] if got[-1] is None else ids[0], agent="a", provider="cloud", model="m",
            reason="r", owner="h0:1:1", now=NOW, lease_until=NOW + 60,
        )  # fmt: skip
        assert other is not None  # another provider is not held back
        [running] = [a for a in await host_a.running_attempts() if a.provider == "ollama"]
        done = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
        assert await host_a.finish_attempt(running, done, NOW + 1)
        waiting = [t for t, g in zip(ids, got, strict=True) if g is None and t != other.task_id]
        assert await grab(host_b, "h0:1:1", waiting[0]) is not None  # the GPU is free again
        assert await grab(host_a, "h1:1:1", waiting[1]) is None
    finally:
        await host_a.close()
        await host_b.close()


async def test_a_read_only_ledger_is_woken_by_other_writers(
    pg_target: PgTarget, tmp_path: Path
) -> None:
    """``result --wait`` and ``logs -f`` read a read-only ledger and wait for changes."""
    writer = await _open(pg_target, tmp_path)
    reader = await _open(pg_target, tmp_path, readonly=True)
    try:
        before = await reader.data_version()
        await writer.set_flag("x", "1", NOW)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while await reader.data_version() == before and loop.time() < deadline:
            await asyncio.sleep(0.02)
        assert await reader.data_version() != before
        assert await reader.flags() == {"x": "1"}
    finally:
        await reader.close()
        await writer.close()
