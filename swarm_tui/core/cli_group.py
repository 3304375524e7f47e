"""A recorded agent CLI's process group on this host: is it still ours, and stopping it.

A CLI runs as the leader of its own session (``start_new_session``: its process group id and
session id are its pid); the tools it starts (node helpers, shells, MCP servers) join that
group. The ledger records the leader's pid, group and start time (``ChildProcess``). What
runs now is ours only when it is provably the recorded group:

* the leader with the recorded pid, start time and group, with every other member of the
  group as below; or
* the leader gone (exited, or a zombie), and every process left in the group one that
  started after the recorded start, in the same session. Linux does not hand out a pid while
  a process group or session of that id has a member, so such processes are the CLI's own
  (the one case this cannot rule out: the whole group ended, the pid came round again to a
  new session leader, which exited in turn leaving its own children; the recorded start
  time bounds how far back that can be).

A pid now held by another process (another start time, or not in the group) means the
group cannot be ours: nothing is touched. Nor is it when any member fails the test, or when
a member cannot be read (another user's process). Signals go to each proven member through
psutil, which checks the process's start time again before signalling, never to the group id
as a whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from typing import Literal

import psutil

from swarm_tui.domain.children import ChildProcess

__all__ = ["Found", "identify", "members", "terminate_group"]

Found = Literal["alive", "left", "gone", "not_ours", "unproven"]
"""``alive``: the leader runs (with its group); ``left``: the leader has exited but processes
of its group remain, provably its own; ``gone``: nothing of it runs; ``not_ours``: its pid
now names another process; ``unproven``: its group holds a process not provably its own.
The last two are never touched."""

_SAME_START = 0.01
"""Seconds two start times may differ by and still be one process (as ``core/owner.py``)."""
_POLL_S = 0.05


def identify(child: ChildProcess) -> Found:
    """What runs now of the recorded ``child`` (see :data:`Found`)."""
    leader = _leader(child)
    if leader == "not_ours":
        return "not_ours"
    found = members(child)
    if found is None:
        return "unproven"
    if leader == "alive":
        return "alive"
    return "left" if found else "gone"


def _leader(child: ChildProcess) -> Literal["alive", "gone", "not_ours"]:
    try:
        proc = psutil.Process(child.pid)
        if abs(proc.create_time() - child.started) > _SAME_START:
            return "not_ours"  # the pid came round again: the group id cannot be ours either
        if proc.status() == psutil.STATUS_ZOMBIE:
            return "gone"
        if os.getpgid(child.pid) != child.pgid:
            return "not_ours"
    except (psutil.NoSuchProcess, ProcessLookupError):
        return "gone"
    except (psutil.Error, OSError):
        return "not_ours"  # cannot tell (another user's process): never touched
    return "alive"


def members(child: ChildProcess) -> list[psutil.Process] | None:
    """The running processes of ``child``'s group (the leader first, when it runs), each
    proven ours; None when any process of the group is not provably ours (then none is)."""
    if child.pgid != child.pid and _held_by_another(child):
        return None
    found: list[psutil.Process] = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) != child.pgid:
                continue
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue  # exited; nothing to stop
            ours = (
                os.getsid(proc.pid) == child.pgid
                and proc.create_time() >= child.started - _SAME_START
            )
        except (psutil.NoSuchProcess, ProcessLookupError):
            continue  # gone meanwhile
        except (psutil.Error, OSError):
            return None  # cannot tell
        if not ours:
            return None
        found.append(proc)
    found.sort(key=lambda p: p.pid != child.pid)
    return found


def _held_by_another(child: ChildProcess) -> bool:
    """Whether the group's id names a process other than the recorded leader."""
    try:
        return abs(psutil.Process(child.pgid).create_time() - child.started) > _SAME_START
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True


async def terminate_group(child: ChildProcess, grace: float) -> bool:
    """SIGTERM the proven members of ``child``'s group, wait up to ``grace`` seconds for them
    to exit (members they start meanwhile are found and told too), then SIGKILL the ones
    left. True when SIGKILL was needed. Nothing is signalled when the group is not provably
    ours (:func:`members`)."""
    told: dict[int, psutil.Process] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while True:  # not our children: nothing to wait on but their state
        now = members(child)
        if now is None:
            return False
        for proc in now:
            if proc.pid not in told:
                told[proc.pid] = proc
                _send(proc, signal.SIGTERM)
        if not now or loop.time() >= deadline:
            break
        await asyncio.sleep(_POLL_S)
    killed = False
    for _ in range(20):  # what forks while it is killed is found the next round
        now = members(child)
        if not now:
            break
        for proc in now:
            _send(proc, signal.SIGKILL)
        killed = True
        await asyncio.sleep(_POLL_S)
    return killed


def _send(proc: psutil.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(psutil.Error):
        proc.send_signal(sig)  # psutil refuses a pid reused since (it checks the start time)
