"""Agent limits in the ledger (``store/claim_room.py``), on both backends, with two ledger
connections standing for two processes or hosts: a claim counts the running attempts of its
agent of every owner (a consensus run's too) and of its own batch, and is refused past the
agent's limit; the swarm's load says what each owner runs of each agent."""

from __future__ import annotations

from swarm_tui.domain.models import AttemptState, TaskState
from swarm_tui.store.claims import Claim
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.writes import AttemptEnd
from tests.store.test_ledger import NOW, add, new
from tests.store.test_provider_slots import twin

A, B = "gpu-laptop:22:2.000", "host-b:11:1.000"


async def claim(
    led: Ledger, task_id: int, owner: str, agent: str = "w", provider: str = "cloud"
) -> bool:
    [got] = await led.claim_many(
        [Claim(task_id, agent, provider, "m1", "r")], owner=owner, now=NOW, lease_until=NOW + 60
    )
    return got is not None


async def test_a_claim_past_the_agent_s_limit_is_refused_whoever_runs_the_others(
    ledger: Ledger,
) -> None:
    """``w`` limited to 1, its provider to 8: A's attempt of ``w`` keeps B's claim of ``w``
    out (another agent still gets in); once A's attempt ends B's claim goes through."""
    other = await twin(ledger)
    try:
        for led in (ledger, other):
            led.provider_limits = {"cloud": 8}
            led.agent_limits = {"w": 1, "x": 1}
        first, second, third = await add(ledger, new("one"), new("two"), new("three"))
        assert await claim(ledger, first, A)
        assert not await claim(other, second, B)  # A runs w's one attempt
        assert not await claim(ledger, second, A)  # and A's own second claim neither
        assert await claim(other, third, B, agent="x")  # another agent is free
        assert [t.state for t in await other.get_tasks([second])] == [TaskState.QUEUED]
        loads = {(r.agent, r.owner): r.count for r in await other.swarm_load(NOW)}
        assert loads == {("w", A): 1, ("x", B): 1}
        [running] = [a for a in await other.running_attempts() if a.owner == A]
        end = AttemptEnd(AttemptState.SUCCEEDED, task_state=TaskState.SUCCEEDED)
        assert await ledger.finish_attempt(running, end, NOW + 1)
        assert await claim(other, second, B)  # w's place is free again
    finally:
        await other.close()


async def test_a_batch_counts_its_own_claims_and_a_consensus_run_of_the_agent(
    ledger: Ledger,
) -> None:
    ledger.agent_limits = {"w": 2}
    ids = await add(ledger, *(new(f"t{i}") for i in range(6)))
    assert await claim(ledger, ids[0], B, provider="consensus")  # a consensus run of w
    batch = [Claim(i, "w", "cloud", "m1", "r") for i in ids[1:5]]
    got = await ledger.claim_many(
        [*batch, Claim(ids[5], "x", "cloud", "m1", "r")], owner=A, now=NOW, lease_until=NOW + 60
    )
    assert [a is not None for a in got] == [True, False, False, False, True]


async def test_without_a_limit_an_agent_s_claims_are_not_counted(ledger: Ledger) -> None:
    ledger.agent_limits = {"other": 1}
    ids = await add(ledger, *(new(f"t{i}") for i in range(3)))
    got = await ledger.claim_many(
        [Claim(i, "w", "cloud", "m1", "r") for i in ids], owner=A, now=NOW, lease_until=NOW + 60
    )
    assert all(a is not None for a in got)
