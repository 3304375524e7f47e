"""The eval view in the room: ``e`` shows the ledger's latest eval run (made through the
real engine and orchestrator with stand-in models) as its table and its cost-vs-quality plot
with the Pareto front, and the live shadow samples' figure, which follows the ledger."""

from __future__ import annotations

from textual.widgets import Static

from swarm_tui.evals.plot import plot_points, terminal_plot
from swarm_tui.evals.stats import pareto_front
from swarm_tui.evals.table import summarise
from swarm_tui.store.ledger import Ledger
from swarm_tui.tui.screens.evals import EvalsScreen
from swarm_tui.tui.widgets.cost_pane import CostPane
from tests.evals.test_engine import _eval
from tests.tui.conftest import RoomFactory

CONFIGS = ["p1/m1", "p2/m1", "cascade:p1/m1>p2/m1"]


def shown(screen: EvalsScreen, name: str) -> str:
    return str(screen.query_one(f"#{name}", Static).render())


async def test_the_eval_view_draws_the_latest_run_its_front_and_the_shadow_figure(
    ledger: Ledger, make_room: RoomFactory
) -> None:
    engine, _ = await _eval(ledger, [",".join(CONFIGS)])
    results = await engine.results()
    summaries = summarise(results, CONFIGS)
    front = set(pareto_front([(s.config, s.cost_usd, s.quality) for s in summaries]))
    assert front  # something is on it
    task_ids = [r.task_ids[0] for r in results]
    for task_id, verdict in zip(task_ids[:3], ("same", "better", "worse"), strict=True):
        assert await ledger.add_shadow(task_id, "a", "p1/m1", "p2/m1", 1.0)
        await ledger.update_shadow(task_id, 2.0, verdict=verdict, cost_usd=0.001)

    async with make_room() as room:
        await room.press("e")
        screen = room.app.screen
        assert isinstance(screen, EvalsScreen)
        await room.wait_for(lambda: screen.view is not None, "the eval view to draw")
        table = shown(screen, "evals_table")
        assert f"eval run {engine.name} · set set · 3 configuration(s)" in table
        assert "21 result(s) · judge p2/m1" in table
        by = {s.config: s for s in summaries}
        assert by["p1/m1"].correct == 4 and by["p2/m1"].correct == 6
        assert "p1/m1: 67% (4/6; 95% CI" in table and "p2/m1: 100% (6/6; 95% CI" in table
        assert "cascade:p1/m1>p2/m1: 100% (6/6" in table and "2 escalated" in table

        plot = shown(screen, "evals_plot")
        assert plot == terminal_plot(plot_points(summaries), width=60, height=12)
        legend = [line for line in plot.splitlines() if line.startswith("  ") and ". " in line]
        assert len(legend) == 3
        on_front = {line.split(": ")[0].split()[-1] for line in legend if " front " in line}
        assert on_front == front

        assert "shadow samples: 3 taken, 3 decided; as good or better 67%" in shown(
            screen, "evals_shadow"
        )
        # Live: a fourth decided sample shows without closing the view.
        assert await ledger.add_shadow(task_ids[3], "a", "p1/m1", "p2/m1", 1.0)
        await ledger.update_shadow(task_ids[3], 2.0, verdict="better", cost_usd=0.001)
        await room.press("r")
        await room.wait_for(
            lambda: "4 taken, 4 decided; as good or better 75%" in shown(screen, "evals_shadow"),
            "the shadow figure to follow the ledger",
        )
        await room.press("escape")
        assert not isinstance(room.app.screen, EvalsScreen)


async def test_an_empty_ledger_says_how_to_run_an_eval(make_room: RoomFactory) -> None:
    async with make_room() as room:
        await room.press("c")  # the cost pane names the key
        pane = room.app.query_one(CostPane)
        await room.wait_for(lambda: "e: evals" in str(pane.render()), "the cost pane's hint")
        await room.press("e")
        screen = room.app.screen
        assert isinstance(screen, EvalsScreen)
        await room.wait_for(lambda: screen.view is not None, "the eval view to draw")
        assert "No eval run in this ledger yet" in shown(screen, "evals_table")
        assert shown(screen, "evals_shadow").startswith("shadow samples: none")
