"""Provider slots in the ledger (``store/slots.py``), on both backends, with two ledger
connections standing for two processes or hosts: a consensus call's hold and another
owner's claim share the provider's limit; holds end by release, by lease, or with their
owner; the swarm's load is one read."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger, SqliteLedger
from swarm_tui.store.writes import AttemptEnd
from tests.store.test_ledger import NOW, add, new

A, B = "host-a:11:1.000", "gpu-laptop:22:2.000"


async def twin(ledger: Ledger) -> Ledger:
    """Another connection to the same ledger (another process, or another host)."""
    if ledger.backend == "sqlite":
        return await SqliteLedger.open(ledger.path, commit_interval=0.005)
    from swarm_tui.store.pg.ledger import PgLedger

    pg = cast(PgLedger, ledger)
    return await PgLedger.open(pg.target, Path(pg.path), commit_interval=0.005)


async def claim(led: Ledger, task_id: int, owner: str, provider: str = "ollama") -> bool:
    [got] = await led.claim_many(
        [Claim(task_id, "a", provider, "llama", "r")], owner=owner, now=NOW, lease_until=NOW + 60
    )
    return got is not None


async def hold(led: Ledger, owner: str, *, until: float = NOW + 60, limit: int = 1) -> int | None:
    return await led.take_slot(
        "ollama", "llama", limit=limit, owner=owner, purpose="consensus", now=NOW,
        lease_until=until,
    )  # fmt: skip


async def test_a_hold_and_another_owner_s_claim_share_the_limit(ledger: Ledger) -> None:
    """``ollama`` limited to 1: a consensus call's hold on A keeps B's claim out, and B's
    running attempt keeps A's next hold out; a release lets the other in at once."""
    other = await twin(ledger)
    try:
        for led in (ledger, other):
            led.provider_limits = {"ollama": 1, "cloud": 8}
        first, second = await add(ledger, new("one"), new("two"))
        slot = await hold(ledger, A)
        assert slot is not None
        assert not await claim(other, first, B)  # the GPU is held by A's consensus call
        assert await claim(other, first, B, provider="cloud")  # another provider is free
        assert await ledger.release_slot(slot)
        assert not await ledger.release_slot(slot)  # released once
        assert await claim(other, second, B)
        assert await hold(ledger, A) is None  # B's attempt runs on the GPU now
        assert await hold(ledger, A, limit=2) is not None  # a limit of 2 has room for both
        loads = {(r.provider, r.owner): r.count for r in await ledger.swarm_load(NOW)}
        assert loads == {("cloud", B): 1, ("ollama", B): 1, ("ollama", A): 1}
    finally:
        await other.close()


async def test_a_batch_of_claims_counts_holds_and_its_own_claims(ledger: Ledger) -> None:
    ledger.provider_limits = {"ollama": 2}
    ids = await add(ledger, *(new(f"t{i}") for i in range(4)))
    assert await hold(ledger, A, limit=2) is not None
    got = await ledger.claim_many(
        [Claim(i, "a", "ollama", "llama", "r") for i in ids], owner=B, now=NOW,
        lease_until=NOW + 60,
    )  # fmt: skip
    assert [a is not None for a in got] == [True, False, False, False]


async def test_a_dead_owner_s_holds_end_by_lease_and_recovery_drops_them(
    ledger: Ledger,
) -> None:
    ledger.provider_limits = {"ollama": 1}
    [task_id] = await add(ledger, new("t"))
    lapsed = await hold(ledger, A, until=NOW + 10)  # A dies; nothing renews this
    assert lapsed is not None
    assert not await claim(ledger, task_id, B)
    assert await ledger.renew_slots(A, NOW, NOW + 30, [lapsed]) == 1  # while A lived
    assert await ledger.renew_slots(B, NOW, NOW + 90, [lapsed]) == 0  # only by its owner
    later = NOW + 31  # its lease is past: no longer counted, gone at the next recovery
    assert await ledger.swarm_load(later) == []
    [got] = await ledger.claim_many(
        [Claim(task_id, "a", "ollama", "llama", "r")], owner=B, now=later, lease_until=later + 60
    )
    assert got is not None
    assert await ledger.recover(lambda _o: False, later) == []
    assert not await ledger.release_slot(lapsed)  # recovery deleted it


async def test_recovery_drops_the_holds_of_an_owner_whose_process_is_gone(
    ledger: Ledger,
) -> None:
    gone = await hold(ledger, A, limit=2)
    kept = await hold(ledger, B, limit=2)
    assert gone is not None and kept is not None
    await ledger.recover(lambda owner: owner == A, NOW)
    assert [(r.owner, r.count) for r in await ledger.swarm_load(NOW)] == [(B, 1)]
    assert await ledger.release_slot(kept) and not await ledger.release_slot(gone)


async def test_the_swarm_s_load_counts_running_attempts_by_owner_and_model(
    ledger: Ledger,
) -> None:
    ids = await add(ledger, new("x"), new("y"), new("z"))
    for task_id, owner in zip(ids, (A, A, B), strict=True):
        assert await claim(ledger, task_id, owner)
    [running, *_] = [a for a in await ledger.running_attempts() if a.owner == A]
    end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
    assert await ledger.finish_attempt(running, end, NOW + 1)
    rows = sorted((r.provider, r.model, r.owner, r.count) for r in await ledger.swarm_load(NOW))
    assert rows == sorted([("ollama", "llama", A, 1), ("ollama", "llama", B, 1)])
