"""An orchestrator's run with its goals moving on: what ``run``, the service and ``goal``
schedule (the control room runs the same two pieces as workers of its own)."""

from __future__ import annotations

import asyncio
import contextlib

from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.goals.engine import GoalEngine

__all__ = ["run_with_goals"]


async def run_with_goals(orch: Orchestrator, *, until_idle: bool = False) -> None:
    """Schedule, and move the goals in hand on as their tasks end; with ``until_idle`` the
    run ends once nothing can run and no goal has a next step."""
    engine = GoalEngine(orch)
    driver = asyncio.create_task(engine.drive_active(), name="goals")
    try:
        while True:
            await orch.run(until_idle=until_idle)
            if not until_idle or orch.parts.scheduler.stopping:
                return
            moved = await engine.advance_active()  # the driver may have moved one just now too
            if not moved and await orch.parts.scheduler.idle():
                return
    finally:
        driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driver
