"""The bridge turns resilience and tool events into what a person sees."""

from __future__ import annotations

from typing import Any

from swarm_tui.domain.events import BreakerChanged, FallbackUsed, RetryScheduled, ToolActivity
from swarm_tui.tui.bridge import Bridge
from swarm_tui.tui.messages import SwarmUpdate
from tests.conftest import OrchFactory


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
