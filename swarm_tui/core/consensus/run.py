"""Run one consensus or review task as one attempt: the engine calls the models, the stream
shows each step as it happens, and the record, the decision and the cost go to the ledger.

The attempt's ``provider`` is ``consensus`` (its calls go to many providers); its cost and
tokens are the whole run's, so budgets and ``report`` count them. A decided run ends the task
``succeeded`` with the decision as its result; a run that waits for the human ends it in
``needs_vote`` (the record in the ledger lists the contested candidates); a failed run fails
the task with the engine's reason. Stopping it (pause, cancel, reassign, shutdown) works like
any attempt's: what it wrote is kept and the task goes where the stop sends it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from swarm_tui.config import Settings
from swarm_tui.core.attempt_end import STOP_TARGETS, attempt_end, finish_attempt
from swarm_tui.core.bus import EventBus
from swarm_tui.core.consensus import Answer, ConsensusConfig, ConsensusEngine, ConsensusRecord
from swarm_tui.core.consensus.calls import ModelCaller, row_of
from swarm_tui.core.consensus.code import CodeCandidates
from swarm_tui.core.orphans import AttemptChildren
from swarm_tui.core.performance import Performance
from swarm_tui.domain.events import ConflictChanged, Notice, StreamChunk
from swarm_tui.domain.models import Attempt, AttemptState, Task, TaskState
from swarm_tui.domain.redact import Redactor
from swarm_tui.providers.base import ChatMessage, Provider
from swarm_tui.store.ledger import Ledger
from swarm_tui.store.writes import AttemptEnd

__all__ = ["ConsensusRun", "feed_performance"]


def feed_performance(performance: Performance, record: ConsensusRecord) -> None:
    """Votes won and review scores become routing's quality scores (0..1)."""
    if record.status != "decided":
        return
    if record.mode == "review":
        for model, score in record.quality.items():
            performance.record_quality(model, score / 10.0)
        return
    if record.decided_by in ("agreement", "vote", "arbiter", "human"):
        for model, won in record.votes_won().items():
            performance.record_quality(model, float(won))


@dataclass
class ConsensusRun:
    task: Task
    attempt: Attempt
    messages: tuple[ChatMessage, ...]
    """The prompt (system, user), built once when the attempt was admitted."""
    config: ConsensusConfig
    settings: Settings
    providers: Mapping[str, Provider]
    ledger: Ledger
    bus: EventBus
    redactor: Redactor
    performance: Performance | None = None
    gate: Callable[[str], AbstractAsyncContextManager[None]] | None = None
    """A slot per model call under its provider's limit."""
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    stop_reason: str | None = None
    tokens_seen: int = 0
    record: ConsensusRecord | None = None
    code: CodeCandidates | None = None
    """Consensus over code (the task names a project): each model in its own worktree."""
    _caller: ModelCaller | None = field(default=None, repr=False)

    async def run(self) -> None:
        started = time.monotonic()
        self._caller = ModelCaller(
            self.settings,
            self.providers,
            self.redactor,
            on_token=self._count,
            gate=self.gate,
            watch=AttemptChildren(self.ledger, self.attempt, self.clock),
        )
        try:
            system, user = self.messages
            models = self.config.resolve_models()
            self._say(f"{self.config.mode}: {', '.join(models)} answer\n")
            engine = ConsensusEngine(self.config, self._answer, self._vote, rng=self.rng)
            record = await engine.run(
                user.content,
                system=system.content or None,
                role=self.attempt.agent,
                tags=self.task.tags,
            )
        except asyncio.CancelledError:
            reason = self.stop_reason or "shutdown"
            end = self._end(AttemptState.STOPPED, STOP_TARGETS[reason], started)
            end.error = f"stopped: {reason}; partial output kept"
            await asyncio.shield(self._finish(end))
            if self.code is not None:  # the candidates' worktrees go with the stopped run
                await asyncio.shield(self.code.discard())
                self.code.close()
            raise
        except Exception as exc:  # a bug must not take the orchestrator down
            end = self._end(AttemptState.FAILED, TaskState.FAILED, started)
            end.error = "internal error: " + self.redactor(f"{type(exc).__name__}: {exc}")
            await self._finish(end)
            return
        self.record = record
        await self._conclude(record, started)

    # ------------------------------------------------------------------ calls
    def _count(self) -> None:
        """One more token from any of the run's calls: counted for the stream's figures
        (its text is the transcript ``_say`` writes, so the chunk carries none)."""
        self.tokens_seen += 1
        self.bus.publish(StreamChunk(self.attempt.task_id, self.attempt.id, "", False, 1))

    async def _answer(self, ref: str, messages: Sequence[ChatMessage]) -> Answer:
        assert self._caller is not None
        self._say(f"… {ref} is answering\n")
        try:
            if self.code is not None:
                got = await self.code.answer(ref, messages, self._caller)
            else:
                got = await self._caller(ref, messages)
        except Exception as exc:
            self._say(f"✗ {ref} failed: {exc}\n")
            raise
        self._say(f"\n── {ref} ──\n{got.text.strip()}\n")
        return got

    async def _vote(self, ref: str, messages: Sequence[ChatMessage]) -> Answer:
        assert self._caller is not None
        if self.code is not None:
            got = await self.code.vote(ref, messages, self._caller)
        else:
            got = await self._caller(ref, messages)
        first = got.text.strip().splitlines()[0] if got.text.strip() else "(empty)"
        self._say(f"· {ref} voted: {first[:160]}\n")
        return got

    def _say(self, text: str) -> None:
        """A line of the run's transcript: kept as the attempt's output and streamed."""
        clean = self.redactor(text)
        self.ledger.append_output(self.attempt.id, clean)
        self.bus.publish(StreamChunk(self.attempt.task_id, self.attempt.id, clean, False, 0))

    # ------------------------------------------------------------------ ending
    def _end(self, state: AttemptState, task_state: TaskState, started: float) -> AttemptEnd:
        caller = self._caller
        usage, cost = (caller.usage, caller.cost) if caller else (None, 0.0)
        return attempt_end(state, task_state, usage, cost, started)

    async def _conclude(self, record: ConsensusRecord, started: float) -> None:
        a = self.attempt
        self._say(f"\n== {record.status}: {record.reason}\n")
        await self.ledger.save_consensus(row_of(a.task_id, a.id, record), self.clock())
        if record.status == "needs_human" and self.code is not None:  # kept for ``decide``
            self.code.close()
            self._say("the candidates' worktrees are kept until your vote picks one\n")
        elif record.status != "decided" and self.code is not None:  # none is left behind
            await self.code.discard()
            self.code.close()
            self._say("the candidates' worktrees and branches were removed\n")
        if record.status == "decided":
            end = self._end(AttemptState.SUCCEEDED, TaskState.SUCCEEDED, started)
            end.result = record.decision
            if self.code is not None:
                await self._adopt(record, end)
        elif record.status == "needs_human":
            end = self._end(AttemptState.SUCCEEDED, TaskState.NEEDS_VOTE, started)
        else:
            end = self._end(AttemptState.FAILED, TaskState.FAILED, started)
            end.error = f"{record.mode} failed: {record.reason}"
        if not await self._finish(end):
            return
        if self.performance is not None:
            feed_performance(self.performance, record)
        if record.status == "needs_human":
            self.bus.publish(ConflictChanged(a.task_id, record.status, record.reason))
            text = f"task #{a.task_id} waits for your vote: {record.reason} (v in the room, or"
            text += f" swarm-tui decide {a.task_id})"
            self.bus.publish(Notice("warning", text))

    async def _adopt(self, record: ConsensusRecord, end: AttemptEnd) -> None:
        """Consensus over code: the winner's worktree becomes the task's; it waits for review."""
        assert self.code is not None
        members = record.group(record.winner).members if record.winner else ()
        won = [c.model for c in record.candidates if c.id in members]
        if won and won[0] in self.code.candidates:
            branch = await self.code.adopt(won[0])
            self._say(f"the winner's branch {branch} waits for review\n")
            end.task_state = TaskState.NEEDS_REVIEW
        else:
            await self.code.discard()
        self.code.close()

    async def _finish(self, end: AttemptEnd) -> bool:
        return await finish_attempt(self.ledger, self.bus, self.attempt, end, self.clock())
