"""The tool loop of an API-model attempt: the model's tool calls → gate → MCP → model.

:meth:`ToolLoop.prepare` offers the agent's allowed tools; after a model turn that asked for
tools, :meth:`ToolLoop.answer` runs each call through the approval gate and the hub and
returns the next request, with the assistant turn and one ``tool`` message per call (the
provider puts them in its own wire shape). Structured content is preferred, ``is_error`` is
passed on, long output is cut with a note, images ride on the ``tool`` message (the provider
sends them to a model with ``vision``, names them to one without). Every call is recorded on
the attempt.

Tool trouble is the model's to read, never the attempt's end: a tool that times out, a server
that cannot start or dies mid-call come back as tool errors (the hub restarts a dead server),
so the attempt goes on and no model is blamed for a server. What does end an attempt, as a
``tool`` failure that does not count against the model's breaker: a forced ``tool_choice``
that names a tool not offered, and too many tool turns.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from swarm_tui.config import MCPConfig
from swarm_tui.core.approvals import ApprovalGate
from swarm_tui.core.bus import EventBus
from swarm_tui.domain.events import ToolActivity
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import (
    ChatMessage,
    ImagePart,
    ProviderError,
    StreamRequest,
    ToolCall,
    ToolSpec,
    Usage,
)
from swarm_tui.store.tools import ToolCallRecord, ToolStore

__all__ = ["OfferedTool", "ToolHost", "ToolHostError", "ToolLoop", "ToolOutput", "add_usage"]


@dataclass(frozen=True, slots=True)
class OfferedTool:
    name: str
    """Namespaced, as the model sees it: ``server__tool``."""
    server: str
    tool: str
    description: str
    schema: dict[str, object]
    def_hash: str


@dataclass(frozen=True, slots=True)
class ToolOutput:
    text: str
    is_error: bool = False
    images: tuple[ImagePart, ...] = ()
    """Images the tool returned: the provider sends them to a model that takes images."""


class ToolHostError(Exception):
    """A server could not be reached, died during a call, or did not answer in time."""


class ToolHost(Protocol):
    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]: ...

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        """Run one tool for ``agent`` on a task of ``project`` (whose memory the memory tools
        use; None: the swarm's own); raises :class:`ToolHostError` when the server fails."""
        ...


ERROR_KEPT = 500
"""Characters of a tool's error (a refused path, say) kept on its call's record."""


def cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[output cut: {limit} of {len(text)} characters shown]"


@dataclass
class ToolLoop:
    host: ToolHost
    gate: ApprovalGate
    config: MCPConfig
    store: ToolStore
    bus: EventBus
    redactor: Redactor
    agent: str
    allow: Sequence[str]
    first_choice: str | None
    task_id: int
    attempt_id: int
    clock: Callable[[], float] = time.time
    project: str | None = None
    """The task's project: its memory is the one the memory tools read and write."""
    tools: dict[str, OfferedTool] = field(default_factory=dict)
    turns: int = 0

    async def prepare(self, request: StreamRequest) -> StreamRequest:
        offered = await self.host.tools_for(self.agent, self.allow)
        self.tools = {t.name: t for t in offered}
        if self.first_choice is not None and self.first_choice not in self.tools:
            raise self._refuse_choice(self.first_choice, offered)
        if not self.tools:
            return request
        specs = tuple(ToolSpec(t.name, t.description, t.schema) for t in offered)
        choice = self.first_choice or request.tool_choice
        return replace(request, tools=specs, tool_choice=choice)

    def _refuse_choice(self, choice: str, offered: Sequence[OfferedTool]) -> ProviderError:
        names = [t.name for t in offered]
        listed = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        return ProviderError(
            f"agent {self.agent!r} forces tool_choice {choice!r}, but no tool by that name is"
            f" offered to it (offered: {listed or 'none'}); check its mcp_servers and that the"
            " server starts (swarm-tui mcp tools SERVER)",
            retryable=False,
            kind="tool",
        )

    async def answer(
        self, request: StreamRequest, text: str, calls: Sequence[ToolCall]
    ) -> StreamRequest:
        self.turns += 1
        if self.turns > self.config.max_tool_turns:
            raise ProviderError(
                f"tool loop: the model still asked for tools after {self.config.max_tool_turns}"
                " turns (mcp.max_tool_turns); stopped",
                retryable=False,
                kind="tool",
            )
        messages = [*request.messages, ChatMessage("assistant", text, tool_calls=tuple(calls))]
        for call in calls:
            out = await self._one(call)
            messages.append(
                ChatMessage(
                    "tool",
                    out.text,
                    tool_call_id=call.id,
                    tool_name=call.name,
                    is_error=out.is_error,
                    images=out.images,
                )
            )
        return replace(request, messages=tuple(messages), tool_choice=None)

    async def _one(self, call: ToolCall) -> ToolOutput:
        args = self._clean(call.arguments)
        tool = self.tools.get(call.name)
        if call.invalid is not None:
            return await self._refuse(call, args, "invalid", "", f"bad arguments: {call.invalid}")
        if tool is None:
            text = f"no tool named {call.name!r} is available to this agent"
            return await self._refuse(call, args, "denied", "not offered", text)
        decision = await self.gate.decide(
            self.agent,
            tool.name,
            tool.def_hash,
            args,
            task_id=self.task_id,
            attempt_id=self.attempt_id,
        )
        if not decision.allowed:
            text = f"{tool.name} was not run: denied ({decision.by})"
            return await self._refuse(call, args, "denied", decision.by, text)
        started = time.monotonic()
        try:
            out = await self.host.call(tool, call.arguments, self.agent, project=self.project)
        except ToolHostError as exc:  # the server's trouble, told to the model
            message = self.redactor(str(exc))
            await self._record(call, args, "failed", 0, started, decision.by, message)
            text = f"{tool.name} did not run to the end: {message}"
            self.bus.publish(
                ToolActivity(self.task_id, self.attempt_id, call.id, "", text, True, True)
            )
            return ToolOutput(text, True)
        text = cap(out.text, self.config.output_cap_chars)
        outcome = "tool_error" if out.is_error else "ok"
        said = self.redactor(out.text[:ERROR_KEPT]) if out.is_error else None  # e.g. a refusal
        await self._record(call, args, outcome, len(out.text), started, decision.by, said)
        self.bus.publish(
            ToolActivity(
                self.task_id,
                self.attempt_id,
                call.id,
                "",
                self.redactor(text[:200]),
                True,
                out.is_error,
            )
        )
        return ToolOutput(text, out.is_error, out.images)

    def _clean(self, arguments: dict[str, object]) -> dict[str, object]:
        """Arguments as recorded and shown: any configured secret masked."""
        try:
            cleaned = json.loads(self.redactor(json.dumps(arguments)))
        except ValueError:
            return {"masked": self.redactor(json.dumps(arguments))}
        return cleaned if isinstance(cleaned, dict) else {}

    async def _refuse(
        self, call: ToolCall, args: dict[str, object], outcome: str, by: str, text: str
    ) -> ToolOutput:
        await self._record(call, args, outcome, 0, None, by, text)
        self.bus.publish(ToolActivity(self.task_id, self.attempt_id, call.id, "", text, True, True))
        return ToolOutput(text, True)

    async def _record(
        self,
        call: ToolCall,
        args: dict[str, object],
        outcome: str,
        size: int,
        started: float | None,
        by: str,
        error: str | None,
    ) -> None:
        duration = None if started is None else (time.monotonic() - started) * 1000
        await self.store.record_tool_call(
            ToolCallRecord(
                self.task_id,
                self.attempt_id,
                call.id,
                call.name,
                args,
                outcome,
                size,
                duration,
                by,
                error,
                self.clock(),
            )
        )


def add_usage(total: Usage | None, more: Usage) -> Usage:
    """Usage summed over the model turns of one attempt (unknown stays unknown)."""
    if total is None:
        return more

    def plus(a: int | None, b: int | None) -> int | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    cost = (
        None
        if total.cost_usd is None and more.cost_usd is None
        else ((total.cost_usd or 0.0) + (more.cost_usd or 0.0))
    )
    return Usage(
        plus(total.input_tokens, more.input_tokens),
        plus(total.output_tokens, more.output_tokens),
        plus(total.cached_tokens, more.cached_tokens),
        cost,
        _source(total, more),
        plus(total.cache_write_tokens, more.cache_write_tokens),
        None
        if total.premium_requests is None and more.premium_requests is None
        else (total.premium_requests or 0.0) + (more.premium_requests or 0.0),
    )


def _source(a: Usage, b: Usage) -> Literal["reported", "counted", "estimated", "unknown"]:
    """The source of a sum: the same one, ``estimated`` when an estimate joins known counts,
    else unknown."""
    if a.source == b.source:
        return a.source
    if "unknown" not in (a.source, b.source) and "estimated" in (a.source, b.source):
        return "estimated"
    return "unknown"
