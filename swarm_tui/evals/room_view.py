"""What the room's eval view shows, read from the ledger: the latest eval run's table (per
configuration: quality with its 95% interval, cost, cost per correct answer, p50 latency),
its cost-vs-quality plot with the Pareto front (``evals.plot``'s text plot), and the live
shadow samples' figure (the saving's measured quality). Plain text; the TUI draws it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from swarm_tui.core.report import shadow_figures
from swarm_tui.domain.evals import EvalResult, EvalRunRow, ShadowSample
from swarm_tui.evals.plot import PlotPoint, plot_points, terminal_plot
from swarm_tui.evals.table import ConfigSummary, quality_text, summarise

__all__ = ["EMPTY_EVALS", "EvalView", "read_eval_view", "shadow_text", "table_text"]

EMPTY_EVALS = (
    "No eval run in this ledger yet.\n\n"
    "Run one with: swarm-tui eval examples/evals/basics.toml --against A,B\n"
    "(A, B: provider/model, a role, consensus:ROLE, cascade:A>B or cascade:A>B@0.7).\n"
    "The latest run's table and its cost-vs-quality plot show here."
)


@dataclass(frozen=True, slots=True)
class EvalView:
    run: EvalRunRow | None
    summaries: tuple[ConfigSummary, ...]
    points: tuple[PlotPoint, ...]
    shadow: dict[str, Any]


class EvalReads(Protocol):
    """The reads the eval view makes (``Control``'s)."""

    async def eval_runs(self) -> list[EvalRunRow]: ...
    async def eval_results(self, run_id: int) -> list[EvalResult]: ...
    async def shadow_samples(self, since: float | None = None) -> list[ShadowSample]: ...


async def read_eval_view(ledger: EvalReads) -> EvalView:
    runs = await ledger.eval_runs()
    shadow = shadow_figures(await ledger.shadow_samples())
    if not runs:
        return EvalView(None, (), (), shadow)
    run = runs[-1]
    summaries = summarise(await ledger.eval_results(run.id), run.configs)
    return EvalView(run, tuple(summaries), tuple(plot_points(summaries)), shadow)


def _money(v: float | None) -> str:
    return "-" if v is None else f"${v:.4f}"


def table_text(view: EvalView) -> str:
    """The run's heading and one line per configuration."""
    run = view.run
    if run is None:
        return EMPTY_EVALS
    measured = sum(s.results for s in view.summaries)
    lines = [
        f"eval run {run.name} · set {run.set_name} · {len(run.configs)} configuration(s)"
        f" x repeat {run.repeat} · {measured} result(s)"
        + (f" · judge {run.judge}" if run.judge else ""),
        "",
    ]
    for s in view.summaries:
        p50 = "-" if s.p50_ms is None else f"{s.p50_ms:.0f} ms"
        lines.append(
            f"{s.config}: {quality_text(s)} · cost {_money(s.cost_usd)}"
            f" · per correct {_money(s.cost_per_correct)} · p50 {p50}"
            + (f" · {s.escalated} escalated" if s.escalated else "")
        )
    if not view.summaries:
        lines.append("no results yet (the run is still measuring)")
    return "\n".join(lines)


def plot_text(view: EvalView, width: int = 60, height: int = 12) -> str:
    if not view.points:
        return ""
    return terminal_plot(view.points, width=width, height=height)


def shadow_text(shadow: dict[str, Any]) -> str:
    """The live shadow samples: how many, how many decided, and the share judged as good
    as the baseline's answer or better with its 95% interval."""
    if not shadow.get("samples"):
        return "shadow samples: none (set [eval] shadow_rate and [budget] baseline)"
    line = f"shadow samples: {shadow['samples']} taken, {shadow['decided']} decided"
    if shadow.get("decided"):
        line += (
            f"; as good or better {100 * shadow['good_or_better']:.0f}%"
            f" (95% CI {100 * shadow['ci_low']:.0f}-{100 * shadow['ci_high']:.0f}%)"
        )
    return line + f"; cost ${shadow['cost_usd']:.4f}"
