"""The real Claude Code CLI (npm, 2.1.197) on a coding task, offline against the scripted
Anthropic model: its own Write tool writes a file in the task's worktree (its working
directory), the orchestrator commits it as the agent, runs pytest (still red: calc is
broken), the task waits for review and accepting merges it.

SQLite only: a real agent CLI (slow, skipped without it)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from swarm_tui.config import load_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.registry import build_providers
from swarm_tui.store.ledger import SqliteLedger
from tests.npm_tools import TOOLS, install
from tests.providers.cli.conftest import PACKAGES
from tests.providers.cli.scripted_model import ScriptedModel
from tests.providers.cli.test_real_agent_clis import KEY
from tests.providers.loopback import LoopbackServer
from tests.workspace.gitrepo import PYTEST, make_repo, sh

pytestmark = pytest.mark.slow


async def test_claude_code_writes_the_fix_in_its_worktree(tmp_path: Path) -> None:
    claude = install(TOOLS, {"claude": PACKAGES["claude"]}, "the real Claude Code test")["claude"]
    repo = make_repo(tmp_path / "repo")
    home, data = tmp_path / "home-claude", tmp_path / "data"
    home.mkdir()
    worktree = data / "worktrees" / "calc" / "1-fix-add"  # task 1, title "fix add"
    health = "def health():\n    return 'ok'\n"
    write = {"file_path": str(worktree / "health.py"), "content": health}
    async with LoopbackServer() as server:
        model = ScriptedModel(server)
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[providers.claude]
kind = "claude-code"
[providers.claude.models."claude-sonnet-4-5"]
[providers.claude.cli]
binary = "{claude}"
args = ["--permission-mode", "acceptEdits"]
swarm_mcp = false
timeout_seconds = 180.0
idle_timeout_seconds = 120.0
[providers.claude.cli.env]
HOME = "{home}"
ANTHROPIC_BASE_URL = "{model.base_url.removesuffix("/v1")}"
ANTHROPIC_API_KEY = "{KEY}"
CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"

[agents.coder]
project = "calc"
mix = {{ "claude/claude-sonnet-4-5" = 1 }}

[projects.calc]
repo = "{repo}"
checks = [{json.dumps(PYTEST)}]
"""
        )
        settings = load_settings(config)
        ledger = await SqliteLedger.open(data / "ledger.db", commit_interval=0.005)
        providers = build_providers(settings, log_dir=tmp_path / "logs", ledger=ledger.path)
        orch = Orchestrator(settings, ledger, providers, owner="test:1:1")
        try:
            prompt = f"Add health(). [[call Write {json.dumps(write)}]]"
            [(task, _)] = await orch.submit([TaskSpec(prompt=prompt, title="fix add")])
            await asyncio.wait_for(orch.run(until_idle=True), 300)
            done = await orch.task(task.id)
            log = (tmp_path / "logs" / "claude-cli.log").read_text(errors="replace")[-3000:]
            said = (await orch.attempts(task.id))[-1].output
            calls = await ledger.tool_calls(task_id=task.id)
            assert done.state is TaskState.NEEDS_REVIEW, (done.error, said, calls, log)
            calls = await ledger.tool_calls(task_id=task.id)
            assert [(c.tool, c.outcome, c.approved_by) for c in calls] == [("Write", "ok", "cli")]
            assert (worktree / "health.py").read_text() == health  # written by Claude Code
            review = await orch.review_of(task.id)
            assert review is not None and review.passed is False  # calc's test still fails
            assert "1 failed, 1 passed" in review.checks[0].output
            assert [(f.path, f.added, f.removed) for f in review.files] == [("health.py", 2, 0)]
            author = sh(repo, "log", "-1", "--format=%an", review.workspace.branch)
            assert author == "coder (claude/claude-sonnet-4-5)"
            assert (await orch.review_accept(task.id)).done
            assert sh(repo, "show", "main:health.py") + "\n" == health
        finally:
            await orch.stop()
            await ledger.close()
