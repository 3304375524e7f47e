"""Agent CLIs a killed orchestrator left running: recorded while they run, stopped on recovery.

Each CLI an attempt starts is recorded in the ledger (:class:`AttemptChildren`, the request's
``watch``: pid, process group, host, start time) and forgotten when it exits. When an
attempt is given up (the orchestrator's start, a lease that expired) its recorded CLIs are
looked at (:func:`stop_orphans`): on this host, one still running whose start time matches
the record (not a reused pid) has its process group stopped (SIGTERM, the provider's
``kill_grace_seconds``, then SIGKILL), so the task's next attempt is the only agent on it;
so do the processes a CLI that has exited left in its group (its tools, node's helpers),
when they are provably its own (``core/cli_group.py``). The attempt's error and the event
log (``orphan_cli``) say what was stopped. A process whose identity does not match is never
touched. A CLI on another host is left to that host: its next start stops it
(:func:`stop_left_children`), and the event says so. A CLI is recorded before it can do any
work: the provider starts it held at a gate that opens only once the record is written (and
that ends it if the orchestrator dies first: ``providers/cli/gate.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from swarm_tui.config import Settings
from swarm_tui.core.bus import EventBus
from swarm_tui.core.cli_group import Found, identify, terminate_group
from swarm_tui.core.owner import host_name, is_dead
from swarm_tui.domain.children import ChildProcess, ChildRecord
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import Attempt, AttemptState
from swarm_tui.store.ledger import Ledger

__all__ = [
    "AttemptChildren",
    "Found",
    "identify",
    "stop_left_children",
    "stop_orphans",
    "terminate_group",
]

log = logging.getLogger("swarm_tui.orchestrator")

_DEFAULT_GRACE_S = 5.0


class AttemptChildren:
    """The ``watch`` of an attempt's requests: records each CLI it starts, clears it on exit.
    A record that cannot be written is logged and raised: the CLI is then not run (the
    provider fails the call, retryably); a record that cannot be cleared is logged only.

    ``owner``: the orchestrator that makes the calls, when it is not the attempt's (the
    arbiter of a task waiting for a decision is asked under the run's ended attempt, by
    whichever orchestrator the human asked)."""

    def __init__(
        self,
        ledger: Ledger,
        attempt: Attempt,
        clock: Callable[[], float],
        *,
        owner: str | None = None,
    ) -> None:
        self.ledger = ledger
        self.attempt = attempt
        self.clock = clock
        self.owner = attempt.owner if owner is None else owner

    async def started(self, child: ChildProcess) -> None:
        a = self.attempt
        rec = ChildRecord(a.id, a.task_id, host_name(), self.owner, child, self.clock())
        try:
            await self.ledger.record_child(rec)
        except Exception as exc:
            log.warning("task #%d: cannot record %s (pid %d): %s", a.task_id, child.command,
                        child.pid, exc)  # fmt: skip
            raise

    async def ended(self, child: ChildProcess) -> None:
        try:
            await self.ledger.clear_child(self.attempt.id, child.pid)
        except Exception as exc:
            log.warning("task #%d: cannot clear the record of pid %d: %s", self.attempt.task_id,
                        child.pid, exc)  # fmt: skip


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
    run killed here, or given up by another host, which left them to this one). A CLI of an
    attempt that ended without being given up, whose orchestrator still runs here, is a call
    that orchestrator makes now (the arbiter of a task that waits for a decision): left to
    it."""
    records = await ledger.children_left(host_name())
    if not records:
        return []
    attempts = {a.id: a for a in await ledger.attempts_by_id({r.attempt_id for r in records})}
    records = [r for r in records if not _live_call(r, attempts.get(r.attempt_id))]
    return await _settle(settings, ledger, bus, records, attempts, now)


def _live_call(rec: ChildRecord, attempt: Attempt | None) -> bool:
    """Whether ``rec`` is a running orchestrator's call after its attempt ended."""
    given_up = attempt is None or attempt.state is AttemptState.ABANDONED
    return not given_up and not is_dead(rec.owner)


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
    if found in ("not_ours", "unproven"):
        what = ("is now another process" if found == "not_ours" else
                "has a process group with processes not provably its own")  # fmt: skip
        note = f"{task}: pid {c.pid} (was {c.command}) {what}: not touched"
        await ledger.settle_child(rec, "not_ours", note, now)
        return note
    killed = await terminate_group(c, grace)
    who = "a killed orchestrator" if is_dead(rec.owner) else "an orchestrator whose lease expired"
    note = f"{task}: stopped orphaned {c.command} (pid {c.pid}) left by {who}"
    if found == "left":
        note = (f"{task}: stopped what orphaned {c.command} (pid {c.pid}, exited) left running"
                f" in its process group, left by {who}")  # fmt: skip
    if killed:
        note += f" (SIGKILL after {grace:g}s)"
    await ledger.settle_child(rec, "stopped", note, now)
    return note
