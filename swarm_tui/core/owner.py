"""Who owns a running attempt: host, pid and process start time, so a restarted
orchestrator can tell at once that the previous one is gone (and a reused pid is not it)."""

from __future__ import annotations

import os
import socket

import psutil

__all__ = ["HOST_ENV", "host_name", "host_of_owner", "is_dead", "owner_id"]

HOST_ENV = "SWARM_TUI_HOST"
"""Overrides the host name owners carry: two workers on one machine can present two hosts
(the crash campaign on PostgreSQL does), and a host whose name changes keeps one identity."""


def host_name() -> str:
    return os.environ.get(HOST_ENV) or socket.gethostname()


def owner_id(pid: int | None = None) -> str:
    pid = os.getpid() if pid is None else pid
    started = psutil.Process(pid).create_time()
    return f"{host_name()}:{pid}:{started:.3f}"


def host_of_owner(owner: str) -> str:
    """``gpu-laptop:4242:1700000000.000`` -> ``gpu-laptop`` (an id :func:`owner_id` made;
    anything else is taken whole)."""
    parts = owner.rsplit(":", 2)
    return parts[0] if len(parts) == 3 else owner


def is_dead(owner: str) -> bool:
    """True when ``owner`` is a process on this host that no longer runs.

    Owners on other hosts are never declared dead here; their leases expire instead.
    """
    parts = owner.rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, pid_text, started_text = parts
    if host != host_name():
        return False
    try:
        pid, started = int(pid_text), float(started_text)
    except ValueError:
        return False
    if pid <= 0:
        return False
    try:
        proc = psutil.Process(pid)
        return abs(proc.create_time() - started) > 0.01 or proc.status() == psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return True
    except psutil.Error:
        return False
