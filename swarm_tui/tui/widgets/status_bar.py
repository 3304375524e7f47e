"""The status bar: running / queued / failed counts, spend against budget, tokens/s, pauses."""

from __future__ import annotations

from textual.widget import Widget

from swarm_tui.domain.reads import Totals

__all__ = ["StatusBar", "status_text"]


def status_text(
    totals: Totals | None,
    *,
    tokens_per_s: float,
    budget_usd: float,
    paused_all: bool,
    paused_agents: list[str],
    compact: bool = False,
) -> str:
    by = totals.by_state if totals else {}
    cost = totals.cost_usd if totals else 0.0
    spend = f"${cost:.4f}" + (f" / ${budget_usd:.2f}" if budget_usd else "")
    parts = [
        f"▶ {by.get('running', 0)} running",
        f"{by.get('queued', 0)} queued",
        f"{by.get('failed', 0)} failed",
    ]
    if by.get("needs_vote"):  # a human is needed: shown even when compact
        parts.append(f"{by['needs_vote']} to vote (v)")
    if by.get("needs_review"):  # a coding task's diff waits for a human (swarm-tui review)
        parts.append(f"{by['needs_review']} to review")
    parts.append(f"{by.get('succeeded', 0)} done")  # progress: shown even when compact
    if by.get("paused") and not compact:
        parts.append(f"{by['paused']} paused")
    parts += [spend, f"{tokens_per_s:.0f} tok/s"]
    if paused_all:
        parts.insert(0, "⏸ ALL PAUSED")
    elif paused_agents:
        parts.append("⏸ " + ",".join(paused_agents))
    return " · ".join(parts)


class StatusBar(Widget):
    """One line, repainted only when its text changes and never re-laid out (a relayout of
    the whole screen on every flush is what made the control room lag under load)."""

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $status-bar-background;
        color: $status-bar-foreground;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""

    def render(self) -> str:
        return self.text

    def show(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.refresh()
