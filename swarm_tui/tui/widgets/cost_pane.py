"""The cost pane: spend against every budget, spend over time (per hour), per model, and the
savings against the baseline model. Hidden until ``c`` shows it; while shown it re-reads the
ledger every few seconds (never per event)."""

from __future__ import annotations

from typing import Any

from textual.widget import Widget

from swarm_tui.config import Settings
from swarm_tui.core.budget import Line, usd
from swarm_tui.core.report import build_report
from swarm_tui.service.room_api import SwarmAPI

__all__ = ["CostPane", "cost_text"]

BARS = " ▁▂▃▄▅▆▇█"
REFRESH_S = 3.0


def _bar(values: list[float], width: int) -> str:
    values = values[-width:]
    top = max(values, default=0.0)
    if top <= 0:
        return "▁" * len(values)
    return "".join(BARS[min(8, round(8 * v / top))] for v in values)


def cost_text(report: dict[str, Any], lines: list[Line], *, width: int = 38) -> str:
    """The pane's text from a report (``swarm_tui.report.build_report``) and budget lines."""
    out = ["[b]Cost[/b]"]
    for line in lines:  # held: in flight (the daily line: every run's, on every host)
        held = f" +{usd(line.reserved)} held" if line.reserved > 0 else ""
        out.append(
            f"{line.label} {usd(line.spent)} / {usd(line.limit)} ({line.percent:.0f}%){held}"
        )
    total = report["total"]
    out.append(f"spent {usd(total['cost_usd'])} · {total['tokens_in']}↓ {total['tokens_out']}↑")
    if "savings" in report:
        s = report["savings"]
        out.append(f"saved {usd(s['usd'])} ({s['percent']:.0f}%) vs {report['baseline']}")
        shadow = report.get("shadow") or {}
        if shadow.get("decided"):  # shadow samples: the saving's measured quality
            low, high, n = shadow["ci_low"], shadow["ci_high"], shadow["decided"]
            share = shadow["good_or_better"]
            out.append(
                f"as good {100 * share:.0f}% (95% CI {100 * low:.0f}-{100 * high:.0f}%, n={n})"
            )
    hours = list(report["spend_by_hour"].values())
    if hours:
        out.append(f"per hour {_bar(hours, width - 9)}")
    models = sorted(report["by_model"].items(), key=lambda kv: -kv[1]["cost_usd"])
    for ref, fig in models[:8]:
        name = ref if len(ref) <= width - 12 else "…" + ref[-(width - 13) :]
        out.append(f"{name:<{width - 12}} {usd(fig['cost_usd']):>10}")
    out.append("[dim]e: evals, quality against cost[/dim]")
    return "\n".join(out)


class CostPane(Widget):
    DEFAULT_CSS = """
    CostPane {
        display: none;
        width: 40;
        height: 1fr;
        border: round $panel;
        padding: 0 1;
    }
    CostPane.-shown { display: block; }
    """

    def __init__(self, orch: SwarmAPI, settings: Settings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.orch = orch
        self.settings = settings
        self.text = "[b]Cost[/b]\nreading the ledger…"

    def render(self) -> str:
        return self.text

    def on_mount(self) -> None:
        self.set_interval(REFRESH_S, self.refresh_figures, name="cost")

    async def refresh_figures(self) -> None:
        if not self.has_class("-shown"):
            return
        report = await build_report(self.orch, self.settings, None)
        self.text = cost_text(report, await self.orch.budget_lines())
        self.refresh()

    async def toggle(self) -> None:
        self.set_class(not self.has_class("-shown"), "-shown")
        await self.refresh_figures()
