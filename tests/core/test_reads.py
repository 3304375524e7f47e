"""Views and ``report`` read through ``Control``: typed figures, tasks by id, budget lines —
the same as the ledger holds (a real SQLite file), with no ledger in the caller's hands."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from swarm_tui.config import BudgetConfig
from swarm_tui.core.report import build_report
from swarm_tui.domain.models import AttemptState, TaskSpec, TaskState
from swarm_tui.store.ledger import Ledger
from tests.conftest import Clock, OrchFactory, make_settings
from tests.store.test_ledger import NOW, add, claim, end, new

PACKAGE = Path(__file__).resolve().parents[2] / "swarm_tui"


async def _ended(ledger: Ledger, cost: float, *, owner: str = "test:1:1", now: float = NOW) -> int:
    [task_id] = await add(ledger, new("paid"), now=now)
    attempt = await claim(ledger, task_id, now=now, owner=owner)
    assert attempt is not None
    done = end(
        AttemptState.SUCCEEDED, TaskState.SUCCEEDED, tokens_in=100, tokens_out=50,
        usage_source="reported", cost_usd=cost,
    )  # fmt: skip
    assert await ledger.finish_attempt(attempt, done, now + 1)
    return task_id


async def test_tasks_by_id_reads_many_at_once_and_leaves_out_unknown_ids(
    make_orch: OrchFactory,
) -> None:
    orch = make_orch()
    made = await orch.submit([TaskSpec(prompt=p, role="c") for p in ("x", "y", "z")])
    x, y, z = (task for task, _ in made)

    found = await orch.tasks_by_id([z.id, 999, x.id, z.id])

    assert found == [await orch.task(x.id), await orch.task(z.id)]
    assert await orch.tasks_by_id([]) == []
    assert y.id not in {t.id for t in found}


async def test_the_report_through_control_is_the_report_of_the_ledger(
    make_orch: OrchFactory, ledger: Ledger
) -> None:
    orch = make_orch()
    await _ended(ledger, 0.125)
    await _ended(ledger, 0.25)

    figures = await orch.report_figures()
    through_control = await build_report(orch, orch.settings, None)

    assert figures == await ledger.report_figures(None)
    assert [a.cost_usd for a in figures.attempts] == [0.125, 0.25]
    assert through_control == await build_report(ledger, orch.settings, None)
    assert through_control["total"]["cost_usd"] == pytest.approx(0.375)
    assert through_control["total"]["attempts"] == 2


async def test_budget_lines_come_through_control(
    make_orch: OrchFactory, ledger: Ledger, clock: Clock
) -> None:
    settings = make_settings(heartbeat_seconds=3600, lease_seconds=7200).model_copy(
        update={"budget": BudgetConfig(run_usd=2.0, daily_usd=5.0)}
    )
    orch = make_orch(settings)
    await _ended(ledger, 0.5, now=clock.now)  # this run's (its owner is the orchestrator's)
    await _ended(ledger, 0.25, owner="other:2:2", now=clock.now)  # another's: the day only
    await orch.spending.refresh()

    lines = await orch.budget_lines()

    assert [(line.scope, line.limit) for line in lines] == [("run", 2.0), ("day", 5.0)]
    assert [line.spent for line in lines] == pytest.approx([0.5, 0.75])


def _reaches_the_ledger(path: Path) -> list[str]:
    """Where ``path`` holds the ledger, the spending part or the private row reader, or
    imports the ledger module."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("ledger", "spending", "_rows"):
            found.append(f"{path.name}:{node.lineno}: .{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "swarm_tui.store.ledger":
            found.append(f"{path.name}:{node.lineno}: imports {node.module}")
    return found


def test_views_and_the_report_never_reach_the_ledger() -> None:
    files = [*sorted((PACKAGE / "tui").rglob("*.py")), PACKAGE / "core" / "report.py"]
    assert len(files) > 10
    assert [hit for path in files for hit in _reaches_the_ledger(path)] == []
