"""The ledger's reads and writes on a real SQLite file: claims, fencing, recovery, readiness."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from swarm_tui.domain.models import Attempt, AttemptState, TaskState, UsageSource
from swarm_tui.store.ledger import Ledger, NewTask, SqliteLedger
from swarm_tui.store.writes import AttemptEnd
from tests.raw_sql import raw_sql

NOW = 1000.0
Q, R, P, S, F, C = (
    TaskState.QUEUED,
    TaskState.RUNNING,
    TaskState.PAUSED,
    TaskState.SUCCEEDED,
    TaskState.FAILED,
    TaskState.CANCELLED,
)


def new(
    title: str = "t",
    *,
    key: str | None = None,
    priority: int = 0,
    after: tuple[int, ...] = (),
    after_batch: tuple[int, ...] = (),
    tags: tuple[str, ...] = (),
) -> NewTask:
    return NewTask(
        title, f"prompt of {title}", "a", priority, "single", tags, key, after, after_batch
    )


async def add(led: Ledger, *items: NewTask, now: float = NOW) -> list[int]:
    return [task_id for task_id, _ in await led.insert_tasks(list(items), now)]


async def claim(
    led: Ledger, task_id: int, *, now: float = NOW, lease: float = 60.0, owner: str = "me"
) -> Attempt | None:
    return await led.claim(
        task_id,
        agent="a",
        provider="p1",
        model="m1",
        reason="why",
        owner=owner,
        now=now,
        lease_until=now + lease,
    )


def end(state: AttemptState, task_state: TaskState | None, **kwargs: object) -> AttemptEnd:
    return AttemptEnd(state, task_state=task_state, **kwargs)  # type: ignore[arg-type]


async def state_of(led: Ledger, task_id: int) -> TaskState:
    task = await led.get_task(task_id)
    assert task is not None
    return task.state


# ------------------------------------------------------------------ inserting


async def test_insert_with_keys_is_idempotent(ledger: Ledger) -> None:
    first = await ledger.insert_tasks([new("a", key="ka"), new("b", key="kb"), new("c")], NOW)
    assert first == [(1, True), (2, True), (3, True)]
    again = await ledger.insert_tasks([new("b2", key="kb"), new("d", key="kd")], NOW + 1)
    assert again == [(2, False), (4, True)]

    tasks = await ledger.list_tasks()
    assert [(t.id, t.title, t.key) for t in tasks] == [
        (1, "a", "ka"),
        (2, "b", "kb"),  # the second submission did not overwrite it
        (3, "c", None),
        (4, "d", "kd"),
    ]
    assert await ledger.existing_keys(["ka", "kd", "zz"]) == {"ka": 1, "kd": 4}
    assert await ledger.existing_ids([1, 4, 99]) == {1, 4}
    by_key = await ledger.task_by_key("kb")
    assert by_key is not None and by_key.id == 2
    assert await ledger.task_by_key("zz") is None


async def test_insert_stores_fields_and_dependencies(ledger: Ledger) -> None:
    (base,) = await add(ledger, new("base"))
    ids = await add(
        ledger,
        new("x", priority=3, tags=("py", "sql")),
        new("y", after=(base,), after_batch=(0,)),
    )
    assert ids == [2, 3]
    x = await ledger.get_task(2)
    y = await ledger.get_task(3)
    assert x is not None and y is not None
    assert (x.priority, x.tags, x.state, x.attempts, x.created_at) == (3, ("py", "sql"), Q, 0, NOW)
    assert x.prompt == "prompt of x" and x.result is None and x.started_at is None
    assert y.after == (1, 2)
    kinds = [kind for kind, _, _ in await ledger.events(3)]
    assert kinds == ["submitted"]


async def test_insert_with_a_missing_dependency_writes_nothing(ledger: Ledger) -> None:
    await add(ledger, new("exists"))
    with pytest.raises(ValueError, match="#42"):
        await add(ledger, new("fine"), new("broken", after=(42,)))
    assert [t.title for t in await ledger.list_tasks()] == ["exists"]
    assert [k for k, _, _ in await ledger.events()] == ["submitted"]


# ------------------------------------------------------------------ claiming


async def test_claim_moves_queued_to_running_once(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid, now=NOW + 5)
    assert att is not None
    assert (att.task_id, att.number, att.state, att.owner) == (tid, 1, AttemptState.RUNNING, "me")
    assert (att.lease_until, att.heartbeat_at, att.started_at) == (NOW + 65, NOW + 5, NOW + 5)
    assert att.output == "" and att.routing_reason == "why"
    task = await ledger.get_task(tid)
    assert task is not None
    assert (task.state, task.attempts, task.started_at) == (R, 1, NOW + 5)
    assert (task.agent, task.provider, task.model) == ("a", "p1", "m1")

    assert await claim(ledger, tid) is None
    assert len(await ledger.attempts(tid)) == 1
    assert await claim(ledger, 999) is None


async def test_concurrent_claims_only_one_wins(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    results = await asyncio.gather(*(claim(ledger, tid, owner=f"o{i}") for i in range(5)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    (stored,) = await ledger.attempts(tid)
    assert stored.id == winners[0].id and stored.owner == winners[0].owner


async def test_claims_from_two_ledgers_on_one_file_only_one_wins(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    other = await SqliteLedger.open(ledger.path, commit_interval=0.005)
    try:
        mine, theirs = await asyncio.gather(
            claim(ledger, tid, owner="me"), claim(other, tid, owner="them")
        )
    finally:
        await other.close()
    assert (mine is None) != (theirs is None)
    (stored,) = await ledger.attempts(tid)
    assert stored.owner == ("me" if mine is not None else "them")


async def test_reclaim_numbers_attempts_and_keeps_first_start(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    first = await claim(ledger, tid, now=NOW)
    assert first is not None
    failed = end(AttemptState.FAILED, Q, error="rate limited")
    assert await ledger.finish_attempt(first, failed, NOW + 1)
    second = await claim(ledger, tid, now=NOW + 2)
    assert second is not None and second.number == 2
    task = await ledger.get_task(tid)
    assert task is not None
    assert task.attempts == 2 and task.started_at == NOW and task.error == "rate limited"


async def test_claim_uses_a_model_pin_once_and_keeps_the_agent_pin(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    assert await ledger.update_task(tid, NOW, "reassigned", pin="p2/m1", pin_agent="b")
    pinned = await ledger.get_task(tid)
    assert pinned is not None and (pinned.pin, pinned.pin_agent) == ("p2/m1", "b")
    assert await claim(ledger, tid) is not None
    task = await ledger.get_task(tid)
    assert task is not None and task.pin is None and task.pin_agent == "b"


# ------------------------------------------------------------------ finishing


async def test_finish_success_copies_output_into_result(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid)
    assert att is not None
    ledger.append_output(att.id, "forty")
    ledger.append_output(att.id, "-two")
    done = end(
        AttemptState.SUCCEEDED,
        S,
        tokens_in=10,
        tokens_out=20,
        usage_source="reported",
        cost_usd=0.5,
        ttft_ms=80.0,
        duration_ms=1500.0,
        result_from_output=True,
    )
    assert await ledger.finish_attempt(att, done, NOW + 2)

    task = await ledger.get_task(tid)
    assert task is not None
    assert (task.state, task.result, task.finished_at, task.error) == (
        S,
        "forty-two",
        NOW + 2,
        None,
    )
    assert (task.tokens_in, task.tokens_out, task.cost_usd) == (10, 20, 0.5)
    (stored,) = await ledger.attempts(tid)
    assert stored.state is AttemptState.SUCCEEDED and stored.output == "forty-two"
    assert stored.usage_source is UsageSource.REPORTED and stored.finished_at == NOW + 2
    assert (stored.ttft_ms, stored.duration_ms) == (80.0, 1500.0)
    usage = raw_sql(ledger, "SELECT attempt_id, tokens_in, tokens_out, source FROM usage")
    assert usage == [(att.id, 10, 20, "reported")]
    assert await ledger.running_attempts() == []
    assert [k for k, _, _ in await ledger.events(tid)][-1] == "attempt_succeeded"


async def test_finish_without_usage_writes_no_usage_row(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid)
    assert att is not None
    assert await ledger.finish_attempt(att, end(AttemptState.FAILED, F, error="x"), NOW + 1)
    assert raw_sql(ledger, "SELECT COUNT(*) FROM usage") == [(0,)]
    task = await ledger.get_task(tid)
    assert task is not None and task.state is F and task.result is None and task.error == "x"


async def test_finish_after_recovery_is_fenced(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid, lease=10)
    assert att is not None
    ledger.append_output(att.id, "partial out")
    lost = await ledger.recover(lambda _o: False, now=NOW + 100)
    assert [a.id for a in lost] == [att.id]

    late = end(AttemptState.SUCCEEDED, S, tokens_out=5, result_from_output=True)
    assert await ledger.finish_attempt(att, late, NOW + 101) is False
    task = await ledger.get_task(tid)
    assert task is not None
    assert (task.state, task.result, task.finished_at) == (Q, None, None)
    (stored,) = await ledger.attempts(tid)
    assert stored.state is AttemptState.ABANDONED and stored.tokens_out is None


async def test_old_attempt_cannot_finish_the_new_one(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    old = await claim(ledger, tid, lease=10)
    assert old is not None
    await ledger.recover(lambda _o: False, now=NOW + 100)
    fresh = await claim(ledger, tid, now=NOW + 101)
    assert fresh is not None and fresh.number == 2

    assert not await ledger.finish_attempt(old, end(AttemptState.FAILED, F), NOW + 102)
    task = await ledger.get_task(tid)
    assert task is not None and task.state is R
    assert [a.id for a in await ledger.running_attempts()] == [fresh.id]


# ------------------------------------------------------------------ recovery


async def test_recover_abandons_expired_leases_and_keeps_output(ledger: Ledger) -> None:
    t1, t2 = await add(ledger, new("expired"), new("alive"))
    a1 = await claim(ledger, t1, lease=10, owner="other-host:1:1")
    a2 = await claim(ledger, t2, lease=500, owner="other-host:1:1")
    assert a1 is not None and a2 is not None
    ledger.append_output(a1.id, "half ")
    ledger.append_output(a1.id, "done")

    lost = await ledger.recover(lambda _o: False, now=NOW + 100)
    assert [a.id for a in lost] == [a1.id]
    (s1,) = await ledger.attempts(t1)
    assert s1.state is AttemptState.ABANDONED and s1.output == "half done"
    assert s1.error is not None and "lease expired" in s1.error and s1.finished_at == NOW + 100
    assert await state_of(ledger, t1) is Q
    (s2,) = await ledger.attempts(t2)
    assert s2.state is AttemptState.RUNNING and await state_of(ledger, t2) is R
    assert ("attempt_abandoned", a1.id) in [(k, a) for k, a, _ in await ledger.events(t1)]


async def test_recover_abandons_attempts_of_a_dead_owner(ledger: Ledger) -> None:
    t1, t2 = await add(ledger, new("dead owner"), new("live owner"))
    a1 = await claim(ledger, t1, lease=500, owner="dead")
    a2 = await claim(ledger, t2, lease=500, owner="live")
    assert a1 is not None and a2 is not None
    lost = await ledger.recover(lambda owner: owner == "dead", now=NOW + 1)
    assert [a.id for a in lost] == [a1.id]
    (s1,) = await ledger.attempts(t1)
    assert s1.error is not None and "stopped" in s1.error
    assert await state_of(ledger, t1) is Q and await state_of(ledger, t2) is R


async def test_renewed_leases_survive_recovery(ledger: Ledger) -> None:
    t1, t2 = await add(ledger, new("mine"), new("theirs"))
    assert await claim(ledger, t1, lease=10, owner="me") is not None
    assert await claim(ledger, t2, lease=10, owner="them") is not None
    assert await ledger.renew_leases("me", NOW + 5, NOW + 200) == 1
    lost = await ledger.recover(lambda _o: False, now=NOW + 100)
    assert [a.task_id for a in lost] == [t2]
    (mine,) = await ledger.attempts(t1)
    assert mine.state is AttemptState.RUNNING and mine.heartbeat_at == NOW + 5


async def test_only_the_named_leases_are_renewed_and_orphans_are_given_up_at_once(
    ledger: Ledger,
) -> None:
    t1, t2, t3 = await add(ledger, new("driven"), new("jobless"), new("orphan"))
    a1 = await claim(ledger, t1, lease=10, owner="me")
    a2 = await claim(ledger, t2, lease=10, owner="me")
    a3 = await claim(ledger, t3, lease=10_000, owner="me")
    assert a1 is not None and a2 is not None and a3 is not None
    assert await ledger.renew_leases("me", NOW + 5, NOW + 200, ids=[a1.id]) == 1
    lost = await ledger.recover(lambda _o: False, now=NOW + 100, orphans={a3.id})
    assert sorted(a.task_id for a in lost) == [t2, t3]
    assert await state_of(ledger, t1) is R
    assert await state_of(ledger, t2) is Q and await state_of(ledger, t3) is Q
    (orphan,) = await ledger.attempts(t3)
    assert orphan.error is not None and "its end could not be recorded" in orphan.error


async def test_recover_requeues_a_running_task_without_a_running_attempt(
    ledger: Ledger,
) -> None:
    (tid,) = await add(ledger, new())
    raw_sql(ledger, "UPDATE tasks SET state = 'running', attempts = 1 WHERE id = ?", (tid,))
    assert await ledger.recover(lambda _o: False, now=NOW) == []
    assert await state_of(ledger, tid) is Q


# ------------------------------------------------------------------ readiness


async def test_ready_tasks_by_priority_then_id(ledger: Ledger) -> None:
    await add(
        ledger,
        new("low", priority=-1),
        new("mid"),
        new("hi1", priority=5),
        new("mid2"),
        new("hi2", priority=5),
    )
    ready = await ledger.ready_tasks(NOW, limit=10)
    assert [t.title for t in ready] == ["hi1", "hi2", "mid", "mid2", "low"]
    assert [t.title for t in await ledger.ready_tasks(NOW, limit=2)] == ["hi1", "hi2"]


async def test_ready_tasks_wait_for_dependencies_to_succeed(ledger: Ledger) -> None:
    dep, child = await add(ledger, new("dep"), new("child", after_batch=(0,)))
    assert [t.id for t in await ledger.ready_tasks(NOW, 10)] == [dep]
    att = await claim(ledger, dep)
    assert att is not None
    assert [t.id for t in await ledger.ready_tasks(NOW, 10)] == []  # dep running
    assert await ledger.finish_attempt(att, end(AttemptState.SUCCEEDED, S), NOW + 1)
    assert [t.id for t in await ledger.ready_tasks(NOW, 10)] == [child]
    assert await ledger.doomed_tasks() == []


async def test_a_dependency_waiting_for_review_lets_same_project_work_start(
    ledger: Ledger,
) -> None:
    """A coding task whose dependency of the same project waits for review starts (from
    that task's branch); one of another project, or with no project, still waits."""
    base = dataclasses.replace(new("dep"), project="proj")
    same = dataclasses.replace(new("same", after_batch=(0,)), project="proj")
    other = dataclasses.replace(new("other", after_batch=(0,)), project="elsewhere")
    plain = new("plain", after_batch=(0,))
    dep, same_id, _, _ = await add(ledger, base, same, other, plain)
    assert (await ledger.get_task(same_id)).project == "proj"  # type: ignore[union-attr]
    att = await claim(ledger, dep)
    assert att is not None
    to_review = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.NEEDS_REVIEW)
    assert await ledger.finish_attempt(att, to_review, NOW + 1)
    assert [t.id for t in await ledger.ready_tasks(NOW, 10)] == [same_id]


async def test_failed_dependency_dooms_its_dependents(ledger: Ledger) -> None:
    dep, child, other = await add(ledger, new("dep"), new("child", after_batch=(0,)), new("other"))
    att = await claim(ledger, dep)
    assert att is not None
    assert await ledger.finish_attempt(att, end(AttemptState.FAILED, F), NOW + 1)
    assert [t.id for t in await ledger.ready_tasks(NOW, 10)] == [other]
    assert await ledger.doomed_tasks() == [(child, dep, "failed")]


async def test_cancelled_dependency_dooms_its_dependents(ledger: Ledger) -> None:
    dep, child = await add(ledger, new("dep"), new("child", after_batch=(0,)))
    assert await ledger.transition(dep, C, {Q}, NOW, event="cancelled")
    assert await ledger.doomed_tasks() == [(child, dep, "cancelled")]


async def test_not_before_holds_a_task_back(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid)
    assert att is not None
    retry = end(AttemptState.FAILED, Q, error="503", not_before=NOW + 30)
    assert await ledger.finish_attempt(att, retry, NOW + 1)
    assert await ledger.ready_tasks(NOW + 29.9, 10) == []
    assert [t.id for t in await ledger.ready_tasks(NOW + 30, 10)] == [tid]


async def test_dep_results_lists_dependency_answers(ledger: Ledger) -> None:
    d1, d2, child = await add(ledger, new("one"), new("two"), new("child", after_batch=(0, 1)))
    att = await claim(ledger, d1)
    assert att is not None
    ledger.append_output(att.id, "answer one")
    ok = end(AttemptState.SUCCEEDED, S, result_from_output=True)
    assert await ledger.finish_attempt(att, ok, NOW + 1)
    assert await ledger.dep_results(child) == [(d1, "one", "answer one"), (d2, "two", "")]


# ------------------------------------------------------------------ transitions and totals


async def test_transition_refuses_from_a_wrong_state(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    assert await ledger.transition(tid, P, {Q, R}, NOW + 1, event="paused")
    assert await state_of(ledger, tid) is P
    assert not await ledger.transition(tid, P, {Q, R}, NOW + 2, event="paused")
    assert not await ledger.transition(tid, S, {R}, NOW + 3, event="done")
    task = await ledger.get_task(tid)
    assert task is not None and task.state is P and task.updated_at == NOW + 1
    kinds = [k for k, _, _ in await ledger.events(tid)]
    assert kinds == ["submitted", "paused"]
    assert await ledger.transition(tid, C, {P}, NOW + 4, event="cancelled")
    task = await ledger.get_task(tid)
    assert task is not None and task.state is C and task.finished_at == NOW + 4
    assert not await ledger.transition(999, C, {Q}, NOW, event="cancelled")


async def test_transition_sets_extra_fields_and_event_data(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    moved = await ledger.transition(
        tid,
        F,
        {Q},
        NOW + 1,
        event="dep_failed",
        fields={"error": "dependency #9 failed"},
        data={"dep": 9},
    )
    assert moved
    task = await ledger.get_task(tid)
    assert task is not None and task.error == "dependency #9 failed"
    kind, _, data = (await ledger.events(tid))[-1]
    assert kind == "dep_failed" and json.loads(data) == {"dep": 9, "to": "failed"}


async def test_totals_count_states_and_usage(ledger: Ledger) -> None:
    t1, t2, t3 = await add(ledger, new(), new(), new())
    for tid, tokens_in, tokens_out, cost, task_state in (
        (t1, 10, 100, 0.25, S),
        (t2, 5, None, 0.0, F),
    ):
        att = await claim(ledger, tid)
        assert att is not None
        done = end(
            AttemptState.SUCCEEDED if task_state is S else AttemptState.FAILED,
            task_state,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=cost,
        )
        assert await ledger.finish_attempt(att, done, NOW + 1)
    assert await claim(ledger, t3) is not None
    totals = await ledger.totals()
    assert totals.by_state == {"succeeded": 1, "failed": 1, "running": 1}
    assert (totals.tokens_in, totals.tokens_out, totals.cost_usd) == (15, 100, 0.25)


async def test_totals_of_an_empty_ledger(ledger: Ledger) -> None:
    totals = await ledger.totals()
    assert totals.by_state == {} and (totals.tokens_in, totals.tokens_out) == (0, 0)
    assert totals.cost_usd == 0.0


async def test_flags_set_overwrite_unset(ledger: Ledger) -> None:
    assert await ledger.flags() == {}
    await ledger.set_flag("paused", "1", NOW)
    await ledger.set_flag("agent.b.paused", "yes", NOW)
    await ledger.set_flag("paused", "2", NOW)
    assert await ledger.flags() == {"paused": "2", "agent.b.paused": "yes"}
    await ledger.set_flag("paused", None, NOW)
    await ledger.set_flag("never-set", None, NOW)
    assert await ledger.flags() == {"agent.b.paused": "yes"}
    assert [k for k, _, _ in await ledger.events()] == ["flag"] * 5


async def test_failed_attempts_count_from_retry_from(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())

    async def fail_once(now: float) -> None:
        att = await claim(ledger, tid, now=now)
        assert att is not None
        assert await ledger.finish_attempt(att, end(AttemptState.FAILED, Q), now)

    await fail_once(NOW)
    await fail_once(NOW + 1)
    assert await ledger.failed_attempts(tid) == 2
    assert await ledger.update_task(tid, NOW + 2, "retried", retry_from=2)
    assert await ledger.failed_attempts(tid) == 0
    await fail_once(NOW + 3)
    assert await ledger.failed_attempts(tid) == 1
    # A stopped attempt is not a failure.
    att = await claim(ledger, tid, now=NOW + 4)
    assert att is not None
    assert await ledger.finish_attempt(att, end(AttemptState.STOPPED, P), NOW + 4)
    assert await ledger.failed_attempts(tid) == 1


async def test_update_task_on_a_missing_task_is_false(ledger: Ledger) -> None:
    assert not await ledger.update_task(42, NOW, "x", priority=3)
    assert await ledger.events() == []


async def test_list_tasks_by_state(ledger: Ledger) -> None:
    t1, t2, t3 = await add(ledger, new(), new(), new())
    assert await claim(ledger, t2) is not None
    assert await ledger.transition(t3, P, {Q}, NOW, event="paused")
    assert [t.id for t in await ledger.list_tasks([Q])] == [t1]
    assert [t.id for t in await ledger.list_tasks([R, P])] == [t2, t3]
    assert [t.id for t in await ledger.list_tasks()] == [t1, t2, t3]


async def test_data_version_changes_when_another_connection_commits(ledger: Ledger) -> None:
    before = await ledger.data_version()
    raw_sql(ledger, "INSERT INTO flags (name, value) VALUES ('x', 'y')")
    # SQLite: at once; PostgreSQL: when the notification arrives (LISTEN).
    for _ in range(600):
        if await ledger.data_version() != before:
            break
        await asyncio.sleep(0.05)
    assert await ledger.data_version() != before
    assert await ledger.flags() == {"x": "y"}


async def test_a_committed_task_is_visible_to_the_next_read_despite_concurrent_reads(
    ledger: Ledger,
) -> None:
    """Regression: a read left half-fetched by another coroutine kept an old snapshot open on
    the shared read connection, so a task just committed read back as missing."""
    import asyncio

    await add(ledger, *[new(f"seed {i}") for i in range(300)])
    stop = asyncio.Event()

    async def busy_reader() -> None:
        while not stop.is_set():
            await ledger.list_tasks()

    readers = [asyncio.create_task(busy_reader()) for _ in range(3)]
    try:
        for i in range(60):
            (task_id,) = await add(ledger, new(f"fresh {i}"))
            assert await ledger.get_task(task_id) is not None, f"task #{task_id} read as missing"
    finally:
        stop.set()
        await asyncio.gather(*readers)


def test_reading_one_task_searches_its_attempts_by_index(tmp_path: Path) -> None:
    """Regression (bench/scale.py): a GROUP BY over all attempts made every task read a scan."""
    import asyncio

    from swarm_tui.store.rows import TASK_SELECT

    db = tmp_path / "plan.db"

    async def create() -> None:
        await (await SqliteLedger.open(db)).close()

    asyncio.run(create())
    conn = sqlite3.connect(db)
    plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + TASK_SELECT + " WHERE t.id = 1")]
    conn.close()
    attempt_steps = [step for step in plan if " a " in f" {step} " or "attempts" in step]
    assert attempt_steps and all(step.startswith("SEARCH") for step in attempt_steps), plan
    assert not any("MATERIALIZE" in step or step.startswith("SCAN") for step in plan), plan


async def test_a_claim_logs_its_start_in_the_event_log(ledger: Ledger) -> None:
    (tid,) = await add(ledger, new())
    att = await claim(ledger, tid)
    assert att is not None
    started = [(k, a, d) for k, a, d in await ledger.events(tid) if k == "attempt_started"]
    data = '{"agent": "a", "model": "p1/m1", "number": 1, "reason": "why"}'
    assert started == [("attempt_started", att.id, data)]  # the same text on both backends
