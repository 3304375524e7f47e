"""``swarm-tui run``: the orchestrator without the control room.

``--headless`` (or no terminal) logs one line per event on stderr; otherwise the control room
opens. When the ledger's service answers (``swarm-tui up``), the room **attaches** to it: no
orchestrator here, every command through the socket, and quitting or SIGHUP (an SSH link
dropping) only detaches. Otherwise the orchestrator runs in-process: SIGTERM, SIGHUP and
Ctrl-C stop cleanly (running attempts keep their partial output and go back to the queue), and
a person quitting with work running may hand the run over to a service instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import logging.handlers
import signal
import sys
from pathlib import Path

from swarm_tui.cli.event_log import LOG_FORMAT, exit_line, log_events
from swarm_tui.cli.event_log import line as _line
from swarm_tui.config import Settings
from swarm_tui.core.opening import ledger_name
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.taskfile import task_file
from swarm_tui.domain.private_files import prepare_private_file
from swarm_tui.goals.run import run_with_goals
from swarm_tui.runtime import (
    db_path,
    hardware_sampler,
    notifications,
    open_orchestrator,
    settings_from_args,
)
from swarm_tui.service.client import ServiceClient, ServiceError
from swarm_tui.service.paths import ServicePaths

__all__ = ["cmd_run", "exit_line", "log_events"]  # the last two re-exported from event_log

SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


async def _submit_file(orch: Orchestrator, path: str) -> None:
    read = task_file(Path(path))
    results = await orch.submit(read.specs, read.labels) if read.specs else []
    new = sum(1 for _, created in results if created)
    _line(f"{path}: {new} task(s) submitted, {len(results) - new} already in the ledger")
    if read.goals:
        from swarm_tui.goals.engine import GoalEngine

        engine = GoalEngine(orch)
        for spec in read.goals:
            goal = await engine.start(spec.request, workflow=spec.workflow, key=spec.key)
            _line(f"{path}: goal #{goal.id} {goal.state.value}: {spec.request[:60]}")


async def _run_headless(orch: Orchestrator, *, until_idle: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    sub = orch.bus.subscribe()
    view = asyncio.create_task(log_events(sub))
    runner = asyncio.create_task(run_with_goals(orch, until_idle=until_idle))
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


def _room_logging(log_file: Path) -> None:
    """Log lines must not land on the screen: they go to a file next to the ledger."""
    prepare_private_file(log_file)  # 0600: log lines quote prompts and tool output
    logging.basicConfig(
        filename=log_file,
        level=logging.INFO,
        force=True,
        format=LOG_FORMAT,
    )


async def _run_room(settings: Settings, swarm: Orchestrator | ServiceClient) -> bool:
    """The control room until it closes; True when the person chose to hand the run over
    to a service."""
    from swarm_tui.tui.app import make_app

    app = make_app(settings, swarm)
    if isinstance(swarm, ServiceClient):
        await swarm.subscribe(interactive=True)  # the live streams come first, into the room
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, app.exit)
    try:
        await app.run_async()
    finally:
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
    return app.handover


async def _attach(path: Path) -> ServiceClient | None:
    """A client of the ledger's service, or None when none runs (no socket, or nobody
    answers on it: then this room runs the swarm itself)."""
    if not ServicePaths(path).socket.exists():
        return None
    try:
        return await ServiceClient.connect(path, wait=5.0)
    except ServiceError as exc:
        logging.getLogger("swarm_tui").warning("not attaching: %s", exc)
        return None


async def _run_attached(
    settings: Settings, client: ServiceClient, path: Path, tasks: str | None
) -> int:
    _room_logging(ServicePaths(path).log)
    try:
        if tasks:
            read = task_file(Path(tasks))
            results = await client.submit(read.specs, read.labels) if read.specs else []
            new = sum(1 for _, created in results if created)
            logging.getLogger("swarm_tui").info("%s: %d task(s) submitted", tasks, new)
            if read.goals:
                logging.getLogger("swarm_tui").warning(
                    "%s: %d goal(s) not started: a room attached to a service does not start "
                    "goals yet; use swarm-tui goal",
                    tasks,
                    len(read.goals),
                )
        await _run_room(settings, client)
    finally:
        await client.close()
    _line(
        f"detached from the service (pid {client.hello.get('pid')}): it goes on;"
        " swarm-tui attaches again, swarm-tui down stops it"
    )
    return 0


def _hand_over(args: argparse.Namespace, path: Path) -> int:
    """``swarm-tui up`` for this ledger and config (this room's orchestrator is closed)."""
    from swarm_tui.cli.service import cmd_up

    _line("handing the run over to a service")
    up = argparse.Namespace(
        config=args.config, db=str(path), foreground=False, wait=120.0, detached=False
    )
    return cmd_up(up)


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
    if screen and (client := await _attach(path)) is not None:
        return await _run_attached(settings, client, path, args.tasks)
    handover = False
    async with open_orchestrator(settings, path, check=True) as orch:
        if held is not None:
            _log_to_file(held, path.parent / "swarm-tui.log")
        else:
            _room_logging(path.parent / "swarm-tui.log")
        if args.tasks:
            await _submit_file(orch, args.tasks)
        async with hardware_sampler(settings, orch), notifications(settings, orch):
            if screen:
                handover = await _run_room(settings, orch)
            else:
                where = ledger_name(settings, path)
                _line(f"ledger {where}; config {settings.source}; {len(settings.agents)} agent(s)")
                await _run_headless(orch, until_idle=until_idle)
        # Stopped first: the attempts still running go back to the queue, so the line below
        # counts them where they are now, not as running.
        await orch.stop()
        totals = await orch.totals()
    _line(exit_line(totals))
    if handover:  # the attempts stopped here are back in the queue: the service takes them
        return await asyncio.to_thread(_hand_over, args, path)
    return 0
