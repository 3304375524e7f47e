"""Run an eval through the orchestrator: every case x configuration x repeat as ordinary
tasks (the ledger, budgets, limits, retries and routing all apply), judged as they end,
each result written once to the ledger.

Resumable: a task's key names its run, case, configuration, repeat and stage, so running
the same eval again after a kill submits nothing twice (keys dedupe), picks up the tasks
the dead process left (the orchestrator recovers them), and measures only what has no
result yet; the results table's key refuses a second result for the same item.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from swarm_tui.core.control import Control
from swarm_tui.core.quality_evidence import eval_score
from swarm_tui.domain.evals import EvalResult, EvalRunRow
from swarm_tui.domain.models import Task, TaskSpec, TaskState
from swarm_tui.evals.cases import EvalCase, EvalSet, EvalSetError
from swarm_tui.evals.checks import check_answer
from swarm_tui.evals.configs import Configuration, pinned_agent
from swarm_tui.evals.judges import parse_rubric, rubric_prompt
from swarm_tui.evals.verdicts import CONFIDENCE_SCHEMA, Verdict, parse_confident

__all__ = ["CONFIDENCE_SCHEMA", "EvalEngine", "EvalStopped", "Item", "parse_confident", "run_name"]

Progress = Callable[[int, int], None]
"""``(measured, total)`` after each pass."""

EVAL_PRIORITY = -1
"""Eval tasks queue behind real work (priority 0 and up) in every process on the ledger; a
process whose config lacks an eval's agents (``ROLE@provider/model``) leaves them queued
for the eval's own process."""

STUCK_S = 2.0
"""Seconds every awaited task must stay held back before the eval gives up on waiting."""


class EvalStopped(EvalSetError):
    """The eval cannot go on by itself (a budget stop, a pause, a vote for a person)."""


@dataclass(frozen=True, slots=True)
class Item:
    case: EvalCase
    config: Configuration
    rep: int

    @property
    def ident(self) -> tuple[str, str, int]:
        return self.case.id, self.config.name, self.rep


def run_name(eval_set: EvalSet, configs: Sequence[Configuration], repeat: int) -> str:
    """The default run name: the set's name and a digest of what the run measures, so the
    same command resumes the same run."""
    what = json.dumps([eval_set.digest, [c.name for c in configs], repeat])
    return f"{eval_set.name}-{hashlib.sha256(what.encode()).hexdigest()[:10]}"


class EvalEngine:
    def __init__(
        self,
        control: Control,
        eval_set: EvalSet,
        configs: Sequence[Configuration],
        *,
        repeat: int = 1,
        judge: str | None = None,
        name: str | None = None,
        progress: Progress | None = None,
        poll_s: float = 0.2,
    ) -> None:
        if repeat < 1:
            raise EvalSetError("--repeat must be 1 or more")
        if judge is None and any(c.judge.scored for c in eval_set.cases):
            raise EvalSetError(
                f"{eval_set.name}: rubric cases need a judge model: --judge provider/model"
            )
        settings = control.settings
        for case in eval_set.cases:
            if case.role is not None and case.role not in settings.agents:
                raise EvalSetError(
                    f"{case.where}: role: unknown role {case.role!r}"
                    f" (agents: {', '.join(settings.agents)})"
                )
        self.control = control
        self.eval_set = eval_set
        self.configs = list(configs)
        self.repeat = repeat
        self.judge = judge
        self.name = name or run_name(eval_set, configs, repeat)
        self.progress = progress
        self.poll_s = poll_s
        self.items = [
            Item(case, config, rep)
            for rep in range(repeat)
            for config in self.configs
            for case in eval_set.cases
        ]
        self._verdicts: dict[int, Verdict] = {}
        self._stuck_since: float | None = None
        self.run_row: EvalRunRow | None = None

    # ------------------------------------------------------------------ the run
    async def open_run(self) -> EvalRunRow:
        """The run in the ledger: made, or found and checked to be the same eval."""
        ledger = self.control.ledger
        found = await ledger.eval_run(self.name)
        names = [c.name for c in self.configs]
        if found is not None and (
            found.set_digest != self.eval_set.digest
            or list(found.configs) != names
            or found.repeat != self.repeat
        ):
            raise EvalSetError(
                f"eval run {self.name!r} exists for another set, configurations or repeat"
                " count; give another --run name"
            )
        self.run_row = found or await ledger.add_eval_run(
            self.name, self.eval_set.name, self.eval_set.digest, names, self.repeat,
            self.judge, self.control.clock(),
        )  # fmt: skip
        return self.run_row

    async def results(self) -> list[EvalResult]:
        run = self.run_row or await self.open_run()
        return await self.control.ledger.eval_results(run.id)

    async def measure(self) -> list[EvalResult]:
        """Run until every item has its result (the orchestrator must be running)."""
        run = self.run_row or await self.open_run()
        done = {(r.case_id, r.config, r.rep) for r in await self.results()}
        pending = [i for i in self.items if i.ident not in done]
        self._report(len(done))
        while pending:
            pending = await self._pass(run, pending)
            self._report(len(self.items) - len(pending))
            if pending:
                await asyncio.sleep(self.poll_s)
        return await self.results()

    def _report(self, measured: int) -> None:
        if self.progress is not None:
            self.progress(measured, len(self.items))

    def key(self, item: Item, stage: int, judge: bool = False) -> str:
        assert self.run_row is not None
        case, config, rep = item.ident
        tail = ":judge" if judge else ""
        return f"eval:{self.run_row.id}:{case}:{config}:{rep}:{stage}{tail}"

    async def _pass(self, run: EvalRunRow, pending: list[Item]) -> list[Item]:
        keys = [
            self.key(i, s, j)
            for i in pending
            for s in range(len(i.config.stages))
            for j in (False, True)
        ]
        ids = await self.control.ledger.existing_keys(keys)
        tasks = {t.key: t for t in await self.control.tasks_by_id(ids.values()) if t.key}
        submit: list[TaskSpec] = []
        left: list[Item] = []
        for item in pending:
            result = await self._advance(run, item, tasks, submit)
            if result is None:
                left.append(item)
            elif await self.control.ledger.save_eval_result(result):
                score = eval_score(result)
                if score is not None and result.model and result.role:
                    self.control.performance.add_evidence(result.role, result.model, "eval", score)
        if submit:
            await self.control.submit(submit, [s.key or "" for s in submit])
        elif not left or self.control.running:
            self._stuck_since = None
        else:
            self._stuck([t for t in tasks.values() if not t.state.terminal], len(left))
        return left

    def _stuck(self, waiting: list[Task], left: int) -> None:
        """Raise :class:`EvalStopped` when every task the eval waits for is held back (a
        budget stop, a pause, a vote for a person): it would wait for ever."""
        reasons = [self._held_back(t) for t in waiting]
        if not waiting or not all(reasons):
            self._stuck_since = None
            return
        now = time.monotonic()
        if self._stuck_since is None:
            self._stuck_since = now
        if now - self._stuck_since < STUCK_S:  # an orchestrator starting may still lift it
            return
        measured = len(self.items) - left
        raise EvalStopped(
            f"eval {self.name!r} cannot go on: {reasons[0]} ({len(waiting)} task(s) held back;"
            f" {measured} of {len(self.items)} measured). Once that is settled, run the same"
            " command again: it resumes."
        )

    def _held_back(self, task: Task) -> str | None:
        if task.state == TaskState.NEEDS_VOTE:
            return f"task #{task.id} waits for your vote (swarm-tui decide {task.id})"
        if task.state == TaskState.PAUSED:
            return f"task #{task.id} is paused ({task.error or 'swarm-tui resume'})"
        if self.control.paused_all():
            return "everything is paused (resume it in the control room)"
        stopped = self.control.spending.stopped(task.pin_agent or task.role)
        return f"budget stop: {stopped}" if stopped else None

    # ------------------------------------------------------------------ one item
    async def _advance(
        self, run: EvalRunRow, item: Item, tasks: dict[str, Task], submit: list[TaskSpec]
    ) -> EvalResult | None:
        """The item's result once its last needed stage is judged; None while it waits
        (a task it needs is added to ``submit``)."""
        used: list[Task] = []
        stages = item.config.stages
        for number, stage in enumerate(stages):
            task = tasks.get(self.key(item, number))
            if task is None:
                role = item.case.role or self.control.settings.default_agent
                submit.append(
                    TaskSpec(
                        prompt=item.case.prompt,
                        title=f"eval {item.case.id} [{item.config.name}]",
                        role=item.config.agent(stage, role),
                        priority=EVAL_PRIORITY,
                        mode=stage.mode,
                        tags=("eval",),
                        key=self.key(item, number),
                        output_schema=(
                            json.dumps(CONFIDENCE_SCHEMA) if self._asks(item, number) else None
                        ),
                    )
                )
                return None
            if not task.state.terminal:
                return None
            used.append(task)
            verdict = await self._verdict(item, number, task, tasks, submit)
            if verdict is None:
                return None
            if verdict.good() or number == len(stages) - 1:
                return self._result(run, item, used, verdict)
        raise AssertionError("a configuration has at least one stage")

    def _asks(self, item: Item, number: int) -> bool:
        """Whether stage ``number`` is asked for its confidence (a confidence cascade's
        stages but the last)."""
        return item.config.confidence is not None and number < len(item.config.stages) - 1

    async def _verdict(
        self, item: Item, number: int, task: Task, tasks: dict[str, Task],
        submit: list[TaskSpec],
    ) -> Verdict | None:  # fmt: skip
        known = self._verdicts.get(task.id)
        if known is not None:
            return known
        found = await self._judged(item, number, task, tasks, submit)
        if found is None:
            return None
        self._verdicts[task.id] = found
        return found

    async def _judged(
        self, item: Item, number: int, task: Task, tasks: dict[str, Task],
        submit: list[TaskSpec],
    ) -> Verdict | None:  # fmt: skip
        if not self._asks(item, number):
            return await self._plain(item, number, task, task.result or "", tasks, submit)
        threshold = item.config.confidence
        assert threshold is not None
        answer, confidence = parse_confident(task.result or "")
        plain = await self._plain(item, number, task, answer, tasks, submit)
        if plain is None:
            return None
        confident = confidence is not None and confidence >= threshold
        said = "no confidence" if confidence is None else f"confidence {confidence:.2f}"
        reason = f"{plain.reason}; {said} ({'kept' if confident else 'escalated'} at {threshold})"
        return Verdict(plain.passed, plain.score, reason, answer, confidence, confident)

    async def _plain(
        self, item: Item, number: int, task: Task, answer: str, tasks: dict[str, Task],
        submit: list[TaskSpec],
    ) -> Verdict | None:  # fmt: skip
        judge = item.case.judge
        if task.state != TaskState.SUCCEEDED:
            verdict = Verdict(
                False, 1.0 if judge.scored else None, f"no answer: task {task.state.value}"
                + (f" ({task.error})" if task.error else ""),
            )  # fmt: skip
        elif not judge.scored:
            passed = await check_answer(judge, answer)
            verdict = Verdict(passed, None, f"{judge.kind}: {'pass' if passed else 'fail'}")
        else:
            found = await self._rubric(item, number, answer, tasks, submit)
            if found is None:
                return None
            verdict = found
        return verdict

    async def _rubric(
        self, item: Item, number: int, answer: str, tasks: dict[str, Task],
        submit: list[TaskSpec],
    ) -> Verdict | None:  # fmt: skip
        """The judge model's score of ``answer`` (it sees the task, rubric and answer only)."""
        assert self.judge is not None
        key = self.key(item, number, judge=True)
        task = tasks.get(key)
        if task is None:
            prompt = rubric_prompt(item.case.prompt, item.case.judge.rubric, answer)
            role = pinned_agent(self.control.settings.default_agent, self.judge)
            submit.append(
                TaskSpec(prompt, title=f"judge {item.case.id}", role=role, tags=("eval-judge",),
                         key=key, priority=EVAL_PRIORITY)
            )  # fmt: skip
            return None
        if not task.state.terminal:
            return None
        parsed = parse_rubric(task.result or "") if task.state == TaskState.SUCCEEDED else None
        if parsed is None:
            return Verdict(None, None, f"the judge gave no score ({task.state.value})")
        return Verdict(None, float(parsed.score), parsed.reason[:500])

    def _result(
        self, run: EvalRunRow, item: Item, used: list[Task], verdict: Verdict
    ) -> EvalResult:
        final = used[-1]
        latency = [
            (t.finished_at - t.started_at) * 1000
            for t in used
            if t.finished_at is not None and t.started_at is not None
        ]
        model = f"{final.provider}/{final.model}" if final.provider and final.model else None
        return EvalResult(
            run_id=run.id,
            case_id=item.case.id,
            config=item.config.name,
            rep=item.rep,
            task_ids=tuple(t.id for t in used),
            model=model,
            role=item.config.stages[len(used) - 1].agent
            or item.case.role
            or self.control.settings.default_agent,
            answer=verdict.answer if verdict.answer is not None else final.result or "",
            passed=verdict.passed,
            score=verdict.score,
            reason=verdict.reason,
            escalated=len(used) > 1,
            cost_usd=sum(t.cost_usd for t in used),
            tokens_in=sum(t.tokens_in for t in used),
            tokens_out=sum(t.tokens_out for t in used),
            latency_ms=sum(latency) if len(latency) == len(used) else None,
            created_at=self.control.clock(),
        )
