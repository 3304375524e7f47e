"""The real Gemini CLI (npm, 0.61.0) on a coding task, offline: it replays recorded Gemini
API responses (``--fake-responses-non-strict``), the first of which asks for its own
``write_file`` tool. The swarm runs it in the task's worktree (``--approval-mode yolo`` so a
headless run may write); the file it writes is committed on the task's branch, the project's
checks pass and the task waits for review.

SQLite only: a real agent CLI (slow, skipped without it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.gemini_cli import GeminiCLIDialect
from swarm_tui.store.ledger import SqliteLedger
from tests.npm_tools import TOOLS, install
from tests.providers.cli.conftest import PACKAGES
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, sh

pytestmark = pytest.mark.slow

GEMINI_KEY = "fake-gemini-key-6c1f0e9b2d4a8f7e3c5b"
YOLO = ("--approval-mode", "yolo")
"""Headless Gemini CLI leaves its write tools out unless edits are approved up front."""


def _turn(part: Mapping[str, object], tokens: int) -> str:
    usage = {"promptTokenCount": tokens, "candidatesTokenCount": 5, "totalTokenCount": tokens + 5}
    response = {
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}],
        "usageMetadata": usage,
    }
    return json.dumps({"method": "generateContentStream", "response": [response]})


def _recorded(path: Path) -> Path:
    """Turn 1: the model calls Gemini CLI's own write_file (a path relative to its working
    directory, the worktree); turn 2: its summary."""
    args = {"file_path": "calc.py", "content": CALC_FIXED}
    write = {"functionCall": {"name": "write_file", "args": args}}
    lines = [_turn(write, 12), _turn({"text": "add() now adds"}, 20)]
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_gemini_cli_writes_the_fix_in_its_worktree(tmp_path: Path) -> None:
    gemini = install(TOOLS, {"gemini": PACKAGES["gemini"]}, "the real Gemini CLI test")["gemini"]
    repo = make_repo(tmp_path / "repo")
    home = tmp_path / "gemini-home"
    home.mkdir()
    fake = _recorded(tmp_path / "responses.jsonl")
    settings = Settings.model_validate(
        {
            "providers": {
                "gem": {
                    "kind": "gemini-cli",
                    "models": {"gemini-2.5-flash": {}},
                    "cli": {
                        "binary": str(gemini),
                        "args": ["--fake-responses-non-strict", str(fake), *YOLO],
                        "env": {"HOME": str(home), "GEMINI_API_KEY": GEMINI_KEY},
                        "swarm_mcp": False,
                        "timeout_seconds": 180.0,
                    },
                }
            },
            "agents": {"coder": {"mix": {"gem/gemini-2.5-flash": 1}, "project": "calc"}},
            "projects": {"calc": {"repo": str(repo), "checks": [PYTEST]}},
        }
    )
    ledger = await SqliteLedger.open(tmp_path / "data" / "ledger.db", commit_interval=0.005)
    provider = CLIProvider("gem", settings.providers["gem"], GeminiCLIDialect, log_dir=tmp_path)
    orch = Orchestrator(settings, ledger, {"gem": provider}, owner="test:1:1")
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="fix add()", role="coder")])
        await asyncio.wait_for(orch.run(until_idle=True), 300)
        done = await orch.task(task.id)
        [attempt] = await orch.attempts(task.id)
        assert done.state is TaskState.NEEDS_REVIEW, (done.error, attempt.output)
        assert "add() now adds" in (done.result or "")
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert [f.path for f in review.files] == ["calc.py"]
        branch = review.workspace.branch
        assert sh(repo, "show", f"{branch}:calc.py") == CALC_FIXED.rstrip("\n")
        assert "a - b" in sh(repo, "show", "main:calc.py"), "the base is untouched"
        calls = await ledger.tool_calls(task_id=task.id)
        assert [(c.tool, c.outcome) for c in calls] == [("write_file", "ok")], calls
    finally:
        await orch.stop()
        await ledger.close()
