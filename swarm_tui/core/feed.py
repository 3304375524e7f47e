"""Other processes' changes on the bus: the ledger's change feed turned into the swarm's events.

What this process changes is on its bus already (published by the code that wrote it), so the
feed skips the changes its own ledger connection wrote and the attempts its own orchestrator
runs. The rest becomes the events a view and the orchestrator know: a task another process
submitted, moved or re-prioritised (:class:`TaskChanged`), an attempt it started, streamed and
ended (:class:`AttemptStarted`, :class:`StreamChunk` tailed from the ledger, :class:`UsageRecorded`,
:class:`AttemptEnded`), its tool calls, a vote it settled, flags, approvals, memory and eval
records.

``on_task`` hears of every task another process changed first: the orchestrator stops an
attempt it runs for a task that was cancelled, paused or reassigned elsewhere (and says so on
the bus itself). ``on_flag`` hears of every flag another process set or cleared first: the
orchestrator takes it, and stops the attempts a pause covers
(:meth:`~swarm_tui.core.control.Control.flag_elsewhere`). Nothing here reads more than what
changed: an idle ledger costs one ``PRAGMA data_version`` per poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable

from swarm_tui.core.bus import EventBus
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    ConflictChanged,
    FeedLost,
    FlagChanged,
    RecordChanged,
    StreamChunk,
    TaskChanged,
    ToolActivity,
    UsageRecorded,
)
from swarm_tui.domain.models import Attempt, AttemptState, Task, TaskState
from swarm_tui.store.changes import Change, ChangeReader
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger

__all__ = ["CHARS_PER_TOKEN", "Feed"]

log = logging.getLogger("swarm_tui.feed")

_MAX_PAUSE_S = 2.0
"""The longest pause between two reads of a feed whose ledger does not answer."""

CHARS_PER_TOKEN = 4
"""Tailed text counts one token per this many characters (its deltas are not in the ledger)."""

DETAIL = 200
"""Characters of a tool call's arguments shown."""

OnTask = Callable[[Task], Awaitable[bool]]
OnFlag = Callable[[str, str | None], Awaitable[None] | None]


def _tokens(text: str) -> int:
    return max(1, -(-len(text) // CHARS_PER_TOKEN))


def _unique(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


class Feed:
    def __init__(
        self,
        ledger: Ledger,
        bus: EventBus,
        *,
        owner: str,
        on_task: OnTask | None = None,
        on_flag: OnFlag | None = None,
    ) -> None:
        self.ledger = ledger
        self.bus = bus
        self.owner = owner
        """The orchestrator of this process: its attempts' events are on the bus already."""
        self.on_task = on_task
        self.on_flag = on_flag
        self.reader = ChangeReader(ledger.changes)
        self.tails: dict[int, int] = {}
        """Other processes' running attempts this feed streams -> characters read so far."""
        self._task_of: dict[int, int] = {}
        """Their tasks."""
        self.read = 0
        """Changes by other processes read so far."""
        self._lock = asyncio.Lock()
        self.closed = False

    async def start(self) -> None:
        """Begin at the ledger's newest change; attempts other processes are running now are
        announced with what they streamed so far."""
        async with self._lock:
            await self.reader.start()
            for attempt in await self.ledger.running_attempts():
                if attempt.owner != self.owner:
                    self._started(attempt)
            await self._tail(set(self.tails))

    async def run(self, interval: float) -> None:
        """Poll every ``interval`` seconds until :meth:`close`; while the ledger cannot be
        read (its server away) the pause grows up to :data:`_MAX_PAUSE_S`, and the feed reads
        on from its cursor when it answers (nothing missed)."""
        pause = interval
        while not self.closed:
            try:
                await self.poll()
            except LedgerError as exc:  # told once; the pause grows while it lasts
                if pause == interval:
                    log.warning("change feed: %s; reading on when it answers", exc)
                pause = min(_MAX_PAUSE_S, max(pause * 2, 0.05))
            else:
                if pause != interval:
                    log.info("change feed: the ledger answers again")
                pause = interval
            await asyncio.sleep(pause)

    async def close(self, job: asyncio.Task[None]) -> None:
        """Stop ``job`` (:meth:`run`). The flag also ends it where the cancel was taken by
        an attempt's stop that ``on_task`` was waiting for."""
        self.closed = True
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job

    async def poll(self) -> int:
        """Publish what other processes changed since the last poll; how many changes."""
        async with self._lock:
            count = 0
            while True:
                batch = await self.reader.read()
                if batch is None:
                    return count
                if batch.lost:
                    self.bus.publish(FeedLost())
                foreign = [c for c in batch.changes if not c.own]
                count += len(foreign)
                await self._apply(foreign)
                if not batch.more:
                    self.read += count
                    return count

    # ------------------------------------------------------------------ changes to events
    async def _apply(self, changes: list[Change]) -> None:
        if not changes:
            return
        by_kind: dict[str, list[Change]] = {}
        for change in changes:
            by_kind.setdefault(change.kind, []).append(change)

        def ids(kind: str, attr: str = "task_id") -> list[int]:
            return _unique(getattr(c, attr) for c in by_kind.get(kind, []))

        streamed = set(ids("output", "attempt_id"))
        ended = await self._attempts(set(ids("attempt", "attempt_id")) | streamed)
        await self._tail(streamed | {a.id for a in ended})
        await self._tools(ids("tool_call", "row_id"))
        for attempt in ended:
            self._ended(attempt)
        await self._tasks(ids("task"))
        feed = self.ledger.changes
        for task_id, status in (await feed.consensus_status(ids("consensus"))).items():
            self.bus.publish(ConflictChanged(task_id, status))
        names = sorted({c.name for c in by_kind.get("flag", []) if c.name is not None})
        for name, value in (await feed.flag_values(names)).items():
            if self.on_flag is not None:
                taken = self.on_flag(name, value)
                if taken is not None:
                    await taken  # the orchestrator stops what a pause covers
            self.bus.publish(FlagChanged(name, value))
        for kind in ("approval", "memory", "eval"):
            for name in sorted({c.name for c in by_kind.get(kind, []) if c.name is not None}):
                self.bus.publish(RecordChanged(kind, name))

    async def _attempts(self, ids: set[int]) -> list[Attempt]:
        """Other processes' attempts among ``ids``: the running ones are announced (once);
        returns those that ended."""
        ended: list[Attempt] = []
        for attempt in await self.ledger.attempts_by_id(ids):
            if attempt.owner == self.owner:
                continue
            if attempt.state == AttemptState.RUNNING:
                if attempt.id not in self.tails:
                    self._started(attempt)
            else:
                ended.append(attempt)
        return ended

    def _started(self, a: Attempt) -> None:
        self.tails[a.id] = 0
        self._task_of[a.id] = a.task_id
        self.bus.publish(
            AttemptStarted(
                a.task_id, a.id, a.number, a.agent, a.provider, a.model, a.routing_reason
            )
        )

    async def _tail(self, ids: set[int]) -> None:
        """Publish the text the tailed attempts among ``ids`` streamed since the last read."""
        offsets = {i: self.tails[i] for i in sorted(ids) if i in self.tails}
        for attempt_id, text in (await self.ledger.changes.tails(offsets)).items():
            self.tails[attempt_id] += len(text)
            task_id = self._task_of[attempt_id]
            self.bus.publish(StreamChunk(task_id, attempt_id, text, False, _tokens(text)))

    def _ended(self, a: Attempt) -> None:
        self._task_of.pop(a.id, None)
        if self.tails.pop(a.id, None) is None and a.state == AttemptState.ABANDONED:
            return  # given up by a recovery, never seen running here: nothing to close
        if a.tokens_in is not None or a.tokens_out is not None or a.cost_usd:
            self.bus.publish(
                UsageRecorded(
                    a.task_id, a.id, a.tokens_in, a.tokens_out, a.cost_usd, a.usage_source.value
                )
            )
        self.bus.publish(AttemptEnded(a.task_id, a.id, a.state.value, a.error, a.duration_ms))

    async def _tools(self, row_ids: list[int]) -> None:
        for row in await self.ledger.changes.tool_calls(row_ids):
            if row["attempt_id"] not in self.tails:
                continue  # run here (on the bus already) or by an attempt not tailed
            self.bus.publish(
                ToolActivity(
                    row["task_id"], row["attempt_id"], row["call_id"], row["tool"],
                    str(row["arguments"])[:DETAIL], is_error=row["error"] is not None,
                )
            )  # fmt: skip

    async def _tasks(self, ids: list[int]) -> None:
        for task in await self.ledger.get_tasks(ids):
            if self.on_task is not None and await self.on_task(task):
                continue  # an attempt of this process stopped: it told the bus itself
            reason = (task.error or "") if task.state == TaskState.FAILED else ""
            self.bus.publish(TaskChanged(task.id, task.state, reason))
