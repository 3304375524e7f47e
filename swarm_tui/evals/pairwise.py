"""Pairwise comparison of two configurations' answers by a judge model, after an eval run:
for every case and repeat the judge sees the task and the two answers, unlabelled, twice
(positions swapped); a preference counts only when both orders agree. The judge calls are
ordinary tasks (keys per case, pair, repeat and order: resumable like the run itself)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from swarm_tui.core.control import Control
from swarm_tui.domain.evals import EvalResult, EvalRunRow
from swarm_tui.domain.intervals import wilson
from swarm_tui.domain.models import Task, TaskSpec, TaskState
from swarm_tui.evals.cases import EvalCase
from swarm_tui.evals.configs import pinned_agent
from swarm_tui.evals.judges import Preference, combine_pairwise, pairwise_prompt, parse_pairwise

__all__ = ["PairSummary", "compare_pair", "summarise_pair"]


@dataclass(frozen=True, slots=True)
class PairSummary:
    a: str
    b: str
    a_better: int
    b_better: int
    ties: int
    undecided: int
    """The two orders disagreed (a position-biased judge lands here), or no verdict came."""

    @property
    def decided(self) -> int:
        return self.a_better + self.b_better + self.ties

    def interval(self) -> tuple[float, float]:
        return wilson(self.a_better + self.ties, self.decided)

    def line(self) -> str:
        text = (
            f"pairwise {self.a} against {self.b} (blind judge, both orders): {self.a} better in"
            f" {self.a_better}, {self.b} better in {self.b_better}, ties {self.ties},"
            f" undecided {self.undecided}"
        )
        if self.decided:
            low, high = self.interval()
            share = (self.a_better + self.ties) / self.decided
            text += (
                f"; {self.a} as good or better in {share:.0%} of {self.decided}"
                f" (95% CI {low:.0%}-{high:.0%}, Wilson)"
            )
        return text

    def to_json(self) -> dict[str, object]:
        low, high = self.interval() if self.decided else (None, None)
        return {
            "a": self.a, "b": self.b, "a_better": self.a_better, "b_better": self.b_better,
            "ties": self.ties, "undecided": self.undecided, "ci_low": low, "ci_high": high,
        }  # fmt: skip


def summarise_pair(a: str, b: str, verdicts: Sequence[str]) -> PairSummary:
    return PairSummary(
        a, b, verdicts.count("a"), verdicts.count("b"), verdicts.count("tie"),
        sum(v not in ("a", "b", "tie") for v in verdicts),
    )  # fmt: skip


async def compare_pair(
    control: Control, run: EvalRunRow, cases: Sequence[EvalCase], results: Sequence[EvalResult],
    a: str, b: str, judge: str, *, poll_s: float = 0.2,
) -> PairSummary:  # fmt: skip
    """Judge every case and repeat both configurations answered; verdicts go to the ledger."""
    ledger = control.ledger
    done = {(c, r) for c, x, y, r, _v in await ledger.eval_pairs(run.id) if (x, y) == (a, b)}
    answers = {(r.case_id, r.config, r.rep): r.answer for r in results}
    by_id = {c.id: c for c in cases}
    todo = sorted(
        {(r.case_id, r.rep) for r in results if r.config == a and (r.case_id, b, r.rep) in answers}
        - done
    )
    role = pinned_agent(control.settings.default_agent, judge)

    def key(case: str, rep: int, order: str) -> str:
        return f"eval:{run.id}:{case}:{a}|{b}:{rep}:{order}"

    specs = []
    for case, rep in todo:
        first, second = answers[(case, a, rep)], answers[(case, b, rep)]
        rubric = by_id[case].judge.rubric if case in by_id else ""
        task_text = by_id[case].prompt if case in by_id else ""
        for order, x, y in (("ab", first, second), ("ba", second, first)):
            specs.append(
                TaskSpec(pairwise_prompt(task_text, x, y, rubric), title=f"judge {case} {order}",
                         role=role, tags=("eval-judge",), key=key(case, rep, order), priority=-1)
            )  # fmt: skip
    if specs:
        await control.submit(specs, [s.key or "" for s in specs])
    while todo:
        keys = [key(c, r, o) for c, r in todo for o in ("ab", "ba")]
        ids = await ledger.existing_keys(keys)
        tasks: dict[str, Task] = {
            t.key: t for t in await control.tasks_by_id(ids.values()) if t.key
        }
        left = []
        for case, rep in todo:
            ab, ba = tasks.get(key(case, rep, "ab")), tasks.get(key(case, rep, "ba"))
            if ab is None or ba is None or not (ab.state.terminal and ba.state.terminal):
                left.append((case, rep))
                continue
            verdict = combine_pairwise(_preference(ab), _preference(ba))
            await ledger.save_eval_pair(run.id, case, a, b, rep, verdict, control.clock())
        todo = left
        if todo:
            await asyncio.sleep(poll_s)
    verdicts = [v for _c, x, y, _r, v in await ledger.eval_pairs(run.id) if (x, y) == (a, b)]
    return summarise_pair(a, b, verdicts)


def _preference(task: Task) -> Preference | None:
    return parse_pairwise(task.result or "") if task.state == TaskState.SUCCEEDED else None
