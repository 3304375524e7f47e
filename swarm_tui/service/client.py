"""A running service's public API over its socket: the same async methods as the in-process
orchestrator (``submit``, ``cancel``, ``decide``...) and its events, for rooms and commands.

Replies come back as the very types the orchestrator returns (decoded by this class's own
type hints). A refusal raises :class:`ControlError` with the service's message; a lost
connection fails every call in flight with :class:`ServiceError`, ends :meth:`events`, and
sets :attr:`lost`. :meth:`reconnect` attaches the same client (its :attr:`bus` and whoever
listens to it) to the ledger's service again, a new ``up`` included.

It is what an attached room programs against (:class:`swarm_tui.service.room_api.SwarmAPI`,
which :class:`~swarm_tui.core.control.Control` satisfies too): what the room reads without
waiting (the flags, the attempts running, the tool calls held for a person) is kept current
from the service's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import time
import typing
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from swarm_tui.core.approvals import PendingApproval
from swarm_tui.core.budget import Line
from swarm_tui.core.bus import Event, EventBus, Subscription
from swarm_tui.core.consensus import ConsensusRecord
from swarm_tui.core.control import ControlError
from swarm_tui.domain.events import (
    AttemptEnded,
    AttemptStarted,
    FlagChanged,
    Notice,
    ToolActivity,
)
from swarm_tui.domain.goals import Goal
from swarm_tui.domain.models import Attempt, Task, TaskSpec
from swarm_tui.domain.reads import ReportFigures
from swarm_tui.domain.task_row import TaskRow
from swarm_tui.domain.workspaces import Review, ReviewOutcome
from swarm_tui.service.codec import CodecError, decode, encode
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.protocol import ProtocolError, line, parse, parse_event, refusal
from swarm_tui.store.records import Totals
from swarm_tui.store.task_rows import QueueStart
from swarm_tui.store.tools import MemoryEntry

__all__ = ["ServiceClient", "ServiceError"]

READ_LIMIT = 1 << 30
"""Longest reply line taken from the service (``tasks()`` of a big ledger is one line)."""

REFUSED = frozenset({"control", "invalid", "submit", "request"})

LOST_STATE = "service lost"
"""How an attempt the client saw running ends on its bus when the service goes away."""

APPROVALS_EVERY = 1.0
"""Seconds between reads of the held tool calls while any is held (a new one is told by a
notice at once)."""


class ServiceError(ConnectionError):
    """The service cannot be reached, went away, or failed a call on its side."""


@functools.cache
def _returns(name: str) -> Any:
    return typing.get_type_hints(getattr(ServiceClient, name))["return"]


class ServiceClient:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        hello: dict[str, Any],
        ledger: Path | None = None,
    ) -> None:
        self.hello = hello
        self.ledger = ledger if ledger is not None else Path(str(hello.get("ledger", "")))
        self.data_dir = self.ledger.parent
        """The ledger's folder (its log, the socket, the projects' worktrees)."""
        self.bus = EventBus()
        """The service's events, once :meth:`subscribe` was called (as ``orch.bus``)."""
        self.flags: dict[str, str] = {}
        """The pause flags, kept current from the events after :meth:`subscribe`."""
        self.running: dict[int, AttemptStarted] = {}
        """The attempts the service runs now, by attempt id (kept from the events)."""
        self.clock: Callable[[], float] = time.time
        self.lost = asyncio.Event()
        self.lost_reason = ""
        self._interactive = False
        self._subscribed = False
        self._approvals: list[PendingApproval] = []
        self._approvals_job: asyncio.Task[None] | None = None
        self._approvals_at = 0.0
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._subs: list[Subscription] = []
        self._reader, self._writer = reader, writer
        self._job = asyncio.create_task(self._read(), name="service-client")

    @staticmethod
    async def _open(
        ledger: Path, wait: float
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, dict[str, Any]]:
        paths = ServicePaths(ledger)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(paths.socket_address(), limit=READ_LIMIT), wait
            )
        except (OSError, TimeoutError, ValueError) as exc:
            raise ServiceError(f"no service answers on {paths.socket}: {exc}") from None
        try:
            greeting = parse(await asyncio.wait_for(reader.readline(), wait))
        except (OSError, TimeoutError, ProtocolError, ValueError) as exc:
            writer.close()
            raise ServiceError(f"no service answers on {paths.socket}: {exc}") from None
        refused = refusal(greeting)
        if refused is not None:
            writer.close()
            raise ServiceError(f"{paths.socket}: {refused}")
        return reader, writer, greeting

    @classmethod
    async def connect(cls, ledger: Path, *, wait: float = 10.0) -> ServiceClient:
        """Attach to the service of ``ledger``; :class:`ServiceError` when none answers."""
        reader, writer, greeting = await cls._open(ledger, wait)
        return cls(reader, writer, greeting, ledger)

    async def reconnect(self, *, wait: float = 10.0) -> None:
        """After :attr:`lost`: attach to the ledger's service again (:class:`ServiceError`
        while none answers). The bus and its listeners stay; :meth:`subscribe` again to get
        the events (and the live streams as they stand)."""
        if not self.lost.is_set():
            return
        reader, writer, greeting = await self._open(self.ledger, wait)
        self._reader, self._writer, self.hello = reader, writer, greeting
        self.lost_reason = ""
        self.lost.clear()
        self._subscribed = False
        self._job = asyncio.create_task(self._read(), name="service-client")

    # ----------------------------------------------------------------------------------- plumbing
    async def _read(self) -> None:
        reason = "the service closed the connection"
        try:
            while raw := await self._reader.readline():
                message = parse(raw)
                request_id = message.get("id")
                future = self._waiting.pop(request_id) if request_id in self._waiting else None
                if "event" in message:
                    self._on_event(message)
                elif future is not None:
                    if not future.done():
                        future.set_result(message)
                elif "error" in message:
                    reason = f"the service refused this client: {message['error'].get('message')}"
                    break
        except (OSError, ValueError) as exc:
            reason = f"the connection to the service broke: {exc}"
        finally:
            self._gone(reason)

    def _on_event(self, message: dict[str, Any]) -> None:
        event = parse_event(message)
        if event is None:
            return
        if isinstance(event, FlagChanged):
            if event.value is None:
                self.flags.pop(event.name, None)
            else:
                self.flags[event.name] = event.value
        elif isinstance(event, AttemptStarted):
            self.running[event.attempt_id] = event
        elif isinstance(event, AttemptEnded):
            self.running.pop(event.attempt_id, None)
        if self._interactive and isinstance(event, Notice | ToolActivity | AttemptEnded):
            self._read_approvals()  # a call held or let go (a notice says when one is held)
        self.bus.publish(event)

    def _gone(self, reason: str) -> None:
        self.lost_reason = reason
        self.lost.set()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ServiceError(reason))
        self._waiting.clear()
        for sub in self._subs:
            sub.close()
        self._writer.close()
        self._approvals = []
        # What this side showed running is not known any more: it ends here, as lost; the
        # service tells what still runs when the client attaches again.
        running, self.running = self.running, {}
        for s in running.values():
            self.bus.publish(AttemptEnded(s.task_id, s.attempt_id, LOST_STATE, reason, None))

    async def call(self, name: str, /, **args: Any) -> Any:
        """Send one request; its result as JSON (a refusal raises :class:`ControlError`)."""
        if self.lost.is_set():
            raise ServiceError(self.lost_reason)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = future
        message = {"id": request_id, "call": name, "args": {k: encode(v) for k, v in args.items()}}
        try:
            self._writer.write(line(message))
            await self._writer.drain()
        except OSError as exc:
            self._waiting.pop(request_id, None)
            raise ServiceError(f"the connection to the service broke: {exc}") from None
        reply = await future
        error = reply.get("error")
        if error is not None:
            text = str(error.get("message"))
            raise ControlError(text) if error.get("kind") in REFUSED else ServiceError(text)
        return reply.get("result")

    async def _typed(self, name: str, /, **args: Any) -> Any:
        try:
            return decode(_returns(name), await self.call(name, **args), name)
        except CodecError as exc:
            raise ServiceError(f"the service's answer to {name} does not fit: {exc}") from None

    async def close(self) -> None:
        self._writer.close()
        if self._approvals_job is not None:
            self._approvals_job.cancel()
        self._job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._job
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    # -------------------------------------------------------------------------------- the service
    async def subscribe(self, *, interactive: bool = False) -> None:
        """Receive the service's events on :attr:`bus` (``interactive``: a person can answer
        approvals here, so the service holds calls under ``ask`` for one)."""
        self._interactive = self._interactive or interactive
        await self.call("subscribe", interactive=self._interactive)
        self.flags = dict(await self.call("flags"))
        self._subscribed = True
        if self._interactive:
            self._read_approvals()

    def set_interactive(self, interactive: bool) -> None:
        """A person can answer held tool calls here (as ``Control.set_interactive``); told
        to the service with the next :meth:`subscribe`, or now when subscribed already."""
        if interactive and not self._interactive and self._subscribed:
            asyncio.get_running_loop().create_task(self.subscribe(interactive=True))
        self._interactive = interactive

    async def events(self) -> AsyncIterator[Event]:
        """Every event from now on, until the connection ends (subscribes if needed)."""
        sub = self.bus.subscribe()
        self._subs.append(sub)
        try:
            await self.subscribe()
            async for event in sub:
                yield event
        finally:
            sub.close()
            self._subs.remove(sub)

    async def status(self) -> dict[str, Any]:
        """pid, version, ledger, clients attached (subscribers: of events), attempts running."""
        return dict(await self.call("service"))

    async def shutdown(self) -> None:
        """Stop the service (as ``swarm-tui down`` does)."""
        await self.call("shutdown")

    def paused_all(self) -> bool:
        return self.flags.get("paused_all") == "1"

    def agent_paused(self, agent: str) -> bool:
        return self.flags.get(f"paused_agent:{agent}") == "1"

    # -------------------------------------------------------------------------------------- reads

    async def task(self, task_id: int) -> Task:
        result: Task = await self._typed("task", task_id=task_id)
        return result

    async def tasks(self) -> list[Task]:
        result: list[Task] = await self._typed("tasks")
        return result

    async def recent_rows(self, finished: int, queued: int) -> QueueStart:
        result: QueueStart = await self._typed("recent_rows", finished=finished, queued=queued)
        return result

    async def queued_rows(self, after: tuple[int, int] | None, limit: int) -> list[TaskRow]:
        result: list[TaskRow] = await self._typed("queued_rows", after=after, limit=limit)
        return result

    async def older_rows(self, before_id: int, limit: int) -> list[TaskRow]:
        result: list[TaskRow] = await self._typed("older_rows", before_id=before_id, limit=limit)
        return result

    async def attempts(self, task_id: int) -> list[Attempt]:
        result: list[Attempt] = await self._typed("attempts", task_id=task_id)
        return result

    async def totals(self) -> Totals:
        result: Totals = await self._typed("totals")
        return result

    async def conflicts(self) -> list[tuple[Task, ConsensusRecord]]:
        result: list[tuple[Task, ConsensusRecord]] = await self._typed("conflicts")
        return result

    async def consensus_record(self, task_id: int) -> ConsensusRecord | None:
        result: ConsensusRecord | None = await self._typed("consensus_record", task_id=task_id)
        return result

    async def fetch_approvals(self) -> list[PendingApproval]:
        """The tool calls the service holds for a person now (read from it)."""
        result: list[PendingApproval] = await self._typed("pending_approvals")
        self._approvals = result
        return result

    def pending_approvals(self) -> list[PendingApproval]:
        """The held tool calls as last read (kept current while :meth:`subscribe` d with
        ``interactive``: read again on every sign of a change, and each second while any is
        held)."""
        return list(self._approvals)

    def _read_approvals(self) -> None:
        if self._approvals_job is None or self._approvals_job.done():
            self._approvals_job = asyncio.get_running_loop().create_task(self._follow_approvals())

    async def _follow_approvals(self) -> None:
        with contextlib.suppress(ServiceError, ControlError):
            while not self.lost.is_set():
                await self.fetch_approvals()
                if not self._approvals:
                    return
                await asyncio.sleep(APPROVALS_EVERY)

    async def swarm_version(self) -> int:
        """A number that moves when the service's ledger changes (as ``Control``'s)."""
        result: int = await self._typed("swarm_version")
        return result

    async def tasks_by_id(self, ids: Iterable[int]) -> list[Task]:
        result: list[Task] = await self._typed("tasks_by_id", ids=list(ids))
        return result

    async def budget_lines(self) -> list[Line]:
        result: list[Line] = await self._typed("budget_lines")
        return result

    async def report_figures(self, since: float | None = None) -> ReportFigures:
        result: ReportFigures = await self._typed("report_figures", since=since)
        return result

    async def memories(self) -> list[MemoryEntry]:
        result: list[MemoryEntry] = await self._typed("memories")
        return result

    # -------------------------------------------------------------------------------------- tasks
    async def submit(
        self, specs: Sequence[TaskSpec], labels: Sequence[str] | None = None
    ) -> list[tuple[Task, bool]]:
        result: list[tuple[Task, bool]] = await self._typed("submit", specs=specs, labels=labels)
        return result

    async def cancel(self, task_id: int) -> Task:
        result: Task = await self._typed("cancel", task_id=task_id)
        return result

    async def pause(self, task_id: int) -> Task:
        result: Task = await self._typed("pause", task_id=task_id)
        return result

    async def resume(self, task_id: int) -> Task:
        result: Task = await self._typed("resume", task_id=task_id)
        return result

    async def retry(self, task_id: int) -> Task:
        result: Task = await self._typed("retry", task_id=task_id)
        return result

    async def set_priority(self, task_id: int, priority: int) -> Task:
        result: Task = await self._typed("set_priority", task_id=task_id, priority=priority)
        return result

    async def reassign(
        self, task_id: int, *, agent: str | None = None, model: str | None = None
    ) -> Task:
        result: Task = await self._typed("reassign", task_id=task_id, agent=agent, model=model)
        return result

    async def dispatch_now(self, task_id: int) -> str:
        result: str = await self._typed("dispatch_now", task_id=task_id)
        return result

    # ----------------------------------------------------------------- agents and the whole swarm
    async def pause_agent(self, agent: str, *, stop_running: bool = True) -> None:
        await self._typed("pause_agent", agent=agent, stop_running=stop_running)

    async def resume_agent(self, agent: str) -> None:
        await self._typed("resume_agent", agent=agent)

    async def pause_all(self, *, stop_running: bool = True) -> None:
        await self._typed("pause_all", stop_running=stop_running)

    async def resume_all(self) -> None:
        await self._typed("resume_all")

    # ------------------------------------------------------------ votes, approvals, shared memory
    async def decide(self, task_id: int, label: str, note: str = "") -> Task:
        result: Task = await self._typed("decide", task_id=task_id, label=label, note=note)
        return result

    async def review_of(self, task_id: int) -> Review | None:
        result: Review | None = await self._typed("review_of", task_id=task_id)
        return result

    async def review_accept(self, task_id: int) -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_accept", task_id=task_id)
        return result

    async def review_reject(self, task_id: int, note: str = "") -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_reject", task_id=task_id, note=note)
        return result

    async def review_send_back(self, task_id: int, note: str) -> ReviewOutcome:
        result: ReviewOutcome = await self._typed("review_send_back", task_id=task_id, note=note)
        return result

    async def send_to_arbiter(self, task_id: int, model: str | None = None) -> Task:
        result: Task = await self._typed("send_to_arbiter", task_id=task_id, model=model)
        return result

    async def approve(self, approval_id: int, *, always: bool = False) -> bool:
        result: bool = await self._typed("approve", approval_id=approval_id, always=always)
        self._approvals = [p for p in self._approvals if p.id != approval_id]
        return result

    async def deny(self, approval_id: int) -> bool:
        result: bool = await self._typed("deny", approval_id=approval_id)
        self._approvals = [p for p in self._approvals if p.id != approval_id]
        return result

    async def save_memory(
        self, name: str, content: str, author: str = "human", project: str | None = None
    ) -> None:
        await self._typed("save_memory", name=name, content=content, author=author, project=project)

    async def remove_memory(self, name: str, project: str | None = None) -> bool:
        result: bool = await self._typed("remove_memory", name=name, project=project)
        return result

    async def memory_file(self, name: str, project: str | None = None) -> str | None:
        result: str | None = await self._typed("memory_file", name=name, project=project)
        return result

    # ---------------------------------------------------------------------------------- goals
    async def goals(self) -> list[Goal]:
        """Every goal of the service, newest first."""
        result: list[Goal] = await self._typed("goals")
        return result

    async def goal(self, goal_id: int) -> Goal:
        result: Goal = await self._typed("goal", goal_id=goal_id)
        return result

    async def goal_figures(self, goal_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self._typed("goal_figures", goal_id=goal_id)
        return result

    async def goal_start(self, request: str) -> Goal:
        result: Goal = await self._typed("goal_start", request=request)
        return result

    async def goal_approve(self, goal_id: int, plan: str | None = None) -> Goal:
        """Run the plan that waits (``plan``: an edited one as JSON, checked again)."""
        result: Goal = await self._typed("goal_approve", goal_id=goal_id, plan=plan)
        return result

    async def goal_cancel(self, goal_id: int) -> Goal:
        result: Goal = await self._typed("goal_cancel", goal_id=goal_id)
        return result
