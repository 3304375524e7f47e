"""Typed events of the swarm on the bus. Core code publishes these; views subscribe.

``SwarmEvent`` is every event of the swarm; the bus also carries hardware samples
(``swarm_tui.core.bus.Event``)."""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.domain.models import TaskState

__all__ = [
    "AttemptEnded",
    "AttemptStarted",
    "BreakerChanged",
    "BudgetChanged",
    "ConflictChanged",
    "FallbackUsed",
    "FeedLost",
    "FlagChanged",
    "Notice",
    "RecordChanged",
    "RetryScheduled",
    "SessionRecorded",
    "StreamChunk",
    "SwarmEvent",
    "TaskChanged",
    "ToolActivity",
    "UsageRecorded",
]


@dataclass(frozen=True, slots=True)
class TaskChanged:
    task_id: int
    state: TaskState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    task_id: int
    attempt_id: int
    number: int
    agent: str
    provider: str
    model: str
    reason: str


@dataclass(frozen=True, slots=True)
class StreamChunk:
    """Streamed text of one attempt. High rate: consecutive chunks of an attempt coalesce."""

    task_id: int
    attempt_id: int
    text: str
    reasoning: bool = False
    tokens: int = 1
    """How many deltas this chunk carries (for tokens/s)."""


@dataclass(frozen=True, slots=True)
class UsageRecorded:
    task_id: int
    attempt_id: int
    tokens_in: int | None
    tokens_out: int | None
    cost_usd: float
    source: str


@dataclass(frozen=True, slots=True)
class AttemptEnded:
    task_id: int
    attempt_id: int
    state: str
    error: str | None
    duration_ms: float | None


@dataclass(frozen=True, slots=True)
class FlagChanged:
    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a person should read (provider down, budget warning...)."""

    level: str
    text: str


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """A failed attempt's task will be tried again after ``wait_s`` seconds."""

    task_id: int
    attempt_id: int
    model: str
    """The ``provider/model`` that failed."""
    wait_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class BreakerChanged:
    """A ``provider/model`` breaker moved: ``closed``, ``open`` or ``half_open``."""

    model: str
    state: str
    reason: str


@dataclass(frozen=True, slots=True)
class FallbackUsed:
    """A task moves from one model to the next of its agent's fallback chain."""

    task_id: int
    attempt_id: int
    from_model: str
    to_model: str
    reason: str


@dataclass(frozen=True, slots=True)
class SessionRecorded:
    """An agent CLI reported its session id (kept so the task can be resumed)."""

    task_id: int
    attempt_id: int
    session_id: str
    model: str
    """The ``provider/model`` whose CLI reported it."""


@dataclass(frozen=True, slots=True)
class ToolActivity:
    """A tool call the model asked for, or an agent CLI's tool run and its result."""

    task_id: int
    attempt_id: int
    call_id: str
    name: str
    detail: str
    """Arguments (a call) or output (a result), shortened."""
    is_result: bool = False
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class BudgetChanged:
    """Spend against a limit crossed a warning threshold, stopped work, or was cleared."""

    scope: str
    """``run``, ``day``, ``role:NAME`` or ``task:ID``."""
    spent_usd: float
    limit_usd: float
    percent: float
    stopped: bool
    text: str


@dataclass(frozen=True, slots=True)
class ConflictChanged:
    """A consensus run started waiting for the human, or a waiting one was settled."""

    task_id: int
    status: str
    """``needs_human``, ``decided`` or ``failed``."""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RecordChanged:
    """Another process changed a shared record: a tool approval (``approval``, name
    ``agent/tool``), a memory entry (``memory``, name ``project/name``) or an eval record
    (``eval``, name ``run``: a run or a result; ``shadow``: a shadow sample)."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class FeedLost:
    """Changes other processes made were pruned from the ledger's change feed before this
    process read them (it was stopped or starved that long): views read everything again."""


SwarmEvent = (
    TaskChanged
    | AttemptStarted
    | StreamChunk
    | UsageRecorded
    | AttemptEnded
    | FlagChanged
    | Notice
    | RetryScheduled
    | BreakerChanged
    | FallbackUsed
    | SessionRecorded
    | ToolActivity
    | BudgetChanged
    | ConflictChanged
    | RecordChanged
    | FeedLost
)
