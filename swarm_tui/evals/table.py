"""The table: per configuration, quality with its 95% interval, cost, tokens, latency, cost
per correct answer and the cases it alone got right or wrong; as md, JSON or CSV, and two
runs side by side.

Quality is the share of right answers with a Wilson interval (mechanical judges), or the
mean rubric score (1-10) with a 95% percentile-bootstrap interval (a judge model). A case
counts as right for a configuration when more than half of its repeats were right.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from swarm_tui.domain.evals import EvalResult
from swarm_tui.evals.stats import bootstrap_mean, percentile, wilson

__all__ = ["ConfigSummary", "compare", "quality_text", "render", "summarise"]


@dataclass(frozen=True, slots=True)
class ConfigSummary:
    config: str
    results: int
    correct: int
    judged: int
    """Results with a right/wrong verdict."""
    accuracy: float | None
    accuracy_low: float | None
    accuracy_high: float | None
    scored: int
    """Results with a rubric score."""
    mean_score: float | None
    score_low: float | None
    score_high: float | None
    cost_usd: float
    tokens_in: int
    tokens_out: int
    p50_ms: float | None
    p95_ms: float | None
    cost_per_correct: float | None
    escalated: int
    alone_right: tuple[str, ...]
    alone_wrong: tuple[str, ...]

    @property
    def quality(self) -> float:
        """0..1: the accuracy, else the mean score over 10 (for the plot and the front)."""
        if self.accuracy is not None:
            return self.accuracy
        return (self.mean_score or 0.0) / 10


def _case_right(results: Sequence[EvalResult]) -> dict[str, dict[str, bool]]:
    """config -> case -> right (more than half its repeats right; a score of 7+ is right)."""
    votes: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        ok = r.passed if r.passed is not None else (r.score is not None and r.score >= 7)
        votes[r.config][r.case_id].append(bool(ok))
    return {
        c: {case: sum(v) * 2 > len(v) for case, v in cases.items()} for c, cases in votes.items()
    }


def summarise(results: Sequence[EvalResult], order: Sequence[str] = ()) -> list[ConfigSummary]:
    by_config: dict[str, list[EvalResult]] = defaultdict(list)
    for r in results:
        by_config[r.config].append(r)
    names = [c for c in order if c in by_config] + sorted(set(by_config) - set(order))
    right = _case_right(results)
    out = []
    for name in names:
        rows = by_config[name]
        judged = [r for r in rows if r.passed is not None]
        correct = sum(1 for r in judged if r.passed)
        scores = [r.score for r in rows if r.score is not None]
        low, high = wilson(correct, len(judged)) if judged else (None, None)
        s_low, s_high = bootstrap_mean(scores) if scores else (None, None)
        latencies = [r.latency_ms for r in rows if r.latency_ms is not None]
        cost = sum(r.cost_usd for r in rows)
        mine = right.get(name, {})
        others = [right[c] for c in names if c != name]
        alone_right = sorted(
            case
            for case, ok in mine.items()
            if ok and others and not any(o.get(case) for o in others)
        )
        alone_wrong = sorted(
            case
            for case, ok in mine.items()
            if not ok and others and all(o.get(case) for o in others)
        )
        out.append(
            ConfigSummary(
                config=name,
                results=len(rows),
                correct=correct,
                judged=len(judged),
                accuracy=correct / len(judged) if judged else None,
                accuracy_low=low,
                accuracy_high=high,
                scored=len(scores),
                mean_score=sum(scores) / len(scores) if scores else None,
                score_low=s_low,
                score_high=s_high,
                cost_usd=cost,
                tokens_in=sum(r.tokens_in for r in rows),
                tokens_out=sum(r.tokens_out for r in rows),
                p50_ms=percentile(latencies, 50),
                p95_ms=percentile(latencies, 95),
                cost_per_correct=cost / correct if correct else None,
                escalated=sum(1 for r in rows if r.escalated),
                alone_right=tuple(alone_right),
                alone_wrong=tuple(alone_wrong),
            )
        )
    return out


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def _quality(s: ConfigSummary) -> str:
    parts = []
    if s.accuracy is not None:
        parts.append(
            f"{_pct(s.accuracy)} ({s.correct}/{s.judged}; 95% CI {_pct(s.accuracy_low)}-"
            f"{_pct(s.accuracy_high)}, Wilson)"
        )
    if s.mean_score is not None:
        parts.append(
            f"{s.mean_score:.1f}/10 (n={s.scored}; 95% CI {s.score_low:.1f}-{s.score_high:.1f},"
            " bootstrap)"
        )
    return "; ".join(parts) or "—"


quality_text = _quality
"""A configuration's quality with its interval, as the table shows it."""


def _ms(v: float | None) -> str:
    return "—" if v is None else f"{v:.0f}"


def _money(v: float | None) -> str:
    return "—" if v is None else f"${v:.4f}"


def _cases(names: Sequence[str]) -> str:
    return ", ".join(names) or "—"


_HEAD = (
    "| configuration | quality | cost | tokens in/out | p50 ms | p95 ms | cost/correct"
    " | alone right | alone wrong |"
)


def _md(summaries: Sequence[ConfigSummary], title: str) -> str:
    lines = [f"## {title}", "", _HEAD, "|" + "---|" * 9]
    for s in summaries:
        lines.append(
            f"| {s.config} | {_quality(s)} | {_money(s.cost_usd)} | {s.tokens_in}/{s.tokens_out}"
            f" | {_ms(s.p50_ms)} | {_ms(s.p95_ms)} | {_money(s.cost_per_correct)}"
            f" | {_cases(s.alone_right)} | {_cases(s.alone_wrong)} |"
        )
    escalated = [s for s in summaries if s.escalated]
    for s in escalated:
        lines.append(f"\n{s.config}: {s.escalated} of {s.results} answers escalated")
    return "\n".join(lines)


def _row(s: ConfigSummary, run: str) -> dict[str, object]:
    row = asdict(s)
    row["alone_right"] = list(s.alone_right)
    row["alone_wrong"] = list(s.alone_wrong)
    return {"run": run, **row}


def render(summaries: Sequence[ConfigSummary], fmt: str, run: str = "") -> str:
    if fmt == "json":
        return json.dumps(
            {"run": run, "configurations": [_row(s, run) for s in summaries]}, indent=2
        )
    if fmt == "csv":
        return _csv([_row(s, run) for s in summaries])
    return _md(summaries, f"eval {run}" if run else "eval")


def _csv(rows: Sequence[dict[str, object]]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return buf.getvalue()


def compare(runs: Sequence[tuple[str, Sequence[ConfigSummary]]], fmt: str) -> str:
    """Two (or more) runs side by side: one row per run and configuration."""
    if fmt == "json":
        return json.dumps(
            {"runs": [{"run": n, "configurations": [_row(s, n) for s in ss]} for n, ss in runs]},
            indent=2,
        )
    if fmt == "csv":
        return _csv([_row(s, n) for n, ss in runs for s in ss])
    lines = ["## eval runs side by side", "", "| run " + _HEAD, "|" + "---|" * 10]
    for name, summaries in runs:
        for s in summaries:
            lines.append(
                f"| {name} | {s.config} | {_quality(s)} | {_money(s.cost_usd)}"
                f" | {s.tokens_in}/{s.tokens_out} | {_ms(s.p50_ms)} | {_ms(s.p95_ms)}"
                f" | {_money(s.cost_per_correct)} | {_cases(s.alone_right)}"
                f" | {_cases(s.alone_wrong)} |"
            )
    return "\n".join(lines)
