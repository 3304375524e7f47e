"""Agent CLIs a killed orchestrator left running: recorded while they run, stopped on recovery.

Each CLI an attempt starts is recorded in the ledger (:class:`AttemptChildren`, the request's
``watch``: pid, process group, host, start time) and forgotten when it exits. When an
attempt is given up (the orchestrator's start, a lease that expired) its recorded CLIs are
looked at (:func:`stop_orphans`): on this host, one still running whose start time matches
the record (not a reused pid) has its process group stopped (SIGTERM, the provider's
``kill_grace_seconds``, then SIGKILL), so the task's next attempt is the only agent on it;
the attempt's error and the event log (``orphan_cli``) say what was stopped. A process whose
identity does not match is never touched. A CLI on another host is left to that host: its
next start stops it (:func:`stop_left_children`), and the event says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Iterable
from typing import Literal

import psutil

from swarm_tui.config import Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.owner import host_name, is_dead
from swarm_tui.domain.children import ChildProcess, ChildRecord
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import Attempt
from swarm_tui.store.ledger import Ledger

__all__ = ["AttemptChildren", "Found", "identify", "stop_left_children", "stop_orphans"]

log = logging.getLogger("swarm_tui.orchestrator")

Found = Literal["alive", "gone", "not_ours"]

_SAME_START = 0.01
"""Seconds two start times may differ by and still be one process (as ``core/owner.py``)."""
_POLL_S = 0.05
_DEFAULT_GRACE_S = 5.0


class AttemptChildren:
    """The ``watch`` of an attempt's requests: records each CLI it starts, clears it on exit.
    A ledger that cannot be written is logged, never the attempt's failure."""

    def __init__(self, ledger: Ledger, attempt: Attempt, clock: Callable[[], float]) -> None:
        self.ledger = ledger
        self.attempt = attempt
        self.clock = clock

    async def started(self, child: ChildProcess) -> None:
        a = self.attempt
        rec = ChildRecord(a.id, a.task_id, host_name(), a.owner, child, self.clock())
        try:
            await self.ledger.record_child(rec)
        except Exception as exc:
            log.warning("task #%d: cannot record %s (pid %d): %s", a.task_id, child.command,
                        child.pid, exc)  # fmt: skip

    async def ended(self, child: ChildProcess) -> None:
        try:
            await self.ledger.clear_child(self.attempt.id, child.pid)
        except Exception as exc:
            log.warning("task #%d: cannot clear the record of pid %d: %s", self.attempt.task_id,
                        child.pid, exc)  # fmt: skip


def identify(child: ChildProcess) -> Found:
    """Whether the recorded ``child`` still runs here: ``alive`` (same pid, same start time,
    same group), ``gone``, or ``not_ours`` (its pid now names another process)."""
    try:
        proc = psutil.Process(child.pid)
        if abs(proc.create_time() - child.started) > _SAME_START:
            return "not_ours"
        if proc.status() == psutil.STATUS_ZOMBIE:
            return "gone"
        if os.getpgid(child.pid) != child.pgid:
            return "not_ours"
    except (psutil.NoSuchProcess, ProcessLookupError):
        return "gone"
    except (psutil.Error, OSError):
        return "not_ours"  # cannot tell (another user's process): never touched
    return "alive"


async def stop_orphans(
    settings: Settings, ledger: Ledger, bus: EventBus, lost: list[Attempt], now: float
) -> list[str]:
    """Stop the CLIs the given-up attempts ``lost`` left running on this host; tell the
    ledger and the bus what became of each. Returns the notes written."""
    if not lost:
        return []
    records = await ledger.children([a.id for a in lost])
    return await _settle(settings, ledger, bus, records, {a.id: a for a in lost}, now)


async def stop_left_children(
    settings: Settings, ledger: Ledger, bus: EventBus, now: float
) -> list[str]:
    """At start: stop the CLIs recorded on this host whose attempt no longer runs (left by a
    run killed here, or given up by another host, which left them to this one)."""
    records = await ledger.children_left(host_name())
    if not records:
        return []
    attempts = await ledger.attempts_by_id({r.attempt_id for r in records})
    return await _settle(settings, ledger, bus, records, {a.id: a for a in attempts}, now)


async def _settle(
    settings: Settings,
    ledger: Ledger,
    bus: EventBus,
    records: Iterable[ChildRecord],
    attempts: dict[int, Attempt],
    now: float,
) -> list[str]:
    here = host_name()
    stops: list[asyncio.Task[str | None]] = []
    for rec in records:
        attempt = attempts.get(rec.attempt_id)
        grace = _DEFAULT_GRACE_S
        if attempt is not None and (provider := settings.providers.get(attempt.provider)):
            grace = provider.launch.kill_grace_seconds
        stops.append(asyncio.create_task(_settle_one(ledger, rec, here, grace, now)))
    notes = [n for n in await asyncio.gather(*stops) if n]
    for note in notes:
        log.warning("%s", note)
        bus.publish(Notice("warning", note))
    return notes


async def _settle_one(
    ledger: Ledger, rec: ChildRecord, here: str, grace: float, now: float
) -> str | None:
    c = rec.child
    task = f"task #{rec.task_id}"
    if rec.host != here:
        note = (f"{task}: {c.command} (pid {c.pid}) was started on host {rec.host}: left to"
                " that host's next start, which stops it if it still runs")  # fmt: skip
        await ledger.settle_child(rec, "other_host", note, now, keep=True)
        return note
    found = identify(c)
    if found == "gone":
        await ledger.clear_child(rec.attempt_id, c.pid)
        return None
    if found == "not_ours":
        note = (f"{task}: pid {c.pid} (was {c.command}) is now another process:"
                " not touched")  # fmt: skip
        await ledger.settle_child(rec, "not_ours", note, now)
        return note
    killed = await terminate_group(c, grace)
    who = "a killed orchestrator" if is_dead(rec.owner) else "an orchestrator whose lease expired"
    note = f"{task}: stopped orphaned {c.command} (pid {c.pid}) left by {who}"
    if killed:
        note += f" (SIGKILL after {grace:g}s)"
    await ledger.settle_child(rec, "stopped", note, now)
    return note


async def terminate_group(child: ChildProcess, grace: float) -> bool:
    """SIGTERM ``child``'s process group, wait up to ``grace`` seconds for its members to
    exit, then SIGKILL the ones left (each checked by its start time first). True when
    SIGKILL was needed. The caller has checked ``child`` is alive and is who it was."""
    members = _members(child.pgid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pgid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    left = members
    while True:  # not our children: nothing to wait on but their state
        left = [p for p in left if _running(p)]
        if not left or loop.time() >= deadline:
            break
        await asyncio.sleep(_POLL_S)
    for proc in left:
        with contextlib.suppress(psutil.Error):
            proc.kill()  # psutil refuses a pid reused since (it checks the start time)
    return bool(left)


def _members(pgid: int) -> list[psutil.Process]:
    """The processes of group ``pgid`` now (the leader first)."""
    found: list[psutil.Process] = []
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getpgid(proc.pid) == pgid:
                found.append(proc)
    found.sort(key=lambda p: p.pid != pgid)
    return found


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
