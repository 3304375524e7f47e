"""An agent CLI the orchestrator started, as the ledger records it.

Each CLI runs as a child process in its own process group. Its record (pid, process group,
host, and the process's start time, which a reused pid does not share) lets a restarted
orchestrator find a CLI that outlived a killed one and stop it (``core/orphans.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChildProcess", "ChildRecord"]


@dataclass(frozen=True, slots=True)
class ChildProcess:
    """A CLI process as its provider started it."""

    pid: int
    pgid: int
    """Its process group (the CLI runs in its own session: the group is the leader's pid)."""
    started: float
    """The process's start time (psutil ``create_time()``): with the pid, its identity."""
    command: str
    """The program's name, as launched (``claude``, ``codex``...)."""


@dataclass(frozen=True, slots=True)
class ChildRecord:
    """A running CLI child of an attempt, on the host that started it."""

    attempt_id: int
    task_id: int
    host: str
    """The host whose orchestrator started it (``$SWARM_TUI_HOST`` or the host name)."""
    owner: str
    """The orchestrator that started it (the attempt's owner)."""
    child: ChildProcess
    created_at: float
