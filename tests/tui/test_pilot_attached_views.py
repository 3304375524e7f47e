"""The memory screen, the goals view and the eval view in a room attached to a service:
every read and command through the socket (the room holds no ledger), the service's ledger
and files the truth. The service runs in this test's event loop on a real ledger file and
Unix socket, its goals moved on by its own goal engine as ``swarm-tui up`` does (goals.run)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.widgets import OptionList, Static, Tree

from swarm_tui.config.projects import ProjectConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.goals import GoalState
from swarm_tui.evals.room_view import plot_text, read_eval_view, table_text
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.goals_client import ServiceGoals
from swarm_tui.store.ledger import SqliteLedger
from swarm_tui.tui.screens.choose import ConfirmScreen
from swarm_tui.tui.screens.evals import EvalsScreen
from swarm_tui.tui.screens.goals import GoalsScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen, MemoryNewScreen, MemoryScreen
from swarm_tui.tui.screens.plan_edit import PlanEditScreen
from tests.evals.test_engine import _eval
from tests.tui.conftest import Room, room_settings
from tests.tui.test_pilot_attached import attached, serving
from tests.tui.test_pilot_evals import CONFIGS
from tests.tui.test_pilot_evals import shown as eval_shown
from tests.tui.test_pilot_goals import planner, tree_lines

pytestmark = pytest.mark.slow


def shown(room: Room) -> list[str]:
    screen = room.app.screen
    if not isinstance(screen, MemoryScreen):
        return []
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_an_attached_rooms_memory_screen_writes_the_services_memory(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "calc"
    files = repo / ".serena" / "memories"
    files.mkdir(parents=True)
    (files / "design.md").write_text("# design\nkeep it small\n")
    settings = room_settings().model_copy(
        update={"projects": {"calc": ProjectConfig.model_validate({"repo": str(repo)})}}
    )
    db = tmp_path / "ledger.db"
    async with serving(db, settings) as service, attached(db, service, settings) as room:
        await service.orch.save_memory("todo", "nothing yet", author="agent-b")
        await room.press("M")
        screen = room.app.screen
        assert isinstance(screen, MemoryScreen)
        await room.wait_for(
            lambda: any(s.startswith("calc: design · serena") for s in shown(room)),
            "the service's Serena file listed",
        )
        assert any(s.startswith("todo · agent-b") for s in shown(room))

        await room.press("n")  # a new entry of the swarm's own memory, through the socket
        assert isinstance(room.app.screen, MemoryNewScreen)
        await room.press(*"design/decisions", "tab", *"Use SQLite in WAL mode.", "ctrl+s")
        assert room.app.screen is screen
        kept = {(e.project, e.name): e for e in await service.ledger.memories("default")}
        entry = kept[("default", "design/decisions")]
        assert (entry.content, entry.author) == ("Use SQLite in WAL mode.", "human")
        await room.wait_for(
            lambda: "WAL mode" in str(screen.query_one("#memory", Static).render()), "shown"
        )

        # The project's entry edited from the room: the service writes calc's file.
        options = screen.query_one(OptionList)
        options.highlighted = next(i for i, s in enumerate(shown(room)) if s.startswith("calc:"))
        await room.press("e")
        editor = room.app.screen
        assert isinstance(editor, MemoryEditScreen)
        editor.query_one("#memory_text").text = "# design\nkeep it smaller\n"  # type: ignore[attr-defined]
        await room.press("ctrl+s")
        assert (files / "design.md").read_text() == "# design\nkeep it smaller\n"
        [calc] = await service.ledger.memories("calc")
        assert (calc.name, calc.author) == ("design", "human")

        await room.press("x")  # the question names the service's file
        question = room.app.screen
        assert isinstance(question, ConfirmScreen)
        assert str(files / "design.md") in question.question
        await room.press("y")
        await room.wait_for(lambda: not (files / "design.md").exists(), "the file removed")
        assert await service.ledger.memories("calc") == []


@contextlib.asynccontextmanager
async def goals_moving(orch: Orchestrator) -> AsyncIterator[GoalEngine]:
    """The service's goals moved on as their tasks end (what ``run_with_goals`` runs)."""
    engine = GoalEngine(orch)
    driver = asyncio.create_task(engine.drive_active())
    try:
        yield engine
    finally:
        driver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await driver


async def test_a_goal_started_elsewhere_shows_and_is_approved_from_an_attached_room(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    async with serving(db) as service, goals_moving(service.orch) as engine:
        for provider in service.providers.values():
            provider.script = planner
        goal = await engine.start("write the launch post")  # another shell's `swarm-tui goal`

        async def waiting() -> bool:
            return (await engine.goal(goal.id)).state == GoalState.AWAITING_APPROVAL

        await room_wait(waiting)
        async with attached(db, service) as room:
            await room.press("g")
            shown_screen = room.app.screen
            assert isinstance(shown_screen, GoalsScreen)
            screen: GoalsScreen = shown_screen
            assert isinstance(screen.engine, ServiceGoals)

            def listed() -> bool:
                lines = tree_lines(screen)
                return bool(lines) and lines[0].startswith("#1 awaiting_approval · 0/3 steps")

            await room.wait_for(listed, "the service's goal in the view", within=30)
            assert "draft waiting (a)" in tree_lines(screen)
            screen.query_one(Tree).move_cursor(screen.query_one(Tree).root.children[0])
            await room.press("a")
            editor = room.app.screen
            assert isinstance(editor, PlanEditScreen)
            await room.press("down", "x")  # "check" removed before approving
            await room.press("ctrl+s")
            assert room.app.screen is screen

            async def ended() -> bool:
                return (await service.orch.ledger.get_goal(goal.id)).state == GoalState.SUCCEEDED  # type: ignore[union-attr]

            await room.wait_for(ended, "the service to run the approved plan", within=60)
            tasks = await service.ledger.goal_tasks(goal.id)
            assert [t.step for t in tasks] == ["plan#1", "draft#1", "ship#1", "synthesis#1"]
            await room.wait_for(
                lambda: tree_lines(screen)[0].startswith("#1 succeeded · 2/2 steps"),
                "the view follows",
                within=30,
            )


async def room_wait(check: object, within: float = 60.0) -> None:
    async with asyncio.timeout(within):
        while not await check():  # type: ignore[operator]
            await asyncio.sleep(0.05)


async def test_an_attached_rooms_eval_view_reads_the_services_ledger_and_follows_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "ledger.db"
    measured = await SqliteLedger.open(db)  # an eval run measured before (`swarm-tui eval`)
    try:
        engine, _ = await _eval(measured, [",".join(CONFIGS)])
        results = await engine.results()
    finally:
        await measured.close()
    async with serving(db) as service, attached(db, service) as room:
        in_process = await read_eval_view(service.orch)  # what a room on the ledger shows
        assert in_process.run is not None and in_process.summaries
        await room.press("e")
        screen = room.app.screen
        assert isinstance(screen, EvalsScreen)
        assert isinstance(screen.reads, ServiceClient)  # every read through the socket
        await room.wait_for(lambda: screen.view is not None, "the eval view to draw")
        assert screen.view == in_process
        table = eval_shown(screen, "evals_table")
        assert table == table_text(in_process)
        assert f"eval run {engine.name} · set set · 3 configuration(s)" in table
        assert "p2/m1: 100% (6/6; 95% CI" in table
        assert eval_shown(screen, "evals_plot") == plot_text(in_process) != ""
        assert eval_shown(screen, "evals_shadow").startswith("shadow samples: none")

        # Another process (`swarm-tui eval`, a sampler) writes the service's ledger: the
        # service's change feed tells the room, and the open view reads again (no key, no
        # timer: it reads on the feed's RecordChanged("eval") only).
        other = await SqliteLedger.open(db)
        try:
            task_id = results[0].task_ids[0]
            assert await other.add_shadow(task_id, "a", "p1/m1", "p2/m1", 1.0)
            await other.update_shadow(task_id, 2.0, verdict="better", cost_usd=0.001)
            await room.wait_for(
                lambda: (
                    "1 taken, 1 decided; as good or better 100%"
                    in eval_shown(screen, "evals_shadow")
                ),
                "the shadow figure to follow the service's ledger",
                within=30,
            )
            await other.add_eval_run("rerun", "set", "d2", ["p1/m1"], 1, None, 5.0)
            await room.wait_for(
                lambda: (
                    "eval run rerun · set set · 1 configuration(s)"
                    in eval_shown(screen, "evals_table")
                ),
                "the newer run to show",
                within=30,
            )
        finally:
            await other.close()
        await room.press("escape")
        assert not isinstance(room.app.screen, EvalsScreen)
