"""The one place where core events become Textual messages.

A task reads the orchestrator's bus and collects what changed; every ``flush_ms`` it sends
one :class:`SwarmUpdate` with the new stream text per attempt (written in batches, never per
token), the task rows that changed (read back from the ledger) and the status figures.
Other processes' changes come on the same bus (core/feed.py), so the room shows them too.

Backpressure: while the last update posted is not taken by the app, no other is posted; what
changed since is merged into it. Reads cost what changed: rows of the tasks that changed, the
totals when a task or usage changed (or, once per ``totals_every``, when the ledger moved in a
way no event told of), nothing at all while the ledger is idle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from textual.message_pump import MessagePump

from swarm_tui.core.bus import Event, Subscription
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    BreakerChanged,
    ConflictChanged,
    FallbackUsed,
    FeedLost,
    FlagChanged,
    Notice,
    RecordChanged,
    RetryScheduled,
    StreamChunk,
    TaskChanged,
    ToolActivity,
    UsageRecorded,
)
from swarm_tui.domain.models import TaskState
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.service.room_api import SwarmAPI
from swarm_tui.tui.messages import StreamInfo, SwarmUpdate
from swarm_tui.tui.widgets.voting_pane import Conflict

__all__ = ["Bridge"]

log = logging.getLogger("swarm_tui.tui.bridge")

RATE_REFRESH = 1.0
"""Seconds between tokens/s refreshes of streams that got no text."""

RATE_WINDOW = 5.0
"""Seconds of history behind a tokens/s figure."""

STATES_KEPT = 100_000
"""Task states remembered (to tell a change of state from another change), then forgotten."""


class _Stream:
    def __init__(self, event: AttemptStarted) -> None:
        self.info = StreamInfo(
            event.attempt_id, event.task_id, event.number, event.agent,
            f"{event.provider}/{event.model}", "running", 0, 0.0,
        )  # fmt: skip
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, now: float, tokens: int) -> None:
        self.samples.append((now, tokens))

    def rate(self, now: float) -> float:
        while self.samples and self.samples[0][0] < now - RATE_WINDOW:
            self.samples.popleft()
        if not self.samples:
            return 0.0
        span = max(now - self.samples[0][0], 1.0)
        return sum(n for _, n in self.samples) / span


class Bridge:
    def __init__(
        self,
        orch: SwarmAPI,
        target: MessagePump,
        *,
        flush_ms: int = 50,
        totals_every: float = 1.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.orch = orch
        self.target = target
        self.flush = flush_ms / 1000
        self.totals_every = totals_every
        self.clock = clock or orch.clock
        self.sub: Subscription = orch.bus.subscribe(maxsize=50_000)
        self.streams: dict[int, _Stream] = {}
        self._text: dict[int, list[str]] = {}
        self._dirty_tasks: set[int] = set()
        self._changed_streams: set[int] = set()
        self._ended: list[int] = []
        self._final: dict[int, StreamInfo] = {}
        self._hardware: list[HardwareSampled] = []
        self._notices: list[tuple[str, str]] = []
        self._conflicts: set[int] = set()
        self._flags_changed = False
        self._records: set[str] = set()
        self._reload = False
        self._totals_due = True
        self._last_totals = 0.0
        self._totals_version: int | None = None
        """The ledger's ``data_version`` at the last totals read."""
        self._states: dict[int, TaskState] = {}
        """Each task's state in the last rows read (a change of state moves the totals)."""
        self._posted: SwarmUpdate | None = None
        """The last update posted (merged into while the app has not taken it)."""
        self.merged = 0
        """Updates merged into one not yet taken instead of posted (for tests and benches)."""
        self._last_rates = 0.0
        self._jobs: list[asyncio.Task[None]] = []
        self._flushing = asyncio.Lock()
        """One flush at a time: a flush that reads the ledger must not be overtaken by
        another (what it took would be posted after the later one returned)."""

    def start(self) -> None:
        self._jobs = [
            asyncio.create_task(self._collect(), name="bridge-collect"),
            asyncio.create_task(self._flush_loop(), name="bridge-flush"),
        ]

    async def stop(self) -> None:
        self.sub.close()
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            with contextlib.suppress(asyncio.CancelledError):
                await job

    def reset_streams(self) -> None:
        """Forget every stream and the text not yet shown (an attached room whose service
        came back: the service's snapshot of its live streams follows)."""
        for event in self.sub.get_nowait():
            self._take(event)
        self.streams.clear()
        self._text.clear()
        self._final.clear()
        self._changed_streams.clear()
        self._ended.clear()

    def _take(self, event: Event) -> None:
        now = self.clock()
        if isinstance(event, StreamChunk):
            if not event.reasoning and event.text:
                self._text.setdefault(event.attempt_id, []).append(event.text)
            stream = self.streams.get(event.attempt_id)
            if stream is not None:
                stream.add(now, event.tokens)
                stream.info = replace(stream.info, tokens=stream.info.tokens + event.tokens)
                self._changed_streams.add(event.attempt_id)
        elif isinstance(event, AttemptStarted):
            self.streams[event.attempt_id] = _Stream(event)
            self._changed_streams.add(event.attempt_id)
            self._dirty_tasks.add(event.task_id)
        elif isinstance(event, AttemptEnded):
            stream = self.streams.pop(event.attempt_id, None)
            if stream is not None:
                self._final[event.attempt_id] = replace(
                    stream.info, state=event.state, tokens_per_s=0.0
                )
            self._ended.append(event.attempt_id)
            self._dirty_tasks.add(event.task_id)
            self._totals_due = True
        elif isinstance(event, TaskChanged):
            self._dirty_tasks.add(event.task_id)
            if self._states.get(event.task_id) != event.state:  # a priority change: no
                self._totals_due = True  # count moved, the totals are not read again
            if event.state.value == "failed":
                self._notices.append(("error", f"task #{event.task_id} failed: {event.reason}"))
        elif isinstance(event, UsageRecorded):
            self._dirty_tasks.add(event.task_id)
            self._totals_due = True
            stream = self.streams.get(event.attempt_id)  # recorded just before it ends
            if stream is not None and event.tokens_out is not None:
                stream.info = replace(stream.info, tokens=event.tokens_out, counted=False)
                self._changed_streams.add(event.attempt_id)
        elif isinstance(event, FlagChanged):
            self._flags_changed = True
        elif isinstance(event, Notice):
            self._notices.append((event.level, event.text))
        elif isinstance(event, RetryScheduled):
            self._notices.append(
                ("information", f"task #{event.task_id}: retry on {event.model} in"
                 f" {event.wait_s:.0f} s ({event.reason})")
            )  # fmt: skip
        elif isinstance(event, FallbackUsed):
            self._notices.append(
                ("warning", f"task #{event.task_id}: {event.from_model} -> {event.to_model}"
                 f" ({event.reason})")
            )  # fmt: skip
        elif isinstance(event, BreakerChanged):
            level = "warning" if event.state == "open" else "information"
            self._notices.append((level, f"breaker {event.state}: {event.model} ({event.reason})"))
        elif isinstance(event, ToolActivity):
            mark = "✗" if event.is_error else ("←" if event.is_result else "⚙")
            line = f"\n{mark} {event.name} {event.detail}\n"
            self._text.setdefault(event.attempt_id, []).append(line)
        elif isinstance(event, ConflictChanged):
            self._conflicts.add(event.task_id)
        elif isinstance(event, RecordChanged):
            self._records.add(event.kind)
        elif isinstance(event, FeedLost):
            self._reload = self._totals_due = True
        elif isinstance(event, HardwareSampled):
            self._hardware.append(event)  # every one: the pane draws their history
            for alert in event.raised:
                self._notices.append((alert.level, f"hardware: {alert.text}"))

    async def _collect(self) -> None:
        async for event in self.sub:
            self._take(event)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush)
            try:
                await self.flush_now()
            except Exception as exc:  # a ledger hiccup must not kill the view
                log.warning("bridge flush failed: %s", exc)

    async def flush_now(self) -> bool:
        """Send what changed (also used by tests to avoid waiting for the timer). When it
        returns, everything the bridge had taken by then is posted to the target; True when
        this call posted an update."""
        async with self._flushing:
            try:
                return await self._flush()
            except ConnectionError:  # an attached room's service went away: the room says so
                return False  # and reads everything again once attached (tui/attach.py)

    async def _flush(self) -> bool:
        for event in self.sub.get_nowait():
            self._take(event)
        now = self.clock()
        update = SwarmUpdate()
        if self._text:
            update.text = {a: "".join(parts) for a, parts in self._text.items()}
            self._text = {}
        for attempt_id in self._changed_streams:
            stream = self.streams.get(attempt_id)
            if stream is not None:
                stream.info = replace(stream.info, tokens_per_s=stream.rate(now))
                update.streams[attempt_id] = stream.info
        update.streams.update(self._final)
        self._final = {}
        self._changed_streams = set()
        if now - self._last_rates >= RATE_REFRESH:  # rates of quiet streams decay, once a second
            self._changed_streams = set(self.streams)
            self._last_rates = now
        update.ended, self._ended = self._ended, []
        # Totals first: the rows read after them are never behind them (the task table counts
        # the tasks it does not list as totals minus rows, so it never shows a false count).
        # An attached room's service went away: the streams' ends still go out; everything
        # is read again once attached (tui/attach.py).
        with contextlib.suppress(ConnectionError):
            await self._read_changed(update, now)
        if self._flags_changed:
            update.flags = dict(self.orch.flags)
            self._flags_changed = False
        update.notices, self._notices = self._notices, []
        update.hardware, self._hardware = self._hardware, []
        update.records, self._records = self._records, set()
        update.reload, self._reload = self._reload, False
        update.tokens_per_s = sum(s.rate(now) for s in self.streams.values())
        if not (
            update.text
            or update.streams
            or update.ended
            or update.tasks
            or update.totals
            or update.flags is not None
            or update.notices
            or update.hardware
            or update.conflicts
            or update.records
            or update.reload
        ):
            return False
        if self._posted is not None and not self._posted.taken:
            self._posted.merge(update)  # the app has not got to the last one yet
            self.merged += 1
        else:
            self.target.post_message(update)
            self._posted = update
        return True

    async def _read_changed(self, update: SwarmUpdate, now: float) -> None:
        """The totals, rows and conflicts that changed, read into ``update``."""
        if await self._totals_wanted(now):
            update.totals = await self.orch.totals()
            self._totals_due = False
            self._last_totals = now
        if self._dirty_tasks:
            ids, self._dirty_tasks = self._dirty_tasks, set()
            update.tasks = await self.orch.tasks_by_id(ids)  # one read for all of them
            if len(self._states) > STATES_KEPT:
                self._states.clear()
            self._states.update((t.id, t.state) for t in update.tasks)
        conflicts, self._conflicts = self._conflicts, set()
        for task_id in sorted(conflicts):
            update.conflicts[task_id] = await self._conflict(task_id)

    async def _totals_wanted(self, now: float) -> bool:
        """Totals are read when an event said they changed; else, once per ``totals_every``,
        only if the ledger moved since the last read (one ``PRAGMA``: an idle room reads no
        totals)."""
        if self._totals_due:
            self._totals_version = await self.orch.swarm_version()
            return True
        if now - self._last_totals < self.totals_every:
            return False
        self._last_totals = now
        version = await self.orch.swarm_version()
        if version == self._totals_version:
            return False
        self._totals_version = version
        return True

    async def _conflict(self, task_id: int) -> Conflict | None:
        """The task's conflict while it waits for the human, else None."""
        record = await self.orch.consensus_record(task_id)
        found = await self.orch.tasks_by_id([task_id])
        if record is None or not found or record.status != "needs_human":
            return None
        return Conflict(task_id, found[0].title, record)
