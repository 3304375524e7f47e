"""The cost pane: hidden until ``c``; spend against the budget, per model, per hour and the
savings against the baseline, read from the ledger; fits an 80x24 terminal."""

from __future__ import annotations

from swarm_tui.config import BudgetConfig
from swarm_tui.domain.models import TaskState
from swarm_tui.tui.widgets.cost_pane import CostPane
from tests.tui.conftest import RoomFactory, room_settings


async def test_c_shows_spend_budget_models_and_savings(make_room: RoomFactory) -> None:
    base = room_settings()
    settings = base.model_copy(update={"budget": BudgetConfig(run_usd=2.0, baseline="p2/m1")})
    async with make_room(settings=settings, size=(80, 24)) as room:
        pane = room.app.query_one(CostPane)
        assert not pane.display
        task = await room.submit("count the cost", role="c")
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        await room.press("c")
        assert pane.display and pane.size.width > 0
        text = pane.text
        assert "run $0.0000 / $2.00 (0%)" in text
        assert "spent $0.0000" in text and "7↓ 3↑" in text  # the fake bills 7 in, 3 out
        assert "saved $0.0000 (0%) vs p2/m1" in text  # same prices: nothing saved
        assert "p1/m1" in text and "per hour" in text
        await room.press("c")
        assert not pane.display


def test_the_saving_carries_its_measured_quality_once_shadow_samples_are_decided() -> None:
    from swarm_tui.tui.widgets.cost_pane import cost_text

    total = {"cost_usd": 0.5, "tokens_in": 10, "tokens_out": 5}
    report = {"total": total, "savings": {"usd": 2.0, "percent": 80.0}, "baseline": "p2/m1",
              "spend_by_hour": {}, "by_model": {}}  # fmt: skip
    assert "as good" not in cost_text(report, [])  # no samples: nothing claimed
    report["shadow"] = {"decided": 140, "good_or_better": 0.92, "ci_low": 0.864, "ci_high": 0.956}
    assert "as good 92% (95% CI 86-96%, n=140)" in cost_text(report, [])


def test_a_budget_line_shows_what_is_held_in_flight() -> None:
    from swarm_tui.core.budget import Line
    from swarm_tui.tui.widgets.cost_pane import cost_text

    total = {"cost_usd": 0.5, "tokens_in": 10, "tokens_out": 5}
    report = {"total": total, "spend_by_hour": {}, "by_model": {}}
    text = cost_text(report, [Line("day", 0.5, 0.25, 2.0), Line("run", 0.5, 0.0, 1.0)])
    assert "daily $0.5000 / $2.00 (25%) +$0.2500 held" in text
    assert "run $0.5000 / $1.00 (50%)\n" in text
