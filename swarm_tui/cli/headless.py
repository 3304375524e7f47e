"""``swarm-tui run``: the orchestrator without the control room.

``--headless`` (or no terminal) logs one line per event on stderr; otherwise the control room
opens with the orchestrator in-process. SIGTERM, SIGHUP (an SSH link dropping) and Ctrl-C stop
cleanly: running attempts keep their partial output and go back to the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.handlers
import signal
import sys
import time
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core.bus import Subscription
from swarm_tui.core.opening import ledger_name
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.taskfile import load_task_file
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    FallbackUsed,
    Notice,
    RetryScheduled,
    TaskChanged,
)
from swarm_tui.domain.private_files import prepare_private_file
from swarm_tui.domain.reads import Totals
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.runtime import (
    db_path,
    hardware_sampler,
    notifications,
    open_orchestrator,
    settings_from_args,
)

__all__ = ["cmd_run", "exit_line", "log_events"]

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _line(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


async def log_events(sub: Subscription) -> None:
    """One line per task and attempt change (stream text stays in the ledger)."""
    async for event in sub:
        if isinstance(event, AttemptStarted):
            _line(
                f"task #{event.task_id} attempt {event.number} started: {event.agent} on"
                f" {event.provider}/{event.model} ({event.reason})"
            )
        elif isinstance(event, AttemptEnded) and event.state != "succeeded":
            _line(f"task #{event.task_id} attempt {event.state}: {event.error or ''}")
        elif isinstance(event, TaskChanged) and event.state.terminal:
            detail = f": {event.reason}" if event.reason else ""
            _line(f"task #{event.task_id} {event.state.value}{detail}")
        elif isinstance(event, HardwareSampled):
            for alert in event.raised:
                _line(f"hardware {alert.level}: {alert.text}")
        elif isinstance(event, Notice):
            _line(f"{event.level}: {event.text}")
        elif isinstance(event, RetryScheduled):
            _line(f"task #{event.task_id} retry in {event.wait_s:.1f}s: {event.reason}")
        elif isinstance(event, FallbackUsed):
            _line(f"task #{event.task_id} {event.reason}")
        elif isinstance(event, BreakerChanged):
            _line(f"breaker {event.model} {event.state}: {event.reason}")


async def _submit_file(orch: Orchestrator, path: str) -> None:
    specs, labels = load_task_file(Path(path))
    results = await orch.submit(specs, labels)
    new = sum(1 for _, created in results if created)
    _line(f"{path}: {new} task(s) submitted, {len(results) - new} already in the ledger")


async def _run_headless(orch: Orchestrator, *, until_idle: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    sub = orch.bus.subscribe()
    view = asyncio.create_task(log_events(sub))
    runner = asyncio.create_task(orch.run(until_idle=until_idle))
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            _line("stopping: running attempts keep their output and go back to the queue")
        await orch.stop()
        for job in (runner, stopper):
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
        if not runner.cancelled() and runner.exception() is not None:
            raise runner.exception()  # type: ignore[misc]
    finally:
        sub.close()
        with contextlib.suppress(asyncio.CancelledError):
            await view
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)


async def _run_tui(settings: Settings, orch: Orchestrator) -> None:
    from swarm_tui.tui.app import make_app

    # Log lines must not land on the screen: they go to a file next to the ledger.
    log_file = orch.ledger.path.parent / "swarm-tui.log"
    prepare_private_file(log_file)  # 0600: log lines quote prompts and tool output
    logging.basicConfig(
        filename=log_file,
        level=logging.INFO,
        force=True,
        format=LOG_FORMAT,
    )
    app = make_app(settings, orch)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, app.exit)
    try:
        await app.run_async()
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)


def _headless_logging() -> logging.handlers.MemoryHandler:
    """Headless: our own warnings (and swarm-tui's notes) on stderr as plain lines, before any
    library sets up its own (the MCP SDK would otherwise log every HTTP request and tool call
    at INFO through a rich handler). Lines are also held until the log file can be opened
    beside the ledger (:func:`_log_to_file`), so none from the start is missing there."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    held = logging.handlers.MemoryHandler(10_000, flushLevel=logging.CRITICAL + 1)
    logging.basicConfig(level=logging.WARNING, handlers=[handler, held], force=True)
    logging.getLogger("swarm_tui").setLevel(logging.INFO)
    return held


def _log_to_file(held: logging.handlers.MemoryHandler, log_file: Path) -> None:
    """Headless runs also keep their log lines in ``log_file`` (0600: they quote prompts and
    tool output), opened once the ledger is (its folder exists by then); the lines held
    since the start are written first."""
    prepare_private_file(log_file)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    held.setTarget(handler)
    held.flush()
    root = logging.getLogger()
    root.removeHandler(held)
    held.close()
    root.addHandler(handler)


async def cmd_run(args: argparse.Namespace, *, headless: bool) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    until_idle = bool(getattr(args, "until_idle", False))
    screen = not headless and sys.stdout.isatty() and sys.stdin.isatty()
    held = None if screen else _headless_logging()
    async with open_orchestrator(settings, path, check=True) as orch:
        if held is not None:
            _log_to_file(held, path.parent / "swarm-tui.log")
        if args.tasks:
            await _submit_file(orch, args.tasks)
        async with hardware_sampler(settings, orch), notifications(settings, orch):
            if screen:
                await _run_tui(settings, orch)
            else:
                where = ledger_name(settings, path)
                _line(f"ledger {where}; config {settings.source}; {len(settings.agents)} agent(s)")
                await _run_headless(orch, until_idle=until_idle)
        # Stopped first: the attempts still running go back to the queue, so the line below
        # counts them where they are now, not as running.
        await orch.stop()
        totals = await orch.totals()
    _line(exit_line(totals))
    return 0


def exit_line(totals: Totals) -> str:
    """``done: 3 succeeded, 1 queued; tokens 120 in / 40 out`` (``no tasks`` when empty)."""
    states = ", ".join(f"{n} {s}" for s, n in sorted(totals.by_state.items())) or "no tasks"
    return f"done: {states}; tokens {totals.tokens_in} in / {totals.tokens_out} out"
