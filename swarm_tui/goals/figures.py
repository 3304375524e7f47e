"""A goal's figures: tokens per model, cost, the saving against ``[budget] baseline``, wall
time, time per step, the quality score and the rounds; and ``report --by goal``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Protocol

from swarm_tui.config import Settings
from swarm_tui.core.router import split_ref
from swarm_tui.domain.goals import Goal
from swarm_tui.domain.models import Attempt, Task
from swarm_tui.providers.base import Usage
from swarm_tui.providers.pricing import price

__all__ = ["GoalReads", "goal_figures", "goals_report", "render_goals"]


class GoalReads(Protocol):
    async def goal_tasks(self, goal_id: int) -> list[Task]: ...

    async def attempts(self, task_id: int) -> list[Attempt]: ...


async def goal_figures(
    reads: GoalReads, settings: Settings, goal: Goal, now: float
) -> dict[str, Any]:
    base_ref = settings.budget.baseline
    base = None
    if base_ref:
        provider, model = split_ref(base_ref)
        base = settings.providers[provider].models[model]
    models: dict[str, dict[str, float]] = {}
    steps: list[dict[str, Any]] = []
    total_cost = baseline = 0.0
    for task in await reads.goal_tasks(goal.id):
        for a in await reads.attempts(task.id):
            fig = models.setdefault(
                f"{a.provider}/{a.model}", {"tokens_in": 0, "tokens_out": 0, "cost_usd": 0.0}
            )
            fig["tokens_in"] += a.tokens_in or 0
            fig["tokens_out"] += a.tokens_out or 0
            fig["cost_usd"] += a.cost_usd
            total_cost += a.cost_usd
            if base is not None:
                usage = Usage(a.tokens_in, a.tokens_out, cached_tokens=a.tokens_cached)
                baseline += price(base, usage)
        seconds = (
            round(task.finished_at - task.started_at, 3)
            if task.finished_at is not None and task.started_at is not None
            else None
        )
        steps.append({
            "step": task.step, "task": task.id, "role": task.role, "state": task.state.value,
            "model": f"{task.provider}/{task.model}" if task.model else None,
            "tokens_in": task.tokens_in, "tokens_out": task.tokens_out,
            "cost_usd": round(task.cost_usd, 6), "seconds": seconds,
        })  # fmt: skip
    end = goal.finished_at if goal.finished_at is not None else now
    out: dict[str, Any] = {
        "id": goal.id,
        "request": goal.request,
        "state": goal.state.value,
        "workflow": goal.workflow,
        "reason": goal.reason,
        "score": goal.score,
        "pass_mark": goal.pass_mark,
        "rounds": goal.rounds,
        "wall_s": round(end - goal.created_at, 3),
        "tokens_in": int(sum(m["tokens_in"] for m in models.values())),
        "tokens_out": int(sum(m["tokens_out"] for m in models.values())),
        "cost_usd": round(total_cost, 6),
        "by_model": {
            k: {**v, "cost_usd": round(v["cost_usd"], 6)} for k, v in sorted(models.items())
        },
        "steps": steps,
        "baseline": base_ref,
    }
    if base_ref:
        saved = baseline - total_cost
        out["baseline_usd"] = round(baseline, 6)
        out["saving_usd"] = round(saved, 6)
        out["saving_percent"] = round(100 * saved / baseline, 2) if baseline else 0.0
    return out


async def goals_report(
    reads: GoalReads, settings: Settings, goals: list[Goal], now: float
) -> list[dict[str, Any]]:
    return [await goal_figures(reads, settings, g, now) for g in goals]


COLUMNS = ("id", "state", "workflow", "tokens_in", "tokens_out", "cost_usd", "baseline_usd",
           "saving_percent", "wall_s", "score", "rounds")  # fmt: skip


def _models(fig: dict[str, Any]) -> str:
    return "; ".join(
        f"{ref} {m['tokens_in']}/{m['tokens_out']}" for ref, m in fig["by_model"].items()
    )


def render_goals(figures: list[dict[str, Any]], fmt: str) -> str:
    """``report --by goal``: one row per goal (tokens per model as ``in/out``)."""
    if fmt == "json":
        return json.dumps({"goals": figures}, indent=2, sort_keys=True)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow((*COLUMNS, "tokens_by_model", "request"))
        for f in figures:
            writer.writerow((*(f.get(c) for c in COLUMNS), _models(f), f["request"]))
        return buf.getvalue()
    lines = ["# swarm-tui report by goal", ""]
    lines.append("| " + " | ".join((*COLUMNS, "tokens by model (in/out)")) + " |")
    lines.append("|---" * (len(COLUMNS) + 1) + "|")
    for f in figures:
        cells = ["" if f.get(c) is None else str(f.get(c)) for c in COLUMNS]
        lines.append("| " + " | ".join([*cells, _models(f)]) + " |")
    return "\n".join(lines) + "\n"
