"""Typed events on the bus. Core code publishes these; views subscribe."""

from __future__ import annotations

from dataclasses import dataclass

from swarm_tui.core.models import TaskState

__all__ = [
    "AttemptEnded",
    "AttemptStarted",
    "Event",
    "FlagChanged",
    "Notice",
    "StreamChunk",
    "TaskChanged",
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


Event = (
    TaskChanged | AttemptStarted | StreamChunk | UsageRecorded | AttemptEnded | FlagChanged | Notice
)
