"""The memory screen and the goals view in a room attached to a service: every read and
command through the socket (the room holds no ledger), the service's ledger and files the
truth. The service runs in this test's event loop on a real ledger file and Unix socket,
its goals moved on by its own goal engine as ``swarm-tui up`` does (goals.run)."""

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
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.service.goals_client import ServiceGoals
from swarm_tui.tui.screens.choose import ConfirmScreen
from swarm_tui.tui.screens.goals import GoalsScreen
from swarm_tui.tui.screens.memory import MemoryEditScreen, MemoryNewScreen, MemoryScreen
from swarm_tui.tui.screens.plan_edit import PlanEditScreen
from tests.tui.conftest import Room, room_settings
from tests.tui.test_pilot_attached import attached, serving
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
