"""``swarm-tui report``: tokens, cost, TTFT, duration and success per agent, model, role and
provider, with the savings against the ``[budget] baseline`` model, as Markdown, JSON or CSV.

Savings: what the same tokens (in, cached, out) would have cost on the baseline model, minus
what they cost. Attempts still running are left out.

Attempts are counted by how they ended: succeeded, failed, stopped (by the operator: pause,
cancel, reassign, shutdown) and abandoned (their orchestrator died). The success rate is
succeeded / (succeeded + failed): a stop or a crash says nothing about the model.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from swarm_tui.config import Settings
from swarm_tui.core.router import split_ref
from swarm_tui.domain.evals import ShadowSample
from swarm_tui.domain.intervals import wilson
from swarm_tui.domain.reads import AttemptFigures, ConsensusRow, ReportFigures
from swarm_tui.providers.base import Usage
from swarm_tui.providers.pricing import price

__all__ = ["FiguresSource", "build_report", "parse_since", "render", "report_from"]

GROUPS = ("agent", "model", "role", "provider")
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str | None, now: float) -> float | None:
    """``24h``, ``7d``, ``30m`` (back from now) or an ISO date/time (UTC unless it says)."""
    if not text:
        return None
    match = _RELATIVE.fullmatch(text.strip())
    if match:
        return now - float(match.group(1)) * _UNIT[match.group(2)]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since {text!r}: expected an ISO date/time (2026-01-31T18:00) or an age"
            " like 30m, 24h, 7d"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


@dataclass
class Figures:
    attempts: int = 0
    succeeded: int = 0
    failed: int = 0
    stopped: int = 0
    abandoned: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    estimated: int = 0
    """Attempts whose usage is partly estimated (their stream ended before the report)."""
    cost_usd: float = 0.0
    baseline_usd: float = 0.0
    _ttft: list[float] = field(default_factory=list)
    _duration: list[float] = field(default_factory=list)

    def add(self, a: AttemptFigures, baseline: float) -> None:
        self.attempts += 1
        self.succeeded += a.state == "succeeded"
        self.failed += a.state == "failed"
        self.stopped += a.state == "stopped"
        self.abandoned += a.state == "abandoned"
        self.tokens_in += a.tokens_in or 0
        self.tokens_out += a.tokens_out or 0
        self.estimated += a.usage_source == "estimated"
        self.cost_usd += a.cost_usd
        self.baseline_usd += baseline
        if a.ttft_ms is not None:
            self._ttft.append(a.ttft_ms)
        if a.duration_ms is not None:
            self._duration.append(a.duration_ms)

    def to_json(self) -> dict[str, Any]:
        judged = self.succeeded + self.failed
        return {
            "attempts": self.attempts,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "stopped": self.stopped,
            "abandoned": self.abandoned,
            "success_rate": round(self.succeeded / judged, 4) if judged else None,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "estimated_usage": self.estimated,
            "cost_usd": round(self.cost_usd, 6),
            "baseline_usd": round(self.baseline_usd, 6),
            "ttft_ms": _mean(self._ttft),
            "duration_ms": _mean(self._duration),
        }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


class FiguresSource(Protocol):
    """What a report is read from: ``Control`` in a running room, the ``Ledger`` in the CLI."""

    async def report_figures(self, since: float | None) -> ReportFigures: ...


async def build_report(
    source: FiguresSource, settings: Settings, since: float | None
) -> dict[str, Any]:
    return report_from(await source.report_figures(since), settings)


def report_from(figures: ReportFigures, settings: Settings) -> dict[str, Any]:
    """The report of ``figures``: totals, groups, savings, spend per hour, consensus."""
    base_ref = settings.budget.baseline
    base_model = None
    if base_ref:
        provider, model = split_ref(base_ref)
        base_model = settings.providers[provider].models[model]
    total = Figures()
    groups: dict[str, dict[str, Figures]] = {g: {} for g in GROUPS}
    hours: dict[str, float] = {}
    for a in figures.attempts:
        usage = Usage(a.tokens_in, a.tokens_out, cached_tokens=a.tokens_cached, source="reported")
        baseline = price(base_model, usage) if base_model is not None else 0.0
        keys = {"agent": a.agent, "model": f"{a.provider}/{a.model}", "role": a.role,
                "provider": a.provider}  # fmt: skip
        for group, key in keys.items():
            groups[group].setdefault(key, Figures()).add(a, baseline)
        total.add(a, baseline)
        hour = time.strftime("%Y-%m-%dT%H:00Z", time.gmtime(a.started_at))
        hours[hour] = hours.get(hour, 0.0) + a.cost_usd
    out: dict[str, Any] = {"since": figures.since, "baseline": base_ref, "total": total.to_json()}
    if base_ref:
        saved = total.baseline_usd - total.cost_usd
        share = saved / total.baseline_usd if total.baseline_usd else 0.0
        out["savings"] = {"usd": round(saved, 6), "percent": round(100 * share, 2)}
    for group in GROUPS:
        out[f"by_{group}"] = {k: f.to_json() for k, f in sorted(groups[group].items())}
    out["spend_by_hour"] = {h: round(v, 6) for h, v in sorted(hours.items())}
    out["consensus"] = consensus_figures(figures.consensus)
    out["shadow"] = shadow_figures(figures.shadow)
    return out


def shadow_figures(samples: Sequence[ShadowSample]) -> dict[str, Any]:
    """Shadow samples: how many were judged, the share judged as good as the baseline's
    answer or better (a preference counted only when both orders agreed) with its 95%
    Wilson interval, and what sampling cost."""
    counts = {v: sum(s.verdict == v for s in samples) for v in SHADOW_VERDICTS}
    decided = counts["better"] + counts["same"] + counts["worse"]
    good = counts["better"] + counts["same"]
    low, high = wilson(good, decided)
    return {
        "samples": len(samples),
        **counts,
        "decided": decided,
        "good_or_better": round(good / decided, 4) if decided else None,
        "ci_low": round(low, 4) if decided else None,
        "ci_high": round(high, 4) if decided else None,
        "cost_usd": round(sum(s.cost_usd for s in samples), 6),
    }


SHADOW_VERDICTS = ("better", "same", "worse", "none", "pending")


def _shadow_line(report: dict[str, Any]) -> str | None:
    """ "saved 78% against X; judged as good or better in 92% of 140 samples (95% CI 86-96%)"."""
    s, saved = report.get("shadow") or {}, report.get("savings")
    if saved is None:
        return None
    line = f"saved {saved['percent']:.0f}% against {report['baseline']}"
    if not s.get("decided"):
        if s.get("samples"):
            return (
                f"{line}; quality not measured yet ({s['samples']} shadow sample(s), none decided)"
            )
        return f"{line}; quality not measured (no shadow samples: [eval] shadow_rate)"
    line += (
        f"; judged as good or better in {100 * s['good_or_better']:.0f}% of {s['decided']}"
        f" samples (95% CI {100 * s['ci_low']:.0f}-{100 * s['ci_high']:.0f}%)"
    )
    if s["none"]:
        line += f"; {s['none']} undecided (the judge's two orders disagreed)"
    return line


def consensus_figures(runs: Sequence[ConsensusRow]) -> dict[str, Any]:
    """Consensus and review runs: how many, how they were decided, what they cost, and per
    model its answers, votes won, votes cast, review score and cost."""
    decided_by: dict[str, int] = {}
    models: dict[str, dict[str, Any]] = {}
    scores: dict[str, list[float]] = {}
    for run in runs:
        how = run.decided_by or run.status
        decided_by[how] = decided_by.get(how, 0) + 1
        for m in run.models:
            f = models.setdefault(
                m.model, {"answers": 0, "votes_won": 0, "votes_cast": 0, "reviews": 0, "cost": 0.0}
            )
            f["answers"] += m.answers
            f["votes_won"] += m.won
            f["votes_cast"] += m.votes
            f["reviews"] += m.reviews
            f["cost"] += m.cost_usd
            if m.score is not None:
                scores.setdefault(m.model, []).append(m.score)
    by_model = {}
    for model, f in sorted(models.items()):
        answered = f["answers"]
        mine = scores.get(model)
        by_model[model] = {
            "answers": answered,
            "votes_won": f["votes_won"],
            "win_rate": round(f["votes_won"] / answered, 4) if answered else None,
            "votes_cast": f["votes_cast"],
            "reviews": f["reviews"],
            "review_score": round(sum(mine) / len(mine), 2) if mine else None,
            "cost_usd": round(f["cost"], 6),
        }
    return {
        "runs": len(runs),
        "waiting": sum(r.status == "needs_human" for r in runs),
        "decided_by": dict(sorted(decided_by.items())),
        "cost_usd": round(sum(r.cost_usd for r in runs), 6),
        "by_model": by_model,
    }


COLUMNS = ("attempts", "succeeded", "failed", "stopped", "abandoned", "success_rate",
           "tokens_in", "tokens_out", "estimated_usage", "cost_usd", "baseline_usd", "ttft_ms",
           "duration_ms")  # fmt: skip


def _table_rows(report: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    yield "total", "all", report["total"]
    for group in GROUPS:
        for key, figures in report[f"by_{group}"].items():
            yield group, key, figures


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, sort_keys=True)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(("group", "key", *COLUMNS))
        for group, key, fig in _table_rows(report):
            writer.writerow((group, key, *(fig[c] for c in COLUMNS)))
        if report["consensus"]["runs"]:
            writer.writerow(())
            writer.writerow(("consensus_model", *CONSENSUS_COLUMNS))
            for model, fig in report["consensus"]["by_model"].items():
                writer.writerow((model, *(fig[c] for c in CONSENSUS_COLUMNS)))
        return buf.getvalue()
    lines = ["# swarm-tui report", ""]
    if "savings" in report:
        s = report["savings"]
        lines += [
            f"Savings against {report['baseline']}: ${s['usd']:.4f} ({s['percent']:.1f}%)",
            "",
        ]
        shadow = _shadow_line(report)
        if shadow is not None:
            lines += [shadow, ""]
    if report["total"]["estimated_usage"]:
        lines += [
            f"{report['total']['estimated_usage']} attempt(s) ended before their backend"
            " reported usage: their tokens are partly estimated (about 4 characters per token)"
            " and counted in every figure.",
            "",
        ]
    lines.append("| group | key | " + " | ".join(COLUMNS) + " |")
    lines.append("|---" * (len(COLUMNS) + 2) + "|")
    for group, key, fig in _table_rows(report):
        cells = ["" if fig[c] is None else str(fig[c]) for c in COLUMNS]
        lines.append(f"| {group} | {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines + _consensus_lines(report["consensus"])) + "\n"


CONSENSUS_COLUMNS = ("answers", "votes_won", "win_rate", "votes_cast", "reviews", "review_score",
                     "cost_usd")  # fmt: skip


def _consensus_lines(c: dict[str, Any]) -> list[str]:
    if not c["runs"]:
        return []
    how = ", ".join(f"{k} {v}" for k, v in c["decided_by"].items())
    lines = ["", "## Consensus and review", ""]
    lines.append(f"{c['runs']} run(s), ${c['cost_usd']:.4f}; decided by: {how or '-'}")
    if c["waiting"]:
        lines.append(f"{c['waiting']} wait for your vote (swarm-tui decide, or v in the room)")
    lines += ["", "| model | " + " | ".join(CONSENSUS_COLUMNS) + " |"]
    lines.append("|---" * (len(CONSENSUS_COLUMNS) + 1) + "|")
    for model, fig in c["by_model"].items():
        cells = ["" if fig[k] is None else str(fig[k]) for k in CONSENSUS_COLUMNS]
        lines.append(f"| {model} | " + " | ".join(cells) + " |")
    return lines
