"""Budget holds in the ledger (``store/holds.py``), on both backends: two holders on one
ledger (two connections, as two processes or two hosts) never both admit against the same
remaining budget; ``day`` and ``task`` scopes count every holder's holds, ``run`` and
``role`` only the claimer's; a hold goes with its attempt's end, and with recovery once its
owner's lease expired."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.claims import Claim
from swarm_tui.store.holds import HoldAsk
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.writes import AttemptEnd
from tests.store.test_ledger import NOW, add, new

A, B = "host-a:1:1", "host-b:1:1"


async def open_second(ledger: Ledger, tmp_path: Path, request: pytest.FixtureRequest) -> Ledger:
    """Another connection to ``ledger``'s database: another process, or another host."""
    if ledger.backend == "sqlite":
        return await SqliteLedger.open(ledger.path, commit_interval=0.005)
    from swarm_tui.store.pg.ledger import PgLedger

    target = request.getfixturevalue("pg_target")
    folder = tmp_path / "other"
    return await PgLedger.open(target, folder / "ledger.db", commit_interval=0.005)


@pytest.fixture
async def other(
    ledger: Ledger, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Ledger]:
    led = await open_second(ledger, tmp_path, request)
    yield led
    await led.close()


async def hold(
    led: Ledger, task_id: int, owner: str, ask: HoldAsk, *, agent: str = "a", lease: float = 60.0
) -> int | None:
    """Claim ``task_id`` with the hold ``ask``; the attempt's id, or None if refused."""
    attempt = await led.claim(
        task_id, agent=agent, provider="p1", model="m1", reason="why", owner=owner, now=NOW,
        lease_until=NOW + lease, hold=ask,
    )  # fmt: skip
    return None if attempt is None else attempt.id


async def test_two_holders_racing_for_one_worst_case_admit_exactly_one(
    ledger: Ledger, other: Ledger
) -> None:
    t1, t2 = await add(ledger, new("one"), new("two"))
    ask_a, ask_b = HoldAsk(0.6, {"day": 1.0}), HoldAsk(0.6, {"day": 1.0})
    got = await asyncio.gather(hold(ledger, t1, A, ask_a), hold(other, t2, B, ask_b))
    assert sum(g is not None for g in got) == 1
    lost = ask_b if got[0] is not None else ask_a
    won = ask_a if lost is ask_b else ask_b
    assert won.why is None
    assert lost.why == "worst case $0.6000 > daily budget left $0.4000"
    [held] = await ledger.budget_holds()
    assert (held.amount, held.owner) == (0.6, A if won is ask_a else B)
    assert await other.budget_holds() == [held]
    refused = t2 if got[0] is not None else t1
    assert (await ledger.get_task(refused)).state is TaskState.QUEUED  # type: ignore[union-attr]


async def test_a_batch_counts_its_own_earlier_holds(ledger: Ledger) -> None:
    ids = await add(ledger, new("a"), new("b"), new("c"))
    asks = [HoldAsk(0.4, {"day": 1.0}) for _ in ids]
    claims = [Claim(i, "a", "p1", "m1", "why", ask) for i, ask in zip(ids, asks, strict=True)]
    got = await ledger.claim_many(claims, owner=A, now=NOW, lease_until=NOW + 60)
    assert [g is not None for g in got] == [True, True, False]
    assert asks[2].why == "worst case $0.4000 > daily budget left $0.2000"
    assert sorted(h.task_id for h in await ledger.budget_holds()) == ids[:2]


async def test_day_and_task_count_every_holder_run_and_role_only_their_own(
    ledger: Ledger, other: Ledger
) -> None:
    t1, t2, t3, t4 = await add(ledger, new("a1"), new("b1"), new("b2"), new("b3"))
    assert await hold(ledger, t1, A, HoldAsk(0.6, {"day": 1.0})) is not None
    day = HoldAsk(0.6, {"run": 1.0, "day": 1.0})
    assert await hold(other, t2, B, day) is None
    assert day.why == "worst case $0.6000 > daily budget left $0.4000"
    run_only = HoldAsk(0.6, {"run": 1.0, "role:a": 1.0})  # A's hold is not B's run's
    assert await hold(other, t2, B, run_only) is not None
    role = HoldAsk(0.6, {"role:a": 1.0})  # B's own holds count in B's role scope
    assert await hold(other, t3, B, role) is None
    assert role.why == "worst case $0.6000 > a's budget left $0.4000"
    assert await hold(other, t3, B, HoldAsk(0.6, {"role:b": 1.0}), agent="b") is not None

    # A task's settled cost counts whoever spent it: A's attempt on t4 ends, B claims t4 next.
    a4 = await ledger.claim(
        t4, agent="a", provider="p1", model="m1", reason="why", owner=A, now=NOW,
        lease_until=NOW + 60,
    )  # fmt: skip
    assert a4 is not None
    end = AttemptEnd(AttemptState.FAILED, task_state=TaskState.QUEUED, cost_usd=0.5)
    assert await ledger.finish_attempt(a4, end, NOW + 1)
    task = HoldAsk(0.4, {f"task:{t4}": 0.8})
    assert await hold(other, t4, B, task) is None
    assert task.why == f"worst case $0.4000 > task #{t4}'s budget left $0.3000"


async def test_a_finished_attempt_releases_its_hold_with_its_cost_settled(
    ledger: Ledger, other: Ledger
) -> None:
    t1, t2 = await add(ledger, new("one"), new("two"))
    attempt_id = await hold(ledger, t1, A, HoldAsk(0.6, {"day": 1.0}))
    assert attempt_id is not None
    early = HoldAsk(0.85, {"day": 1.0})
    assert await hold(other, t2, B, early) is None  # 0.6 held
    [attempt] = await ledger.attempts_by_id([attempt_id])
    end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED, cost_usd=0.1)
    assert await ledger.finish_attempt(attempt, end, NOW + 1)
    assert await other.budget_holds() == []
    assert (await other.spent(B, NOW + 1)).day == pytest.approx(0.1)
    assert await hold(other, t2, B, HoldAsk(0.85, {"day": 1.0})) is not None  # 0.1 spent
    last = HoldAsk(0.1, {"day": 1.0})
    [t3] = await add(ledger, new("three"))
    assert await hold(ledger, t3, A, last) is None
    assert last.why == "worst case $0.1000 > daily budget left $0.0500"


async def test_recovery_releases_a_dead_owners_holds_once_its_lease_expired(
    ledger: Ledger, other: Ledger
) -> None:
    t1, t2 = await add(ledger, new("one"), new("two"))
    assert await hold(ledger, t1, A, HoldAsk(0.6, {"day": 1.0}), lease=60) is not None
    assert await other.renew_leases(A, NOW + 50, NOW + 100) == 1  # A's heartbeat: still alive
    await other.recover(lambda _owner: False, NOW + 61)
    assert [h.owner for h in await other.budget_holds()] == [A]
    assert await hold(other, t2, B, HoldAsk(0.6, {"day": 1.0})) is None

    # A's host dies: no more heartbeats; once its lease is past, B's recovery frees its hold.
    lost = await other.recover(lambda _owner: False, NOW + 101)
    assert [a.task_id for a in lost] == [t1]
    assert await other.budget_holds() == [] and await ledger.budget_holds() == []
    assert await hold(other, t2, B, HoldAsk(0.6, {"day": 1.0})) is not None
    assert [h.owner for h in await ledger.budget_holds()] == [B]


async def test_held_elsewhere_is_every_other_owners_live_holds(
    ledger: Ledger, other: Ledger
) -> None:
    t1, t2 = await add(ledger, new("one"), new("two"))
    assert await hold(ledger, t1, A, HoldAsk(0.25, {"day": 1.0})) is not None
    assert await hold(other, t2, B, HoldAsk(0.5, {"day": 1.0})) is not None
    assert (await ledger.spent(A, NOW)).held_elsewhere == pytest.approx(0.5)
    assert (await other.spent(B, NOW)).held_elsewhere == pytest.approx(0.25)
    assert (await other.spent("host-c:1:1", NOW)).held_elsewhere == pytest.approx(0.75)
