"""An API-model agent on a coding task works through the workspace tools, confined to its
worktree: its edits land on the task's branch; ``..``, absolute paths and a symlink out are
refused, told to the model and recorded in the ledger (on both ledger backends)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from swarm_tui.config import AgentConfig, MCPConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.config.projects import ProjectConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.base import StreamRequest, ToolCall
from tests.backends import Backend
from tests.fakes import FakeProvider, Script
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, sh


def _settings(repo: Path, policy: str) -> Settings:
    return Settings(
        providers={
            "api": ProviderConfig(
                kind="openai", base_url="http://127.0.0.1:9/v1", models={"m": ModelConfig()}
            )
        },
        agents={"coder": AgentConfig(mix={"api/m": 1}, project="calc")},
        projects={"calc": ProjectConfig.model_validate({"repo": str(repo), "checks": [PYTEST]})},
        mcp=MCPConfig(policies={"workspace__*": policy}),
    )


def _script(request: StreamRequest) -> Script:
    if any(m.role == "tool" for m in request.messages):
        return Script(tokens=["fixed calc.py; three paths were refused"])
    calls = [
        ToolCall("c1", "workspace__write_file", {"path": "../escape.txt", "content": "x"}),
        ToolCall("c2", "workspace__write_file", {"path": "/tmp/abs-escape.txt", "content": "x"}),
        ToolCall("c3", "workspace__write_file", {"path": "outside/x.txt", "content": "x"}),
        ToolCall("c4", "workspace__write_file", {"path": "calc.py", "content": CALC_FIXED}),
    ]
    return Script(tokens=["working"], events=list(calls))


async def test_workspace_tools_edit_the_worktree_and_refuse_escapes(
    backend: Backend, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, repo / "outside")
    sh(repo, "add", "outside")
    sh(repo, "commit", "-qm", "a symlink out")
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    provider = FakeProvider("api", _script)
    orch = Orchestrator(_settings(repo, "auto"), ledger, {"api": provider}, owner="test:1:1")
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="fix add()", role="coder")])
        await asyncio.wait_for(orch.run(until_idle=True), 120)
        done = await orch.task(task.id)
        assert done.state is TaskState.NEEDS_REVIEW, done.error
        offered = {t.name for t in provider.requests[0].tools}
        assert {
            "workspace__read_file",
            "workspace__apply_patch",
            "workspace__run_checks",
        } <= offered
        assert provider.requests[0].workdir is not None
        answers = [m for m in provider.requests[1].messages if m.role == "tool"]
        assert [m.is_error for m in answers] == [True, True, True, False]
        assert "'..' is refused" in answers[0].content
        assert "absolute paths are refused" in answers[1].content
        assert "outside the worktree through a symlink" in answers[2].content
        refused = [d for k, _a, d in await ledger.events(task.id) if k == "path_refused"]
        assert len(refused) == 3 and '"path": "../escape.txt"' in refused[0]
        calls = await ledger.tool_calls(task_id=task.id)
        assert [c.outcome for c in calls] == ["tool_error", "tool_error", "tool_error", "ok"]
        assert list(outside.iterdir()) == [] and not (tmp_path / "data" / "escape.txt").exists()
        assert not Path("/tmp/abs-escape.txt").exists()
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert [f.path for f in review.files] == ["calc.py"]
    finally:
        await orch.stop()
        await ledger.close()


async def test_workspace_tools_pass_the_approval_gate(backend: Backend, tmp_path: Path) -> None:
    """Under a ``deny`` policy nothing is written: the gate holds for workspace tools too."""
    repo = make_repo(tmp_path / "repo")
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    provider = FakeProvider("api", _script)
    orch = Orchestrator(_settings(repo, "deny"), ledger, {"api": provider}, owner="test:1:1")
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="fix add()", role="coder")])
        await asyncio.wait_for(orch.run(until_idle=True), 120)
        calls = await ledger.tool_calls(task_id=task.id)
        assert [c.outcome for c in calls] == ["denied"] * 4
        done = await orch.task(task.id)
        assert done.state is TaskState.SUCCEEDED  # nothing changed: nothing to review
        row = await ledger.workspace_of(task.id)
        assert row is not None and row.state == "empty"
    finally:
        await orch.stop()
        await ledger.close()
