"""The bridge turns resilience and tool events into what a person sees."""

from __future__ import annotations

import asyncio
from typing import Any

from swarm_tui.domain.events import (
    BreakerChanged,
    FallbackUsed,
    RetryScheduled,
    StreamChunk,
    ToolActivity,
)
from swarm_tui.store.ledger import Totals
from swarm_tui.tui.bridge import Bridge
from swarm_tui.tui.messages import SwarmUpdate
from tests.conftest import Clock, OrchFactory
from tests.raw_sql import raw_sql


class Target:
    def __init__(self) -> None:
        self.posted: list[SwarmUpdate] = []

    def post_message(self, message: Any) -> bool:
        self.posted.append(message)
        return True


async def test_retries_fallbacks_breakers_and_tools_become_visible(make_orch: OrchFactory) -> None:
    orch = make_orch()
    target = Target()
    bridge = Bridge(orch, target, flush_ms=1000)  # type: ignore[arg-type]
    orch.bus.publish(RetryScheduled(3, 7, "p1/m1", 4.0, "503 busy"))
    orch.bus.publish(FallbackUsed(3, 8, "p1/m1", "p2/m1", "p1/m1 failed for good: 401"))
    orch.bus.publish(BreakerChanged("p1/m1", "open", "5 failures in a row"))
    orch.bus.publish(ToolActivity(3, 8, "c1", "time__get_current_time", '{"timezone": "UTC"}'))
    orch.bus.publish(ToolActivity(3, 8, "c1", "time__get_current_time", "12:00", is_result=True))
    await bridge.flush_now()
    [update] = target.posted
    texts = [(level, text) for level, text in update.notices]
    assert ("information", "task #3: retry on p1/m1 in 4 s (503 busy)") in texts
    assert ("warning", "task #3: p1/m1 -> p2/m1 (p1/m1 failed for good: 401)") in texts
    assert ("warning", "breaker open: p1/m1 (5 failures in a row)") in texts
    assert update.text[8] == (
        '\n⚙ time__get_current_time {"timezone": "UTC"}\n\n← time__get_current_time 12:00\n'
    )
    await bridge.stop()


async def test_no_new_update_while_the_last_is_not_taken(make_orch: OrchFactory) -> None:
    """Backpressure: what changes before the app takes an update is merged into it."""
    orch = make_orch()
    target = Target()
    bridge = Bridge(orch, target, flush_ms=1000)  # type: ignore[arg-type]
    orch.bus.publish(StreamChunk(1, 5, "hel"))
    orch.bus.publish(RetryScheduled(1, 5, "p1/m1", 4.0, "busy"))
    assert await bridge.flush_now()
    orch.bus.publish(StreamChunk(1, 5, "lo"))
    orch.bus.publish(StreamChunk(2, 6, "other"))
    orch.bus.publish(BreakerChanged("p1/m1", "open", "5 failures"))
    assert await bridge.flush_now()
    [update] = target.posted  # not taken yet: the second flush went into it
    assert update.text == {5: "hello", 6: "other"}
    assert len(update.notices) == 2 and bridge.merged == 1
    update.taken = True  # as SwarmApp.on_swarm_update does first
    orch.bus.publish(StreamChunk(1, 5, "!"))
    assert await bridge.flush_now()
    assert len(target.posted) == 2 and target.posted[1].text == {5: "!"}
    await bridge.stop()


async def test_an_idle_ledger_costs_no_totals_read(make_orch: OrchFactory, clock: Clock) -> None:
    """Totals are read when an event says so; the periodic check reads them only when the
    ledger moved (another process wrote)."""
    orch = make_orch()
    target = Target()
    reads: list[int] = []
    totals = orch.totals

    async def counted() -> Totals:
        reads.append(1)
        return await totals()

    orch.totals = counted  # type: ignore[method-assign]
    bridge = Bridge(orch, target, flush_ms=1000, totals_every=1.0, clock=clock)
    await bridge.flush_now()
    assert len(reads) == 1  # the first
    for _ in range(5):
        clock.now += 2.0
        await bridge.flush_now()
    assert len(reads) == 1  # idle: nothing read again
    before = await orch.ledger.data_version()
    raw_sql(orch.ledger, "INSERT INTO flags (name, value) VALUES ('x', '1')")  # another writer
    for _ in range(1200):  # SQLite: at once; PostgreSQL: when its NOTIFY arrives
        if await orch.ledger.data_version() != before:
            break
        await asyncio.sleep(0.05)
    clock.now += 2.0
    await bridge.flush_now()
    assert len(reads) == 2
    await bridge.stop()
