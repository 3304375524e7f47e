"""Shadow samples of live work: a share of succeeded tasks also goes to the ``[budget]
baseline`` model, and a blind judge compares the two answers.

- **The draw** is by task id (a hash, not a process's random state), so every process on a
  ledger agrees which tasks are sampled, and a ledger row per task makes a sample once.
- **The cap.** ``[eval] shadow_budget_usd`` is the samples' own budget for a run: a sample is
  taken only when the worst case of what is open (baseline answer and two judge calls each)
  plus what closed samples cost stays within it; and the shadow agent's ``[budget]``
  limit is set to the same cap, so the orchestrator's admission control (reserve the worst
  case before each attempt, retries included) holds it too.
- **The judge** is the baseline model, asked twice with the answers' positions swapped; it
  sees the task and two unlabelled answers, never which model wrote what. A preference
  counts only when both orders agree (:func:`~swarm_tui.evals.judges.combine_pairwise`).

- **Code tasks** (a task with a ``project``) are compared by the project's checks first: the
  sample is taken when the task reaches review (or merges), its shadow runs in a worktree of
  its own (the same project, the baseline model, never merged: its worktree and branch are
  removed once judged), and when one side's checks pass and the other's fail, that decides
  (``better`` or ``worse``) with no judge asked. Only when both pass, both fail or either
  ran no checks does the blind judge compare the two (each side's summary and diff).

Verdicts, from the live answer's side: ``better``, ``same`` (a tie both ways), ``worse``,
``none`` (the orders disagreed, or no verdict came). ``report`` counts better + same as
"good or better" over the decided samples.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass

from swarm_tui.config import Settings
from swarm_tui.core.budget import worst_case
from swarm_tui.core.control import Control
from swarm_tui.core.errors import ControlError
from swarm_tui.domain.events import RecordChanged, TaskChanged
from swarm_tui.domain.models import AttemptState, Task, TaskSpec, TaskState
from swarm_tui.domain.workspaces import Review
from swarm_tui.evals.judges import combine_pairwise, pairwise_prompt, parse_pairwise

__all__ = ["ShadowSampler", "by_checks", "drawn", "shadow_agent", "shadow_settings"]

log = logging.getLogger(__name__)

SKIP_TAGS = frozenset({"eval", "eval-judge", "shadow", "shadow-judge"})
_VERDICT = {"a": "better", "tie": "same", "b": "worse", "none": "none"}
ANSWER_BYTES_PER_TOKEN = 8
"""Bytes per reply token assumed when bounding a judge prompt that will quote the answer."""
JUDGE_TEMPLATE_BYTES = 600


def shadow_agent(baseline: str) -> str:
    return f"shadow@{baseline}"


def shadow_settings(settings: Settings) -> Settings:
    """``settings`` with the shadow agent (the default agent's settings on the baseline model
    alone) and its budget limit, when shadow samples are on; else ``settings`` itself."""
    baseline = settings.budget.baseline
    if settings.eval.shadow_rate <= 0 or baseline is None:
        return settings
    name = shadow_agent(baseline)
    agent = settings.agents[settings.default_agent].model_copy(
        update={"mix": {baseline: 1.0}, "fallback": [], "mcp_servers": [], "project": None}
    )
    role_usd = dict(settings.budget.role_usd)
    role_usd[name] = settings.eval.shadow_budget_usd or 1e-12  # 0: nothing may run
    budget = settings.budget.model_copy(update={"role_usd": role_usd})
    return settings.model_copy(
        update={"agents": {**settings.agents, name: agent}, "budget": budget}
    )


def drawn(task_id: int, rate: float) -> bool:
    """Whether task ``task_id`` is sampled at ``rate``: a uniform draw from its id's hash."""
    digest = hashlib.sha256(f"shadow:{task_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


DONE = frozenset({TaskState.SUCCEEDED, TaskState.NEEDS_REVIEW})
"""A task's answer is there: it succeeded, or (a code task) it waits for review."""


def by_checks(live: bool | None, shadow: bool | None) -> str | None:
    """A code sample's verdict from the project's checks (each side: passed, failed, or
    None when no checks ran): decided when one side passed and the other failed."""
    if live is None or shadow is None or live == shadow:
        return None
    return "better" if live else "worse"


def code_answer(review: Review | None) -> str:
    """What the judge sees of a code task's work: the agent's summary and its diff."""
    if review is None:
        return ""
    return f"{review.summary}\n\n{review.diff}".strip()


@dataclass
class _Open:
    task: Task
    answer: str
    worst: float
    code: bool = False
    """A code task: compared by the project's checks first."""
    answers: tuple[str, str] | None = None
    """A code sample going to the judge: the live and the shadow side's work."""


class ShadowSampler:
    def __init__(self, control: Control, *, poll_s: float = 0.5) -> None:
        settings = control.settings
        assert settings.budget.baseline is not None
        self.control = control
        self.baseline = settings.budget.baseline
        self.agent = shadow_agent(self.baseline)
        self.rate = settings.eval.shadow_rate
        self.cap = settings.eval.shadow_budget_usd
        self.min_chars = settings.eval.shadow_min_chars
        self.poll_s = poll_s
        self.drawn = 0
        """Tasks the draw picked."""
        self.taken = 0
        """Samples taken (drawn, and within the cap)."""
        self.capped = 0
        """Drawn but left out: the cap could not cover another sample's worst case."""
        self.committed = 0.0
        """USD: the worst case of open samples plus what closed samples cost."""
        self.spent = 0.0
        """USD that closed samples cost."""
        self.open: dict[int, _Open] = {}

    # ------------------------------------------------------------------ worst case
    def _worst(self, prompt_bytes: int, messages: int) -> float:
        provider, _, model = self.baseline.partition("/")
        config = self.control.settings.providers[provider].models[model]
        per_token = self.control.settings.budget.prompt_bytes_per_token
        system = len(self.control.settings.agents[self.agent].system_prompt.encode())
        return worst_case(config, prompt_bytes + system, messages, per_token)

    def worst_of(self, task: Task, answer: str) -> float:
        """Most one sample can cost: the baseline's answer (a code task's: one call per fix
        round too) and two judge calls, each at most one attempt per ``[orchestrator]
        max_attempts``. (An agent CLI's tool turns are not bounded here: its model's
        ``max_tokens`` prices one reply.)"""
        provider, _, model = self.baseline.partition("/")
        max_tokens = self.control.settings.providers[provider].models[model].max_tokens
        prompt = len(task.prompt.encode())
        judge = JUDGE_TEMPLATE_BYTES + prompt + len(answer.encode())
        judge += max_tokens * ANSWER_BYTES_PER_TOKEN
        answer_calls = 1
        project = self.control.settings.projects.get(task.project or "")
        if project is not None:  # a code shadow: a model call per fix round too
            answer_calls += project.fix_rounds
        one = answer_calls * self._worst(prompt, 2) + 2 * self._worst(judge, 2)
        return one * self.control.settings.orchestrator.max_attempts

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        sub = self.control.bus.subscribe()
        try:
            while True:
                events: list[object] = []
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_s):
                        events = list(await sub.get())
                for event in events:  # never cut short by the poll's timeout
                    if isinstance(event, TaskChanged) and event.state in DONE:
                        await self.consider(event.task_id)
                if self.open:
                    await self.advance()
        finally:
            sub.close()

    async def consider(self, task_id: int) -> bool:
        """Take a sample of a succeeded task when the draw picks it and the cap allows."""
        if not drawn(task_id, self.rate):
            return False
        task = await self.control.task(task_id)
        code = task.project is not None
        if (
            task.state not in (DONE if code else {TaskState.SUCCEEDED})
            or SKIP_TAGS & set(task.tags)
            or "@" in task.role
            or f"{task.provider}/{task.model}" == self.baseline
        ):
            return False
        mine = [
            a for a in await self.control.attempts(task_id) if a.state == AttemptState.SUCCEEDED
        ]
        if not mine or mine[-1].owner != self.control.owner:
            return False  # another process ran it: that process samples it
        answer = task.result or ""
        if len(answer) < self.min_chars and not code:
            return False
        self.drawn += 1
        worst = self.worst_of(task, answer)
        if self.committed + worst > self.cap:
            self.capped += 1
            return False
        ledger = self.control.ledger
        model = f"{task.provider}/{task.model}"
        if not await ledger.add_shadow(
            task_id, task.role, model, self.baseline, self.control.clock()
        ):
            return False
        self.committed += worst
        self.taken += 1
        self.open[task_id] = _Open(task, answer, worst, code)
        spec = TaskSpec(task.prompt, title=f"shadow of #{task_id}", role=self.agent,
                        tags=("shadow",), key=f"shadow:{task_id}",
                        project=task.project)  # fmt: skip
        [(shadow, _new)] = await self.control.submit([spec], [f"shadow of #{task_id}"])
        await ledger.update_shadow(task_id, self.control.clock(), shadow_task_id=shadow.id)
        self._changed()
        return True

    def _changed(self) -> None:
        """This process's own sample writes on its bus (the change feed tells other
        processes'): an open eval view, here or attached to this service, reads again."""
        self.control.bus.publish(RecordChanged("eval", "shadow"))

    async def advance(self) -> None:
        """Judge samples whose baseline answer came; close those whose judging ended."""
        keys = [f"shadow:{i}{tail}" for i in self.open for tail in ("", ":ab", ":ba")]
        ids = await self.control.ledger.existing_keys(keys)
        tasks = {t.key: t for t in await self.control.tasks_by_id(ids.values()) if t.key}
        submit: list[TaskSpec] = []
        for task_id, sample in list(self.open.items()):
            shadow = tasks.get(f"shadow:{task_id}")
            if shadow is None or not (shadow.state.terminal or shadow.state in DONE):
                continue
            if shadow.state not in DONE:
                await self._close(task_id, "none", [shadow])
                continue
            if sample.code and sample.answers is None:
                decided = await self._checks(task_id, sample, shadow)
                if decided is not None:
                    await self._close(task_id, decided, [shadow])
                    continue
            ab, ba = tasks.get(f"shadow:{task_id}:ab"), tasks.get(f"shadow:{task_id}:ba")
            if ab is None or ba is None:
                live, base = sample.answers or (sample.answer, shadow.result or "")
                for tail, first, second in ((":ab", live, base), (":ba", base, live)):
                    submit.append(
                        TaskSpec(pairwise_prompt(sample.task.prompt, first, second),
                                 title=f"judge shadow of #{task_id}", role=self.agent,
                                 tags=("shadow-judge",), key=f"shadow:{task_id}{tail}")
                    )  # fmt: skip
                continue
            if not (ab.state.terminal and ba.state.terminal):
                continue
            verdict = combine_pairwise(
                parse_pairwise(ab.result or "") if ab.state == TaskState.SUCCEEDED else None,
                parse_pairwise(ba.result or "") if ba.state == TaskState.SUCCEEDED else None,
            )
            await self._close(task_id, _VERDICT[verdict], [shadow, ab, ba])
        if submit:
            await self.control.submit(submit, [s.key or "" for s in submit])

    async def _checks(self, task_id: int, sample: _Open, shadow: Task) -> str | None:
        """A code sample's verdict by the project's checks; None: the judge decides (the two
        sides' work kept on the sample for it)."""
        live = await self.control.review_of(task_id)
        base = await self.control.review_of(shadow.id)
        decided = by_checks(
            live.passed if live is not None else None, base.passed if base is not None else None
        )
        if decided is None:
            sample.answers = (code_answer(live), code_answer(base))
        return decided

    async def _discard(self, shadow: Task) -> None:
        """A code sample's shadow is never merged: its worktree and branch go once judged."""
        if shadow.state != TaskState.NEEDS_REVIEW:
            return
        try:
            await self.control.review_reject(shadow.id, "shadow sample: judged, never merged")
        except ControlError as exc:
            log.warning("shadow of #%d: its worktree stays: %s", shadow.id, exc)

    async def _close(self, task_id: int, verdict: str, used: list[Task]) -> None:
        sample = self.open.pop(task_id)
        if sample.code:
            await self._discard(used[0])
        cost = sum(t.cost_usd for t in used)
        self.committed += cost - sample.worst
        self.spent += cost
        await self.control.ledger.update_shadow(
            task_id, self.control.clock(), verdict=verdict, cost_usd=cost
        )
        self._changed()
        score = {"better": 1.0, "same": 1.0, "worse": 0.0}.get(verdict)
        model = f"{sample.task.provider}/{sample.task.model}"
        if score is not None:
            self.control.performance.add_evidence(sample.task.role, model, "shadow", score)
        if cost > sample.worst:
            log.warning("shadow sample of #%d cost more than its worst case", task_id)
