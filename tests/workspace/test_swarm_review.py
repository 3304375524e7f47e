"""Coding tasks end to end: a real git project, a scripted agent CLI editing its worktree,
the project's pytest as the check, review over the ledger, merges into the base; on both
ledger backends (workspace rows, rounds and check runs are the ledger's), but for two tasks
merging side by side, a matter of git (SQLite only)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from swarm_tui.core.errors import ControlError
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.events import Notice
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.service.client import ServiceClient
from swarm_tui.service.paths import ServicePaths
from swarm_tui.service.server import ServiceServer
from swarm_tui.store.ledger import Ledger
from tests.backends import Backend
from tests.conftest import SQLITE_BACKEND
from tests.workspace.gitrepo import CALC_BROKEN, CALC_FIXED, make_repo, sh
from tests.workspace.swarm import Agent, make_agent, make_swarm, swarm_settings, wait_for

FIX = {"write": {"calc.py": CALC_FIXED}, "say": "add() adds now"}


async def _swarm(
    backend: Backend, tmp_path: Path, **project: object
) -> tuple[Path, Agent, Ledger, Orchestrator]:
    repo = make_repo(tmp_path / "repo")
    agent = make_agent(tmp_path)
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = make_swarm(swarm_settings(repo, agent, **project), ledger, tmp_path / "logs")
    return repo, agent, ledger, orch


async def _run(orch: Orchestrator) -> None:
    await asyncio.wait_for(orch.run(until_idle=True), 120)


async def test_checks_pass_then_review_then_accept_merges_into_the_base(
    backend: Backend, tmp_path: Path
) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    agent.play({"[[fix]]": [FIX]})
    (repo / "notes.txt").write_text("my own uncommitted work\n")  # the user's, untouched
    events = orch.bus.subscribe()
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        assert task.project == "calc"  # the role's default project
        await _run(orch)
        told = [e.text for e in events.get_nowait() if isinstance(e, Notice)]
        assert f"task #{task.id} waits for review (swarm-tui review show {task.id})" in told
        done = await orch.task(task.id)
        assert done.state is TaskState.NEEDS_REVIEW, done.error
        [run] = agent.runs()
        row = await ledger.workspace_of(task.id)
        assert row is not None and row.state == "needs_review"
        assert Path(run["cwd"]).resolve() == Path(row.path).resolve()  # the CLI ran there
        assert row.branch.startswith(f"swarm/{task.id}-") and row.base == "main"
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert [(f.path, f.added, f.removed) for f in review.files] == [("calc.py", 1, 1)]
        assert "+    return a + b" in review.files[0].diff
        assert [c.name for c in review.checks] == [review.checks[0].command]
        assert "2 passed" in review.checks[0].output and "add() adds now" in review.summary
        [rnd] = review.rounds
        assert rnd.commit and rnd.files == 1 and rnd.passed is True
        author = sh(repo, "log", "-1", "--format=%an|%s", row.branch)
        assert author == f"coder (cli/m)|{task.title} (task {task.id})"
        assert (repo / "calc.py").read_text() == CALC_BROKEN  # nothing merged yet

        out = await orch.review_accept(task.id)
        assert out.done, out.message
        assert (await orch.task(task.id)).state is TaskState.SUCCEEDED
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED
        assert (repo / "calc.py").read_text() == CALC_FIXED  # the checkout followed main
        assert (repo / "notes.txt").read_text() == "my own uncommitted work\n"
        merged = await ledger.workspace_of(task.id)
        assert merged is not None and merged.state == "merged" and merged.merged
    finally:
        await orch.stop()
        await ledger.close()


async def test_a_fix_round_turns_a_failing_check_green(backend: Backend, tmp_path: Path) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path, fix_rounds=2)
    wrong = {"write": {"calc.py": CALC_BROKEN.replace("a - b", "a * b")}, "say": "tried"}
    agent.play({"[[fix]]": [wrong, FIX]})
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        await _run(orch)
        assert (await orch.task(task.id)).state is TaskState.NEEDS_REVIEW
        runs = agent.runs()
        assert len(runs) == 2, runs
        first, second = runs
        assert first["resume"] is None and second["turn"] == 1  # the same session, resumed
        assert "checks failed" in second["prompt"] and "assert 6 == 5" in second["prompt"]
        rounds = await ledger.workspace_rounds(task.id)
        assert [(r.round, r.passed) for r in rounds] == [(1, False), (2, True)]
        assert rounds[0].commit != rounds[1].commit
        runs = await ledger.check_runs(task.id)
        assert [(r.round, r.exit_code) for r in runs] == [(1, 1), (2, 0)]
        assert runs[0].duration_s > 0 and "1 failed" in runs[0].output
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert [c.round for c in review.checks] == [2]
        assert sh(repo, "rev-list", "--count", f"main..{review.workspace.branch}") == "2"
    finally:
        await orch.stop()
        await ledger.close()


@SQLITE_BACKEND
async def test_two_tasks_on_different_files_both_merge(backend: Backend, tmp_path: Path) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    docs = {"replace": [["README.md", "line two", "line 2"]], "say": "docs"}
    agent.play({"[[fix]]": [FIX], "[[docs]]": [docs]})
    try:
        made = await orch.submit(
            [
                TaskSpec(prompt="[[fix]] make add() add", role="coder"),
                TaskSpec(prompt="[[docs]] number the lines", role="coder"),
            ]
        )
        ids = [t.id for t, _ in made]
        await _run(orch)
        for task_id in ids:
            assert (await orch.task(task_id)).state is TaskState.NEEDS_REVIEW
        for task_id in ids:
            out = await orch.review_accept(task_id)
            assert out.done, out.message
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED
        assert "line 2" in sh(repo, "show", "main:README.md")
        assert sh(repo, "status", "--porcelain") == ""  # the checkout followed, cleanly
    finally:
        await orch.stop()
        await ledger.close()


async def test_same_lines_conflict_and_send_back_gives_the_agent_the_conflict(
    backend: Backend,
    tmp_path: Path,
) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    other = CALC_BROKEN.replace("return a - b", "return sum((a, b))")
    resolved = {"write": {"calc.py": other}, "show": ["calc.py"], "say": "resolved"}
    agent.play({"[[fix]]": [FIX], "[[other]]": [{"write": {"calc.py": other}}, resolved]})
    try:
        made = await orch.submit(
            [
                TaskSpec(prompt="[[fix]] make add() add", role="coder"),
                TaskSpec(prompt="[[other]] make add() add too", role="coder"),
            ]
        )
        first, second = (t.id for t, _ in made)
        await _run(orch)
        assert (await orch.review_accept(first)).done
        out = await orch.review_accept(second)
        assert not out.done and out.conflicts == ("calc.py",)
        assert "send it back" in out.message
        assert (await orch.task(second)).state is TaskState.NEEDS_REVIEW
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED  # nothing changed

        sent = await orch.review_send_back(second, "keep the sum() style")
        assert sent.done and sent.conflicts == ("calc.py",)
        await _run(orch)
        assert (await orch.task(second)).state is TaskState.NEEDS_REVIEW
        last = agent.runs()[-1]
        assert "keep the sum() style" in last["prompt"]
        assert "conflicts with main in: calc.py" in last["prompt"]
        assert "<<<<<<<" in last["seen"]["calc.py"]  # the markers were there to resolve
        rows = await ledger.workspace_rows(second)
        assert [r.state for r in rows] == ["sent_back", "needs_review"]
        assert rows[0].path == rows[1].path  # the same worktree
        assert (await orch.review_accept(second)).done
        assert "sum((a, b))" in sh(repo, "show", "main:calc.py")
    finally:
        await orch.stop()
        await ledger.close()


async def test_reject_removes_branch_and_worktree_and_cancels(
    backend: Backend, tmp_path: Path
) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    agent.play({"[[fix]]": [FIX]})
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        await _run(orch)
        row = await ledger.workspace_of(task.id)
        assert row is not None
        out = await orch.review_reject(task.id, "not this way")
        assert out.done and out.commit
        done = await orch.task(task.id)
        assert done.state is TaskState.CANCELLED and "not this way" in (done.error or "")
        assert not Path(row.path).exists()
        assert sh(repo, "branch", "--list", row.branch) == ""
        gone = await ledger.workspace_of(task.id)
        assert gone is not None and gone.state == "rejected"
    finally:
        await orch.stop()
        await ledger.close()


async def test_auto_merge_when_checks_pass(backend: Backend, tmp_path: Path) -> None:
    repo, agent, ledger, orch = await _swarm(backend, tmp_path, merge="auto")
    agent.play({"[[fix]]": [FIX]})
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        await _run(orch)
        assert (await orch.task(task.id)).state is TaskState.SUCCEEDED
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED
        row = await ledger.workspace_of(task.id)
        assert row is not None and row.state == "merged"
    finally:
        await orch.stop()
        await ledger.close()


async def test_review_over_the_service_socket(backend: Backend, tmp_path: Path) -> None:
    """A room attached to a detached service reviews through the same four calls."""
    repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    agent.play({"[[fix]]": [FIX]})
    paths = ServicePaths(ledger.path)
    server = ServiceServer(orch, paths, on_shutdown=lambda: None)
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="[[fix]] make add() add", role="coder")])
        await _run(orch)
        await server.start()
        client = await ServiceClient.connect(ledger.path)
        try:
            review = await client.review_of(task.id)
            assert review is not None and review.passed is True
            assert [f.path for f in review.files] == ["calc.py"] and review.workspace.branch
            assert await client.review_of(999) is None
            out = await client.review_accept(task.id)
            assert out.done and out.commit
            with pytest.raises(ControlError, match="only tasks in needs_review"):
                await client.review_send_back(task.id, "again")
        finally:
            await client.close()
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_FIXED
    finally:
        await server.stop_listening()
        await orch.stop()
        await server.close()
        await ledger.close()


async def test_an_attempt_after_a_stopped_send_back_is_told_the_conflict_again(
    backend: Backend,
    tmp_path: Path,
) -> None:
    _repo, agent, ledger, orch = await _swarm(backend, tmp_path)
    other = CALC_BROKEN.replace("return a - b", "return sum((a, b))")
    mark, hold = tmp_path / "resolving", tmp_path / "never"
    stuck = {"mark": str(mark), "hold": str(hold)}
    resolved = {"write": {"calc.py": other}, "show": ["calc.py"], "say": "resolved"}
    agent.play({"[[fix]]": [FIX], "[[other]]": [{"write": {"calc.py": other}}, stuck, resolved]})
    try:
        made = await orch.submit(
            [
                TaskSpec(prompt="[[fix]] make add() add", role="coder"),
                TaskSpec(prompt="[[other]] make add() add too", role="coder"),
            ]
        )
        first, second = (t.id for t, _ in made)
        await _run(orch)
        assert (await orch.review_accept(first)).done
        assert not (await orch.review_accept(second)).done
        await orch.review_send_back(second, "keep the sum() style")
        runner = asyncio.create_task(orch.run())
        await wait_for(lambda: _exists(mark), 120, "the second attempt to start resolving")
        await orch.stop()  # the attempt is stopped mid-work; the task goes back to the queue
        await asyncio.gather(runner, return_exceptions=True)
        assert (await orch.task(second)).state is TaskState.QUEUED
    finally:
        await orch.stop()
    again = make_swarm(orch.settings, ledger, tmp_path / "logs")
    try:
        await _run(again)
        assert (await again.task(second)).state is TaskState.NEEDS_REVIEW
        last = agent.runs()[-1]
        assert "keep the sum() style" in last["prompt"]
        assert "conflicts with main in: calc.py" in last["prompt"]
        assert "<<<<<<<" in last["seen"]["calc.py"]
        row = await ledger.workspace_of(second)
        assert row is not None and row.conflicts == () and row.feedback == ""
        assert (await again.review_accept(second)).done
    finally:
        await again.stop()
        await ledger.close()


async def _exists(path: Path) -> bool:
    return path.exists()
