"""``swarm-tui up`` and ``swarm-tui down``: the orchestrator as a service beside the ledger.

``up`` starts it detached from the terminal (its own session, stdin from /dev/null, output to
the log beside the ledger) and returns once it answers on its socket; ``up --foreground``
runs it in this process (for systemd). ``down`` asks it to stop and waits until it is gone.
Exit codes: 0 done, 1 refused or failed (another service holds the ledger, it did not start
or stop in time), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil

from swarm_tui.cli.event_log import LOG_FORMAT, exit_line, log_events
from swarm_tui.core.opening import db_path, settings_from_args
from swarm_tui.domain.private_files import open_append, prepare_private_file
from swarm_tui.service.daemon import serve
from swarm_tui.service.lock import ServiceBusy, ServiceLock, holder_of
from swarm_tui.service.paths import ServicePaths, SocketPathError
from swarm_tui.service.probe import ServiceUnreachable, hello, request

__all__ = ["cmd_down", "cmd_up"]

POLL = 0.05
"""Seconds between looks while ``up`` waits for the service's hello and ``down`` for its end."""


def _paths(args: argparse.Namespace) -> ServicePaths:
    return ServicePaths(db_path(settings_from_args(args.config), args.db))


def _say(text: str) -> None:
    print(f"swarm-tui: {text}", file=sys.stderr, flush=True)


def _busy(paths: ServicePaths, exc: ServiceBusy) -> int:
    _say(f"{paths.ledger} already has a service: {exc}; `swarm-tui down` stops it")
    return 1


def cmd_up(args: argparse.Namespace) -> int:
    try:
        paths = _paths(args)
        paths.socket_address()
    except SocketPathError as exc:
        _say(str(exc))
        return 2
    if args.foreground:
        return _foreground(args, paths)
    holder = holder_of(paths.lock)
    if holder is not None:
        return _busy(paths, ServiceBusy(paths.lock, holder if holder.pid else None))
    return _detach(args, paths)


def _service_logging(log_file: Path, *, stderr: bool) -> None:
    """Log lines in the file beside the ledger (0600), and on stderr in the foreground (a
    detached service's stderr is that file already)."""
    prepare_private_file(log_file)
    handlers: list[logging.Handler] = [logging.FileHandler(log_file, encoding="utf-8")]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logging.basicConfig(level=logging.WARNING, handlers=handlers, force=True)
    logging.getLogger("swarm_tui").setLevel(logging.INFO)


def _foreground(args: argparse.Namespace, paths: ServicePaths) -> int:
    settings = settings_from_args(args.config)
    try:
        lock = ServiceLock.acquire(paths.lock)
    except ServiceBusy as exc:
        return _busy(paths, exc)
    try:
        _service_logging(paths.log, stderr=not args.detached)
        totals = asyncio.run(serve(settings, paths.ledger, lock, watch=log_events))
    except SocketPathError as exc:
        _say(str(exc))
        return 1
    finally:
        lock.release()
    _say(f"service stopped; {exit_line(totals)}")
    return 0


def _detach(args: argparse.Namespace, paths: ServicePaths) -> int:
    """Start ``up --foreground`` in a session of its own and wait for its hello."""
    command = [sys.executable, "-m", "swarm_tui", "--db", str(paths.ledger)]
    if args.config:
        command += ["--config", str(Path(args.config).absolute())]
    command += ["up", "--foreground", "--detached"]
    with open_append(paths.log, binary=True) as log:
        start = log.seek(0, os.SEEK_END)
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        if child.poll() is not None:
            _say(f"the service did not start (exit {child.returncode}); from {paths.log}:")
            with paths.log.open("rb") as log_file:
                log_file.seek(start)
                sys.stderr.write(log_file.read().decode("utf-8", "replace"))
            return 1
        try:
            greeting = hello(paths, timeout=1.0)
        except ServiceUnreachable:
            time.sleep(POLL)
            continue
        if greeting.get("pid") == child.pid:
            print(
                f"service up: pid {child.pid}, ledger {paths.ledger}\n"
                f"  socket {paths.socket}\n  log {paths.log}\n"
                "  swarm-tui down stops it",
                flush=True,
            )
            return 0
        time.sleep(POLL)
    _say(f"the service (pid {child.pid}) did not answer within {args.wait:g} s; see {paths.log}")
    return 1


def _alive(pid: int) -> bool:
    """The process still runs (a zombie waiting for its parent to reap it has ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def cmd_down(args: argparse.Namespace) -> int:
    paths = _paths(args)
    holder = holder_of(paths.lock)
    if holder is None:
        _say(f"no service runs on {paths.ledger}")
        return 0
    try:
        request(paths, "shutdown", {})
    except ServiceUnreachable as exc:
        if not holder.pid:
            _say(f"the service is starting and does not answer yet ({exc}); try again")
            return 1
        _say(f"the service does not answer ({exc}); sending it SIGTERM (pid {holder.pid})")
        with contextlib.suppress(ProcessLookupError):
            os.kill(holder.pid, signal.SIGTERM)
    deadline = time.monotonic() + args.wait
    here = holder.host == socket.gethostname()
    while holder_of(paths.lock) is not None or (here and _alive(holder.pid)):
        if time.monotonic() > deadline:
            _say(
                f"the service (pid {holder.pid}) still runs after {args.wait:g} s; see {paths.log}"
            )
            return 1
        time.sleep(POLL)
    print(f"service stopped (pid {holder.pid}); running work went back to the queue", flush=True)
    return 0
