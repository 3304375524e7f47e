"""Assemble settings, ledger, providers and orchestrator for a command."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core.feed import Feed
from swarm_tui.core.notify import Notifier
from swarm_tui.core.opening import db_path, open_ledger, settings_from_args
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.evals.shadow import ShadowSampler, shadow_settings
from swarm_tui.hw.sampler import make_sampler
from swarm_tui.mcp.hub import attach_hub
from swarm_tui.providers.registry import build_providers

__all__ = [
    "change_feed",
    "db_path",
    "hardware_sampler",
    "notifications",
    "open_ledger",
    "open_orchestrator",
    "settings_from_args",
    "shadow_samples",
]


@asynccontextmanager
async def open_orchestrator(
    settings: Settings, path: Path, *, check: bool = False
) -> AsyncIterator[Orchestrator]:
    """Ledger, providers, MCP hub and orchestrator; ``check``: refuse a damaged ledger."""
    settings = shadow_settings(settings)
    ledger = await open_ledger(settings, path, check=check)
    try:
        providers = build_providers(settings, log_dir=path.parent, ledger=path)
        orchestrator = Orchestrator(settings, ledger, providers)
        hub = attach_hub(orchestrator, path.parent)
    except BaseException:
        await ledger.close()
        raise
    try:
        async with change_feed(orchestrator, feed_interval(settings)), shadow_samples(orchestrator):
            yield orchestrator
    finally:
        try:
            await orchestrator.stop()
        finally:
            await hub.close()
            await ledger.close()


def feed_interval(settings: Settings) -> float:
    """Other processes' changes are read at the room's stream flush rate."""
    ui = settings.ui
    return (max(ui.stream_flush_ms, 500) if ui.low_bandwidth else ui.stream_flush_ms) / 1000


@asynccontextmanager
async def change_feed(orch: Orchestrator, interval: float) -> AsyncIterator[Feed]:
    """Other processes' changes on ``orch``'s bus while this lasts (core/feed.py): a task of
    its own cancelled, paused or reassigned elsewhere stops here, flags follow the ledger (a
    pause elsewhere stops the attempts here that it covers)."""
    feed = Feed(
        orch.ledger, orch.bus, owner=orch.owner, on_task=orch.stop_moved,
        on_flag=orch.flag_elsewhere,
    )  # fmt: skip
    await feed.start()
    job = asyncio.create_task(feed.run(interval), name="change-feed")
    try:
        yield feed
    finally:
        await feed.close(job)


@asynccontextmanager
async def shadow_samples(orch: Orchestrator) -> AsyncIterator[ShadowSampler | None]:
    """Shadow samples of live work while this lasts, when ``[eval] shadow_rate`` is set."""
    if orch.settings.eval.shadow_rate <= 0 or orch.settings.budget.baseline is None:
        yield None
        return
    sampler = ShadowSampler(orch)
    job = asyncio.create_task(sampler.run(), name="shadow-samples")
    try:
        yield sampler
    finally:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


@asynccontextmanager
async def hardware_sampler(settings: Settings, orch: Orchestrator) -> AsyncIterator[None]:
    """Sample the GPU host onto the orchestrator's bus while a run lasts (``[hardware]``)."""
    if not settings.hardware.enabled:
        yield
        return
    sampler = make_sampler(settings.hardware, publish=orch.bus.publish)
    job = asyncio.create_task(sampler.run(), name="hardware-sampler")
    try:
        yield
    finally:
        await sampler.aclose()
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job


@asynccontextmanager
async def notifications(settings: Settings, orch: Orchestrator) -> AsyncIterator[Notifier]:
    """Push what needs a person to the ``[notify]`` URLs while a run lasts (headless, the
    room's own orchestrator, a service); on the way out, what waits is sent."""
    notifier = Notifier(orch, settings)
    notifier.start()
    try:
        yield notifier
    finally:
        await notifier.aclose()
