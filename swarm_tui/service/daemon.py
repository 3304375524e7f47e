"""The service's life: the orchestrator, its socket, its signals, its clean stop.

SIGTERM, SIGINT and a ``shutdown`` request stop it the way a headless run stops: running
attempts keep their partial output and their tasks go back to the queue. SIGHUP is logged
and ignored: the service outlives the terminal (and the SSH link) it was started from.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from swarm_tui import __version__
from swarm_tui.config import Settings
from swarm_tui.core.bus import Subscription
from swarm_tui.goals.run import run_with_goals
from swarm_tui.runtime import hardware_sampler, notifications, open_orchestrator
from swarm_tui.service.lock import Holder, ServiceLock
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.server import ServiceServer
from swarm_tui.store.records import Totals

__all__ = ["serve"]

log = logging.getLogger("swarm_tui.service")

STOPS = (signal.SIGTERM, signal.SIGINT)

Watcher = Callable[[Subscription], Coroutine[Any, Any, None]]


def _hangup() -> None:
    log.info("SIGHUP ignored: the service outlives its terminal (swarm-tui down stops it)")


async def serve(
    settings: Settings, ledger: Path, lock: ServiceLock, *, watch: Watcher | None = None
) -> Totals:
    """Serve ``ledger`` until told to stop; returns the ledger's totals after the stop."""
    paths = ServicePaths(ledger)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in STOPS:
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, _hangup)
    try:
        async with open_orchestrator(settings, paths.ledger, check=True) as orch:
            await orch.start()  # what a killed run left running is recovered before clients act
            server = ServiceServer(orch, paths, on_shutdown=stop.set)
            await server.start()
            sub = orch.bus.subscribe()
            view = asyncio.create_task(watch(sub)) if watch is not None else None
            holder = Holder(
                pid=os.getpid(),
                host=socket.gethostname(),
                started_at=time.time(),
                socket=str(paths.socket),
                version=__version__,
            )
            lock.record(holder)
            log.info(
                "service up: pid %d, ledger %s, config %s", holder.pid, ledger, settings.source
            )
            try:
                async with hardware_sampler(settings, orch), notifications(settings, orch):
                    await _run_until_stopped(run_with_goals(orch), stop, server)
                    await orch.stop()
            finally:
                await server.close()
                sub.close()
                if view is not None:
                    with contextlib.suppress(asyncio.CancelledError):
                        await view
            return await orch.totals()
    finally:
        for sig in (*STOPS, signal.SIGHUP):
            loop.remove_signal_handler(sig)


async def _run_until_stopped(
    run: Awaitable[None], stop: asyncio.Event, server: ServiceServer
) -> None:
    runner = asyncio.ensure_future(run)
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stop.is_set():
        log.info("stopping: running attempts keep their output and go back to the queue")
    await server.stop_listening()  # new clients learn at once that it is going
    for job in (runner, stopper):
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    if not runner.cancelled() and runner.exception() is not None:
        raise runner.exception()  # type: ignore[misc]
