"""A scheduling pass admits tasks one at a time and claims them all in one transaction."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from swarm_tui.domain.models import Attempt, TaskSpec, TaskState
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger
from tests.conftest import OrchFactory, make_settings
from tests.fakes import FakeProvider, Script


def held(name: str) -> FakeProvider:
    return FakeProvider(name, lambda _r: Script(tokens=["a", "b"], hold_after=1))


def spy_claims(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    real = ledger.claim_many

    async def claim_many(claims: Any, **kwargs: Any) -> list[Attempt | None]:
        sizes.append(len(claims))
        return await real(claims, **kwargs)

    monkeypatch.setattr(ledger, "claim_many", claim_many)
    return sizes


async def test_a_tick_claims_its_pass_in_one_transaction_within_every_limit(
    make_orch: OrchFactory, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(heartbeat_seconds=3600, lease_seconds=7200, max_concurrent=6)
    orch = make_orch(settings, providers={"p1": held("p1"), "p2": held("p2")})
    await orch.submit([TaskSpec(prompt=f"c{i}", role="c") for i in range(3)])
    await orch.submit([TaskSpec(prompt=f"a{i}", role="a") for i in range(6)])
    sizes = spy_claims(ledger, monkeypatch)
    started = await orch.tick()
    attempts = [r.run.attempt for r in orch.running.values()]
    assert sizes == [started] == [len(attempts)]
    # Pending claims of the pass counted toward each limit before any was written.
    by_agent = Counter(a.agent for a in attempts)
    by_provider = Counter(a.provider for a in attempts)
    assert by_agent["c"] == 2  # agent c: max_concurrent 2 of its 3 tasks
    assert by_provider["p1"] <= 4 and by_provider["p2"] <= 4  # providers: max_concurrent 4
    assert started == 6  # the orchestrator's own limit
    for attempt in attempts:
        assert (await orch.task(attempt.task_id)).state == TaskState.RUNNING
    assert await orch.tick() == 0  # full: nothing more admitted, nothing written
    assert sizes == [started]


async def test_a_pass_whose_claims_cannot_be_written_undoes_every_admission(
    make_orch: OrchFactory, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    orch = make_orch(providers={"p1": held("p1"), "p2": held("p2")})
    out = await orch.submit([TaskSpec(prompt=f"a{i}", role="a") for i in range(3)])

    async def broken(*_args: Any, **_kwargs: Any) -> list[Attempt | None]:
        raise LedgerError("disk full")

    monkeypatch.setattr(ledger, "claim_many", broken)
    with pytest.raises(LedgerError, match="disk full"):
        await orch.tick()
    assert not orch.running
    assert not orch.spending.budget._holds
    assert {(await orch.task(t.id)).state for t, _ in out} == {TaskState.QUEUED}
    monkeypatch.undo()
    assert await orch.tick() == 3


async def test_a_claim_lost_inside_a_pass_releases_only_that_task(
    make_orch: OrchFactory, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process claims one task between admission and the pass's write: that claim
    loses (fenced on the task's state), the others start."""
    orch = make_orch(providers={"p1": held("p1"), "p2": held("p2")})
    out = await orch.submit([TaskSpec(prompt=f"a{i}", role="a") for i in range(3)])
    stolen = out[1][0].id
    real = ledger.claim_many

    async def racing(claims: Any, **kwargs: Any) -> list[Attempt | None]:
        await ledger.transition(stolen, TaskState.CANCELLED, {TaskState.QUEUED}, 0.0, event="x")
        return await real(claims, **kwargs)

    monkeypatch.setattr(ledger, "claim_many", racing)
    assert await orch.tick() == 2
    assert stolen not in {r.run.attempt.task_id for r in orch.running.values()}
    # The lost claim's reservation is released; the others are held under their attempts.
    assert set(orch.spending.budget._holds) == set(orch.running)
    assert (await orch.task(stolen)).state == TaskState.CANCELLED


async def test_attempts_ending_together_are_settled_with_one_spend_read(
    make_orch: OrchFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ended attempt releases its reservation and is fed to routing's performance
    figures; attempts that end while a settle waits share its read of the spend."""
    import swarm_tui.core.spending as spending_module

    reads: list[float] = []
    real = spending_module.read_spent

    async def counting(ledger: Ledger, owner: str, now: float) -> Any:
        reads.append(now)
        return await real(ledger, owner, now)

    monkeypatch.setattr(spending_module, "read_spent", counting)
    orch = make_orch(providers={"p1": held("p1"), "p2": held("p2")})
    await orch.submit([TaskSpec(prompt=f"a{i}", role="a") for i in range(3)])
    assert await orch.tick() == 3
    settled: list[int] = []
    orch.spending.on_settled = lambda attempt: settled.append(attempt.id)
    attempts = [r.run.attempt for r in orch.running.values()]
    reads.clear()
    async with orch.spending.lock:  # a settle in progress: the three wait behind it
        for attempt in attempts:
            orch.spending.settle_later(attempt)
    await orch.spending.drain()
    assert len(reads) == 1
    assert sorted(settled) == sorted(a.id for a in attempts)
    assert not set(orch.spending.budget._holds) & {a.id for a in attempts}
