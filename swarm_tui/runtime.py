"""Assemble settings, ledger, providers and orchestrator for a command."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core.opening import db_path, open_ledger, settings_from_args
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.hw.sampler import make_sampler
from swarm_tui.mcp.hub import attach_hub
from swarm_tui.providers.registry import build_providers

__all__ = [
    "db_path",
    "hardware_sampler",
    "open_ledger",
    "open_orchestrator",
    "settings_from_args",
]


@asynccontextmanager
async def open_orchestrator(
    settings: Settings, path: Path, *, check: bool = False
) -> AsyncIterator[Orchestrator]:
    """Ledger, providers, MCP hub and orchestrator; ``check``: refuse a damaged ledger."""
    ledger = await open_ledger(settings, path, check=check)
    try:
        providers = build_providers(settings, log_dir=path.parent, ledger=path)
        orchestrator = Orchestrator(settings, ledger, providers)
        hub = attach_hub(orchestrator, path.parent)
    except BaseException:
        await ledger.close()
        raise
    try:
        yield orchestrator
    finally:
        try:
            await orchestrator.stop()
        finally:
            await hub.close()
            await ledger.close()


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
