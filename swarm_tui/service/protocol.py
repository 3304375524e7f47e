"""The service protocol: line-delimited JSON over the Unix socket beside the ledger.

One JSON object per line, UTF-8, ending in ``\\n``. On connect the service says hello::

    {"hello": "swarm-tui", "protocol": 1, "version": "0.1.0", "pid": 4242, "ledger": "/..."}

A client sends requests, each with an id of its choosing; answers may come in any order::

    {"id": 7, "call": "cancel", "args": {"task_id": 3}}
    {"id": 7, "result": {...the Task...}}
    {"id": 8, "error": {"kind": "control", "message": "task #9 is succeeded: cannot ..."}}

``call`` is one of :data:`CONTROL_CALLS` (the public API, arguments by name, values as
:mod:`swarm_tui.service.codec` writes them), of :data:`GOAL_CALLS` (the goals) or of
:data:`SERVICE_CALLS`. After
``subscribe`` the bus's events follow as ``{"event": "TaskChanged", "data": {...}}``.
A line that is not JSON, not a request, or longer than :data:`MAX_LINE` bytes gets one
``{"error": {"kind": "protocol", ...}}`` line and that connection is closed; nothing else is.
"""

from __future__ import annotations

import json
import typing
from typing import Any

from swarm_tui.core.bus import Event
from swarm_tui.hw.events import HardwareSampled
from swarm_tui.service.codec import CodecError, decode, encode

__all__ = [
    "CONTROL_CALLS",
    "EVENT_TYPES",
    "GOAL_CALLS",
    "MAX_LINE",
    "PROTOCOL",
    "SERVICE_CALLS",
    "ProtocolError",
    "event_line",
    "line",
    "parse",
    "parse_event",
    "refusal",
]

PROTOCOL = 1
"""Bumped when a message changes meaning; a client refuses a service of another version."""

MAX_LINE = 4 * 1024 * 1024
"""Longest request line the service reads (a big task batch fits; a runaway client not)."""

CONTROL_CALLS = (
    # reads
    "task", "tasks", "recent_rows", "queued_rows", "older_rows", "attempts", "totals",
    "conflicts", "consensus_record", "pending_approvals", "memories", "swarm_version",
    "tasks_by_id", "budget_lines", "report_figures", "memory_file",
    # the eval view's
    "eval_runs", "eval_results", "shadow_samples",
    # tasks
    "submit", "cancel", "pause", "resume", "retry", "set_priority", "reassign", "dispatch_now",
    # agents and the whole swarm
    "pause_agent", "resume_agent", "pause_all", "resume_all",
    # votes, approvals, shared memory
    "decide", "send_to_arbiter", "approve", "deny", "save_memory", "remove_memory",
    # coding tasks' reviews
    "review_of", "review_accept", "review_reject", "review_send_back",
)  # fmt: skip
"""The orchestrator's public API, called by name with the same arguments."""

GOAL_CALLS = ("goals", "goal", "goal_figures", "goal_start", "goal_approve", "goal_cancel")
"""The service's goals (its own goal engine, which moves them on as their tasks end):
:class:`swarm_tui.service.goal_calls.GoalCalls`, called by name with the same arguments."""

SERVICE_CALLS = ("subscribe", "unsubscribe", "flags", "service", "shutdown")
"""``subscribe`` (``interactive``: a person can answer approvals), ``flags`` (the pause
flags), ``service`` (pid, ledger, clients), ``shutdown`` (what ``swarm-tui down`` sends)."""

EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (*typing.get_args(Event), HardwareSampled) if isinstance(cls, type)
}


class ProtocolError(ValueError):
    """A line that breaks the protocol; the connection it came on is closed."""


def refusal(greeting: dict[str, Any]) -> str | None:
    """Why a service's first line is not a greeting this side can talk to (None: it is)."""
    if "error" in greeting:
        return str(greeting["error"].get("message"))
    if greeting.get("protocol") != PROTOCOL:
        return (
            f"the service speaks protocol {greeting.get('protocol')!r}, this swarm-tui"
            f" {PROTOCOL}: run the same version on both sides"
        )
    return None


def line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def event_line(event: Event) -> bytes:
    return line({"event": type(event).__name__, "data": encode(event)})


def parse_event(message: dict[str, Any]) -> Event | None:
    """The event of an ``event`` line (None: a type this side does not know, skipped)."""
    cls = EVENT_TYPES.get(str(message.get("event")))
    if cls is None:
        return None
    try:
        event: Event = decode(cls, message.get("data"), cls.__name__)
    except CodecError as exc:
        raise ProtocolError(f"bad {cls.__name__} event: {exc}") from None
    return event


def parse(raw: bytes) -> dict[str, Any]:
    """One line as a JSON object, or :class:`ProtocolError`."""
    try:
        message = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("expected a JSON object per line")
    return message
