"""The diff screen in the room, on a real git repository and worktree: D on a task opens its
review (files with +/- counts, the highlighted diff, the checks' output, the agent's summary);
a accepts (the base branch gets the commit), x rejects (branch and worktree removed), b sends
it back with a note, and an accept that meets a conflict lists the conflicted files."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from rich.syntax import Syntax
from textual.app import App
from textual.widgets import Input, OptionList, Static

from swarm_tui.config import MCPConfig, Settings
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.base import StreamRequest, ToolCall
from swarm_tui.tui.screens.review import ReviewScreen, SendBackScreen
from swarm_tui.tui.screens.task_detail import TaskDetailScreen
from swarm_tui.workspace.finish import finish_attempt
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.reviews import WorkspaceReviews
from swarm_tui.workspace.state import WorkspaceState
from swarm_tui.workspace.worktrees import open_worktree
from tests.fakes import Script
from tests.tui.conftest import Room, RoomFactory, room_settings
from tests.workspace.conftest import git_identity  # noqa: F401  (autouse: a test git identity)
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, open_calc, sh

pytestmark = pytest.mark.slow


def drawn(app: App[Any]) -> str:
    """The text the screen shows now (from Textual's own screenshot)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def calc_settings(repo: Path) -> Settings:
    from tests.workspace.gitrepo import project_settings

    projects = project_settings(repo, checks=[PYTEST]).projects
    return room_settings().model_copy(update={"projects": projects})


async def worked(
    project: Project, task_id: int, title: str, files: dict[str, str]
) -> WorkspaceState:
    """A task's worktree in which the agent wrote ``files``, committed and checked."""
    opened = await open_worktree(project, task_id, title)
    for name, text in files.items():
        (Path(opened.state.worktree) / name).write_text(text)
    await finish_attempt(project, opened.state, agent="coder", model="p1/m1")
    return opened.state


async def open_review(room: Room, task_id: int) -> ReviewScreen:
    await room.select(task_id)
    await room.press("D")
    await room.wait_for(lambda: isinstance(room.app.screen, ReviewScreen), "the review screen")
    screen = room.app.screen
    assert isinstance(screen, ReviewScreen)
    await room.wait_for(lambda: "calc.py" in drawn(room.app), "the review to draw")
    return screen


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


async def test_the_review_shows_files_counts_diff_checks_and_summary(
    make_room: RoomFactory, repo: Path, tmp_path: Path
) -> None:
    async with make_room(settings=calc_settings(repo)) as room:
        task = await room.submit("fix add")
        await room.wait_state(task.id, TaskState.SUCCEEDED)
        project = await open_calc(repo, tmp_path, checks=[PYTEST])
        await worked(project, task.id, "fix add", {"calc.py": CALC_FIXED, "NOTES.md": "a\nb\n"})
        screen = await open_review(room, task.id)
        items = screen.query_one(OptionList)
        labels = [str(items.get_option_at_index(i).prompt) for i in range(items.option_count)]
        assert labels[0] == "summary"
        assert labels[1] == "checks: 1/1 passed"
        assert [label.split() for label in labels[2:]] == [
            ["+2", "-0", "NOTES.md"],
            ["+1", "-1", "calc.py"],
        ]
        text = drawn(room.app)
        assert "2 file(s) +3 -1" in text and "checks 1/1 passed" in text
        body = screen.query_one("#review_body", Static)
        shown = body.content
        assert isinstance(shown, Syntax) and shown.lexer is not None
        assert "+a" in shown.code  # NOTES.md's diff, the first file, is shown first
        items.highlighted = 3
        await room.wait_for(
            lambda: isinstance(body.content, Syntax) and "-    return a - b" in body.content.code,
            "calc.py's diff",
        )
        assert "+    return a + b" in drawn(room.app)
        items.highlighted = 1
        await room.wait_for(lambda: "passed in" in drawn(room.app), "the checks")
        assert "2 passed" in drawn(room.app)  # pytest's own report line
        items.highlighted = 0
        await room.wait_for(lambda: "hello world" in drawn(room.app), "the agent's summary")


async def test_accept_merges_into_the_base(
    make_room: RoomFactory, repo: Path, tmp_path: Path
) -> None:
    async with make_room(settings=calc_settings(repo)) as room:
        task = await room.submit("fix add")
        project = await open_calc(repo, tmp_path, checks=[PYTEST])
        state = await worked(project, task.id, "fix add", {"calc.py": CALC_FIXED})
        tip = sh(repo, "rev-parse", state.branch)
        await open_review(room, task.id)
        await room.press("a")
        await room.wait_for(
            lambda: sh(repo, "rev-parse", "main") == tip, "main to have the task's commit"
        )
        assert (repo / "calc.py").read_text() == CALC_FIXED  # the checkout followed
        await room.wait_for(lambda: "merged" in drawn(room.app), "the merged state")
        assert any("merged into main" in n for n in room.notices())


async def test_reject_removes_the_branch_and_worktree(
    make_room: RoomFactory, repo: Path, tmp_path: Path
) -> None:
    async with make_room(settings=calc_settings(repo)) as room:
        task = await room.submit("fix add")
        project = await open_calc(repo, tmp_path, checks=[PYTEST])
        state = await worked(project, task.id, "fix add", {"calc.py": CALC_FIXED})
        main_before = sh(repo, "rev-parse", "main")
        await open_review(room, task.id)
        await room.press("x")
        await room.wait_for(lambda: not isinstance(room.app.screen, ReviewScreen), "the question")
        await room.press("y")
        await room.wait_for(lambda: not Path(state.worktree).exists(), "the worktree to go")
        await room.wait_for(lambda: sh(repo, "branch", "--list", state.branch) == "", "branch")
        assert sh(repo, "rev-parse", "main") == main_before
        await room.wait_for(lambda: "rejected" in drawn(room.app), "the rejected state")


async def test_send_back_calls_through_with_the_note(
    make_room: RoomFactory, repo: Path, tmp_path: Path
) -> None:
    sent: list[tuple[int, str]] = []

    async def send_back(task_id: int, note: str) -> None:
        sent.append((task_id, note))

    async with make_room(settings=calc_settings(repo)) as room:
        source = WorkspaceReviews(room.app.settings, tmp_path, on_send_back=send_back)
        room.app.review_source = lambda: source  # type: ignore[method-assign]
        task = await room.submit("fix add")
        project = await open_calc(repo, tmp_path, checks=[PYTEST])
        await worked(project, task.id, "fix add", {"calc.py": CALC_FIXED})
        await open_review(room, task.id)
        await room.press("b")
        await room.wait_for(lambda: isinstance(room.app.screen, SendBackScreen), "the note")
        room.app.screen.query_one(Input).value = "keep mul as it is"
        await room.press("enter")
        await room.wait_for(lambda: bool(sent), "the send-back")
        assert sent == [(task.id, "keep mul as it is")]
        review = await source.review_of(task.id)
        assert review is not None and review.state == "open"
        assert review.note == "sent back: keep mul as it is"


async def test_an_accept_that_conflicts_lists_the_files(
    make_room: RoomFactory, repo: Path, tmp_path: Path
) -> None:
    async with make_room(settings=calc_settings(repo)) as room:
        first = await room.submit("fix add one way")
        second = await room.submit("fix add another way")
        project = await open_calc(repo, tmp_path, checks=[PYTEST])
        one = await worked(project, first.id, "one way", {"calc.py": CALC_FIXED})
        other = CALC_FIXED.replace("a + b", "b + a")
        await worked(project, second.id, "another way", {"calc.py": other})
        assert (await merge_task(project, one)).merged
        main_before = sh(repo, "rev-parse", "main")
        screen = await open_review(room, second.id)
        await room.press("a")
        box = screen.query_one("#review_conflicts", Static)
        await room.wait_for(lambda: box.has_class("-shown"), "the conflicts")
        assert screen.conflicts == ("calc.py",)
        assert "conflict with main" in drawn(room.app)
        assert sh(repo, "rev-parse", "main") == main_before  # nothing merged
        await room.press("b")
        await room.wait_for(lambda: isinstance(room.app.screen, SendBackScreen), "the note")
        note = room.app.screen.query_one(Input).value
        assert "calc.py" in note and "main" in note  # the agent is given the conflict


async def test_a_task_without_a_workspace_says_so(make_room: RoomFactory, repo: Path) -> None:
    async with make_room(settings=calc_settings(repo)) as room:
        task = await room.submit("just talk")
        await room.select(task.id)
        await room.press("D")
        await room.wait_for(
            lambda: any("has no workspace to review" in n for n in room.notices("warning")),
            "the notice",
        )
        assert not isinstance(room.app.screen, ReviewScreen)


def _fixes_calc(request: StreamRequest) -> Script:
    if request.messages[-1].content == "just talk" or any(
        m.role == "tool" for m in request.messages
    ):
        return Script(tokens=["done"])
    write = ToolCall("w1", "workspace__write_file", {"path": "calc.py", "content": CALC_FIXED})
    return Script(tokens=["fixing"], events=[write])


async def test_enter_on_a_task_that_needs_review_opens_its_review(
    make_room: RoomFactory, repo: Path
) -> None:
    """The orchestrator runs a coding task (the fake model writes calc.py through the
    workspace tools; the checks pass) to needs_review; Enter on its row opens the review
    screen, Enter on a plain task the detail."""
    settings = calc_settings(repo)
    settings = settings.model_copy(update={"mcp": MCPConfig(policies={"workspace__*": "auto"})})
    async with make_room(settings=settings) as room:
        for provider in room.providers.values():
            provider.script = _fixes_calc
        plain = await room.submit("just talk")
        await room.wait_state(plain.id, TaskState.SUCCEEDED)
        coded = await room.orch.submit([TaskSpec("fix add", project="calc")])
        [(task, _)] = coded
        await room.wait_for(  # git, a worktree and pytest: generous on a loaded machine
            lambda: (
                room.table.tasks[task.id].state == TaskState.NEEDS_REVIEW
                if task.id in room.table.tasks
                else False
            ),
            "the row to show needs_review",
            within=180.0,
        )
        await room.select(task.id)
        await room.press("enter")
        await room.wait_for(lambda: isinstance(room.app.screen, ReviewScreen), "the review")
        await room.press("escape")
        await room.wait_for(lambda: not isinstance(room.app.screen, ReviewScreen), "closed")
        await room.select(plain.id)
        await room.press("enter")
        await room.wait_for(lambda: isinstance(room.app.screen, TaskDetailScreen), "detail")
