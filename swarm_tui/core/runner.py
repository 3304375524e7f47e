"""Run one attempt: stream from its provider into the ledger and onto the bus.

Text is appended through the group-commit writer (never a commit per token). However the
attempt ends — success, failure, stop (pause, reassign, cancel, shutdown) — its record is
written once, fenced by the attempt, with the partial output kept. Tools an agent CLI ran by
itself (its own and the swarm's MCP tools) are recorded on the attempt as their results come
(``approved_by`` ``cli``); a call the CLI never reported a result for is recorded as failed.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from swarm_tui.config import AgentConfig, ModelConfig
from swarm_tui.core.attempt_end import (
    STOP_TARGETS,
    attempt_end,
    finish_attempt,
    finish_shielded,
)
from swarm_tui.core.bus import EventBus
from swarm_tui.core.fallback import Resilience
from swarm_tui.core.journal import Journal
from swarm_tui.core.orphans import AttemptChildren
from swarm_tui.core.retry import backoff_seconds, classify
from swarm_tui.core.toolloop import ToolLoop, add_usage
from swarm_tui.core.usage_estimate import TurnMeter
from swarm_tui.core.workspace_run import AttemptWorkspace, WorkspaceTrouble
from swarm_tui.core.workspace_tools import WorkspaceHost
from swarm_tui.domain.events import (
    FallbackUsed,
    Notice,
    RetryScheduled,
    SessionRecorded,
    StreamChunk,
    ToolActivity,
)
from swarm_tui.domain.models import Attempt, AttemptState, Task, TaskState
from swarm_tui.domain.redact import Redactor, StreamRedactor
from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    OutputSchema,
    Provider,
    ProviderError,
    ReasoningDelta,
    Session,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from swarm_tui.providers.pricing import price
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.tools import ToolCallRecord
from swarm_tui.store.writes import AttemptEnd

__all__ = ["STOP_TARGETS", "AttemptRun", "attempt_end", "build_messages", "finish_attempt"]


def output_schema(task: Task) -> OutputSchema | None:
    """The structured output a task asks for (its ``output_schema``), None for free text."""
    if not task.output_schema:
        return None
    schema = json.loads(task.output_schema)
    name = str(schema.pop("title", None) or "answer") if isinstance(schema, dict) else "answer"
    return OutputSchema(name, schema) if isinstance(schema, dict) else None


def build_messages(
    agent: AgentConfig, task: Task, deps: list[tuple[int, str, str]]
) -> tuple[ChatMessage, ...]:
    prompt = task.prompt
    if deps:
        context = "\n\n".join(
            f"## Result of task #{i} ({title})\n{result}" for i, title, result in deps
        )
        prompt = f"{context}\n\n## Your task\n{prompt}"
    return (ChatMessage("system", agent.system_prompt), ChatMessage("user", prompt))


@dataclass
class AttemptRun:
    task: Task
    attempt: Attempt
    messages: tuple[ChatMessage, ...]
    """The prompt, built once when the attempt was admitted (routing priced it)."""
    agent: AgentConfig
    model: ModelConfig
    provider: Provider
    ledger: Ledger
    bus: EventBus
    redactor: Redactor
    max_attempts: int
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    stop_reason: str | None = None
    tokens_seen: int = 0
    _masks: dict[bool, StreamRedactor] = field(default_factory=dict)
    resilience: Resilience | None = None
    journal: Journal | None = None
    tools: ToolLoop | None = None
    """The MCP tool loop, when the agent may use tools (API-model providers only)."""
    _cli_calls: dict[str, tuple[ToolCall, float]] = field(default_factory=dict)
    """Tool calls an agent CLI ran by itself, waiting for their results."""
    workspace: AttemptWorkspace | None = None
    """A coding task's worktree (its task names a project): the agent works there."""
    workspace_host: WorkspaceHost | None = None
    """The workspace tools of an API-model attempt (given the worktree once it is open)."""
    _session: str | None = None
    """The agent CLI session this attempt reported (a fix round resumes it)."""

    @property
    def ref(self) -> str:
        return f"{self.attempt.provider}/{self.attempt.model}"

    async def run(self) -> None:
        started = time.monotonic()
        ttft: float | None = None
        usage: Usage | None = None
        before: Usage | None = None  # the usage of the turns before the current one
        meter = TurnMeter(0)
        task_state = TaskState.SUCCEEDED
        a = self.attempt
        try:
            request = StreamRequest(
                model=a.model,
                messages=self.messages,
                max_tokens=self.model.max_tokens,
                temperature=self.model.temperature,
                resume=await self._last_session(),
                output=output_schema(self.task),
                watch=AttemptChildren(self.ledger, a, self.clock),
            )
            if self.workspace is not None:
                request = await self._open_workspace(request)
            if self.tools is not None:
                request = await self.tools.prepare(request)
            await self.provider.start()
            while True:  # one pass per round of work: more only for a workspace's fix rounds
                answer: list[str] = []
                while True:  # one pass per model turn; more only when the tool loop answers
                    calls: list[ToolCall] = []
                    said: list[str] = []
                    before, meter = usage, TurnMeter.of(request.messages)
                    async for event in self.provider.stream(request):
                        if isinstance(event, TextDelta | ReasoningDelta):
                            if ttft is None:
                                ttft = (time.monotonic() - started) * 1000
                            self.tokens_seen += 1
                            meter.streamed(event.text)
                            self._emit(event.text, isinstance(event, ReasoningDelta))
                            if isinstance(event, TextDelta):
                                said.append(event.text)
                        elif isinstance(event, Usage):  # the last one of a turn counts
                            usage = add_usage(before, event)
                            meter.report(event)
                        elif isinstance(event, ToolCall | ToolResult | Session):
                            await self._side_event(event)
                            if isinstance(event, ToolCall):
                                calls.append(event)
                        elif isinstance(event, Done):
                            break
                    answer += said
                    if self.tools is None or not calls:
                        break
                    request = await self.tools.answer(request, "".join(said), calls)
                if self.workspace is None:
                    break
                self._drain()
                verdict = await self.workspace.finish(a.agent, self.ref)
                if verdict.feedback is None:
                    task_state = verdict.task_state
                    break
                request = self._fix_round(request, "".join(answer), verdict.feedback)
        except asyncio.CancelledError:
            self._drain()
            usage = _interrupted(before, meter)
            if self.resilience is not None:
                self.resilience.breakers.released(self.ref)
            reason = self.stop_reason or "shutdown"
            end = self._end(AttemptState.STOPPED, STOP_TARGETS[reason], usage, ttft, started)
            end.error = f"stopped: {reason}; partial output kept"
            await finish_shielded(self._finish(end))
            raise
        except ProviderError as exc:
            self._drain()
            usage = _interrupted(before, meter)
            await self._failed(self.redactor(str(exc)), exc, usage, ttft, started)
            return
        except WorkspaceTrouble as exc:  # the project's or git's trouble: no model is blamed
            self._drain()
            end = self._end(AttemptState.FAILED, TaskState.FAILED, usage, ttft, started)
            end.error = self.redactor(str(exc))
            await self._finish(end)
            return
        except Exception as exc:  # a provider bug must not take the orchestrator down
            self._drain()
            usage = _interrupted(before, meter)
            message = self.redactor(f"{type(exc).__name__}: {exc}")
            await self._failed(f"internal error: {message}", None, usage, ttft, started)
            return
        self._drain()
        if self.resilience is not None:
            self.resilience.succeeded(self.task.id, self.ref)
        end = self._end(AttemptState.SUCCEEDED, task_state, usage, ttft, started)
        end.result_from_output = True
        await self._finish(end)
        if task_state == TaskState.NEEDS_REVIEW:
            text = f"task #{a.task_id} waits for review (swarm-tui review show {a.task_id})"
            self.bus.publish(Notice("info", text))

    async def _open_workspace(self, request: StreamRequest) -> StreamRequest:
        """Open the task's worktree: the agent runs there (a CLI's cwd, an API model's
        workspace tools); a reviewer's note and a conflict to resolve join the prompt."""
        assert self.workspace is not None
        worktree = await self.workspace.open()
        if self.workspace_host is not None:
            self.workspace_host.attach(worktree, self.workspace.checks)
        messages = request.messages
        if self.workspace.told:
            messages = (*messages, ChatMessage("user", self.workspace.told))
        return replace(request, messages=messages, workdir=str(worktree))

    def _fix_round(self, request: StreamRequest, answer: str, feedback: str) -> StreamRequest:
        """The next round of a failed check: the same agent is told what failed (an agent
        CLI resumes its session; an API model gets the conversation so far)."""
        note = f"\n\n[checks failed; fix round {self.workspace.rounds if self.workspace else 0}]\n"
        self._emit(note, False)
        if self._session is not None:
            return replace(request, messages=(ChatMessage("user", feedback),),
                           resume=self._session, tool_choice=None)  # fmt: skip
        messages = (*request.messages, ChatMessage("assistant", answer),
                    ChatMessage("user", feedback))  # fmt: skip
        return replace(request, messages=messages, tool_choice=None)

    def _emit(self, text: str, reasoning: bool) -> None:
        """Stream text to the ledger (answers only) and the bus, with secrets masked."""
        masks = self._masks.setdefault(reasoning, self.redactor.stream())
        clean = masks.feed(text)
        if not clean:
            return
        if not reasoning:
            self.ledger.append_output(self.attempt.id, clean)
        self.bus.publish(StreamChunk(self.attempt.task_id, self.attempt.id, clean, reasoning))

    def _drain(self) -> None:
        for reasoning, masks in self._masks.items():
            rest = masks.flush()
            if rest:
                if not reasoning:
                    self.ledger.append_output(self.attempt.id, rest)
                self.bus.publish(
                    StreamChunk(self.attempt.task_id, self.attempt.id, rest, reasoning, 0)
                )
        self._masks.clear()

    def _end(
        self,
        state: AttemptState,
        task_state: TaskState,
        usage: Usage | None,
        ttft: float | None,
        started: float,
    ) -> AttemptEnd:
        usage = usage or Usage(None, None, source="unknown")
        return attempt_end(state, task_state, usage, price(self.model, usage), started, ttft)

    async def _failed(
        self,
        message: str,
        error: ProviderError | None,
        usage: Usage | None,
        ttft: float | None,
        started: float,
    ) -> None:
        failed = await self.ledger.failed_by_model(self.task.id)
        failures = failed[self.ref] = failed.get(self.ref, 0) + 1  # this one is not written yet
        spent = {ref for ref, n in failed.items() if n >= self.max_attempts}
        attempts_left = self.ref not in spent
        verdict = classify(error)
        retry_after = error.retry_after if error is not None else None
        end = self._end(AttemptState.FAILED, TaskState.FAILED, usage, ttft, started)
        end.error = message
        if self.resilience is None:
            if verdict.retryable and attempts_left:
                end.task_state = TaskState.QUEUED
                end.not_before = self.clock() + backoff_seconds(
                    failures, retry_after=retry_after, rng=self.rng
                )
            await self._finish(end)
            return
        decision = self.resilience.after_failure(
            self.task.id,
            self.agent,
            self.ref,
            verdict,
            retry_after=retry_after,
            spent=spent,
        )
        a = self.attempt
        if decision.again:
            end.task_state = TaskState.QUEUED
            end.not_before = self.clock() + decision.wait
            if decision.pin is not None:
                await self.ledger.update_task(a.task_id, self.clock(), "fallback", pin=decision.pin)
                event: FallbackUsed | RetryScheduled = FallbackUsed(
                    a.task_id, a.id, self.ref, decision.pin, decision.note
                )
            else:
                event = RetryScheduled(a.task_id, a.id, self.ref, decision.wait, decision.note)
            await self._record(event)
        await self._finish(end)

    async def _record(self, event: FallbackUsed | RetryScheduled | SessionRecorded) -> None:
        if self.journal is not None:
            await self.journal.record(event)
        else:
            self.bus.publish(event)

    async def _side_event(self, event: ToolCall | ToolResult | Session) -> None:
        a = self.attempt
        if isinstance(event, Session):
            self._session = event.session_id
            await self._record(SessionRecorded(a.task_id, a.id, event.session_id, self.ref))
        elif isinstance(event, ToolCall):
            detail = event.invalid or json.dumps(event.arguments)[:200]
            if self.tools is None:  # a CLI's own call: recorded when its result comes
                self._cli_calls[event.id] = (event, time.monotonic())
            self.bus.publish(ToolActivity(a.task_id, a.id, event.id, event.name, detail))
        else:
            await self._record_cli_call(event)
            self.bus.publish(
                ToolActivity(
                    a.task_id, a.id, event.id, "", event.output[:200], True, event.is_error
                )
            )

    async def _record_cli_call(self, result: ToolResult | None, call_id: str = "") -> None:
        """Record a tool call an agent CLI ran, with ``result`` (None: none ever came)."""
        key = result.id if result is not None else call_id
        found = self._cli_calls.pop(key, None)
        if found is None:
            return
        call, started = found
        try:
            args = json.loads(self.redactor(json.dumps(call.arguments)))
        except ValueError:
            args = {"masked": self.redactor(json.dumps(call.arguments))}
        error: str | None = "the CLI reported no result for this call"
        outcome, size = "failed", 0
        if result is not None:
            outcome = "tool_error" if result.is_error else "ok"
            size = len(result.output)
            error = self.redactor(result.output[:500]) if result.is_error else None
        await self.ledger.record_tool_call(
            ToolCallRecord(
                self.task.id,
                self.attempt.id,
                call.id,
                call.name,
                args if isinstance(args, dict) else {},
                outcome,
                size,
                (time.monotonic() - started) * 1000,
                "cli",
                error,
                self.clock(),
            )
        )

    async def _last_session(self) -> str | None:
        """The newest session id an agent CLI reported for this task on this model."""
        found: str | None = None
        if self.attempt.number == 1:  # a task's first attempt: no earlier session to read
            return found
        for kind, _attempt, data in await self.ledger.events(self.task.id):
            if kind != "cli_session":
                continue
            fields = json.loads(data)
            if isinstance(fields, dict) and fields.get("model") == self.ref:
                found = str(fields.get("session_id") or "") or found
        return found

    async def _finish(self, end: AttemptEnd) -> None:
        for call_id in list(self._cli_calls):
            await self._record_cli_call(None, call_id)
        await finish_attempt(self.ledger, self.bus, self.attempt, end, self.clock())


def _interrupted(before: Usage | None, meter: TurnMeter) -> Usage | None:
    """An attempt's usage when its current turn ended early (see core.usage_estimate)."""
    turn = meter.interrupted()
    return before if turn is None else add_usage(before, turn)
