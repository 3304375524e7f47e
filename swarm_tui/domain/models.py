"""Domain models: tasks, attempts and their states. Plain dataclasses, no I/O."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Attempt", "AttemptState", "Task", "TaskMode", "TaskSpec", "TaskState", "UsageSource"]


class TaskState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    NEEDS_VOTE = "needs_vote"
    NEEDS_REVIEW = "needs_review"
    """A coding task's work is committed and checked in its worktree: it waits for a human
    to accept (merge), reject or send it back (``swarm-tui review``)."""
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELLED)


class AttemptState(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    """Stopped on purpose (pause, reassign, cancel); partial output kept."""
    ABANDONED = "abandoned"
    """Its orchestrator died or its lease expired; partial output kept, task re-queued."""


class TaskMode(enum.StrEnum):
    SINGLE = "single"
    CONSENSUS = "consensus"
    REVIEW = "review"


class UsageSource(enum.StrEnum):
    REPORTED = "reported"
    """The backend reported the token counts."""
    COUNTED = "counted"
    """Counted with the model's own tokenizer (the embedded model's streams carry no usage)."""
    ESTIMATED = "estimated"
    """The stream ended (cut, malformed, stopped) before the backend's final report: what it
    had reported is kept, text streamed after that is estimated (about 4 characters/token)."""
    UNKNOWN = "unknown"
    """A finished reply whose backend reported nothing and nothing counted: shown as
    unknown, never guessed (only an interrupted one is estimated, marked ``estimated``)."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a submitter asks for; validated by the orchestrator before it is stored."""

    prompt: str
    title: str = ""
    role: str | None = None
    priority: int = 0
    after: tuple[int | str, ...] = ()
    """Dependencies: ledger task ids, or keys of tasks in the ledger or in the same batch."""
    mode: TaskMode = TaskMode.SINGLE
    tags: tuple[str, ...] = ()
    key: str | None = None
    """Optional idempotency key: submitting a spec whose key is in the ledger adds nothing."""
    goal_id: int | None = None
    """The goal this task belongs to (set by the goal engine)."""
    step: str | None = None
    """The goal's step (with its round) this task runs."""
    output_schema: str | None = None
    """A JSON Schema (as JSON) for structured output."""
    project: str | None = None
    """The ``[projects.NAME]`` a coding task changes (None: the role's default, if any; ``""``:
    explicitly none, a text task even if the role has a default project)."""


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    title: str
    prompt: str
    role: str
    priority: int
    state: TaskState
    mode: TaskMode
    after: tuple[int, ...]
    tags: tuple[str, ...]
    key: str | None
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None
    attempts: int
    """Attempts started so far; the newest attempt's number fences writes."""
    result: str | None
    error: str | None
    pin: str | None
    """A ``provider/model`` the next attempt must use (set by reassign)."""
    pin_agent: str | None
    not_before: float = 0.0
    """Earliest time the next attempt may start (retry back-off)."""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    agent: str | None = None
    provider: str | None = None
    model: str | None = None
    abandoned: int = 0
    """Attempts abandoned in a row (the process running them died or lost its lease)."""
    held: str | None = None
    """Why the task is held (paused) as needing attention, e.g. after too many abandoned
    attempts in a row; None when it is not held. Resuming it clears this."""
    last_ended_at: float | None = None
    """When the newest attempt ended (None: none yet, or it runs): a task between attempts
    (paused, re-queued, waiting for a vote) has not worked since."""
    goal_id: int | None = None
    """The goal that spawned this task (see domain.goals), None for a task typed by hand."""
    step: str | None = None
    """The goal's step this task runs, with its round (``implement#2``)."""
    output_schema: str | None = None
    """A JSON Schema (as JSON) the reply must follow: the backend is asked for structured
    output in it (OpenAI ``response_format``, Ollama ``format``, Gemini ``responseSchema``,
    Anthropic a forced tool, llama.cpp a grammar)."""
    project: str | None = None
    """The project whose git worktree each attempt works in (None: not a coding task)."""


@dataclass(frozen=True, slots=True)
class Attempt:
    id: int
    task_id: int
    number: int
    agent: str
    provider: str
    model: str
    state: AttemptState
    owner: str
    lease_until: float
    heartbeat_at: float
    routing_reason: str
    output: str
    error: str | None
    tokens_in: int | None
    tokens_out: int | None
    tokens_cached: int | None
    usage_source: UsageSource
    cost_usd: float
    ttft_ms: float | None
    duration_ms: float | None
    started_at: float
    finished_at: float | None
    extra: dict[str, object] = field(default_factory=dict)
