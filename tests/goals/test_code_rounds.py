"""A review gate that sends a code step back: the next round is a new task that starts from
the previous round's branch (it waits for review), the goal waits for the review of the
newest rounds only, and once they are merged the base holds both rounds' work. On both
ledger backends (the rounds' rows and their start points are the ledger's)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

from swarm_tui.config import load_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.goals import GoalState
from swarm_tui.domain.models import TaskState
from swarm_tui.goals.engine import GoalEngine
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.cli.claude import ClaudeDialect
from swarm_tui.providers.registry import build_providers
from tests.backends import Backend
from tests.goals.standin import Script
from tests.goals.test_feature_workspace import CHECK, CONFIG, REQUEST, _repo
from tests.providers.loopback import LoopbackServer
from tests.workspace.gitrepo import sh
from tests.workspace.swarm import make_agent
from tests.workspace.test_example_health import HEALTH, ROUTE, TEST


async def test_a_code_step_sent_back_builds_on_its_previous_branch(
    backend: Backend, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    agent = make_agent(tmp_path)
    change = {"replace": [["app.py", ROUTE, HEALTH + ROUTE]], "say": "app.py: GET /api/health"}
    again = {"write": {"CHANGES.md": "GET /api/health\n"}, "say": "noted it in CHANGES.md"}
    qa = {"write": {"test_health.py": TEST}, "say": "added test_health.py"}
    agent.play({"scored your previous answer": [again], "Write test_health.py": [qa],
                REQUEST: [change]})  # fmt: skip
    reviews = [{"score": 5, "reason": "say what changed"}, {"score": 9, "reason": "good"}]
    script = Script(["unused"], reviews)
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        config = tmp_path / "config.toml"
        env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent.env().items())
        binary, where = json.dumps(str(agent.root / "claude")), json.dumps(str(repo))
        config.write_text(CONFIG.format(binary=binary, env=env, url=server.url, repo=where,
                                        check=json.dumps(CHECK), merge="review"))  # fmt: skip
        settings = load_settings(config)
        ledger = await backend.open(tmp_path / "ledger.db")
        logs = tmp_path / "logs"
        providers = build_providers(settings, log_dir=logs)
        cli = settings.providers["cli"]
        providers["cli"] = CLIProvider("cli", cli, ClaudeDialect, log_dir=logs)
        orch = Orchestrator(settings, ledger, providers, owner="test:1:1")
        engine = GoalEngine(orch)
        runner = asyncio.create_task(orch.run())
        try:
            goal = await engine.start(REQUEST, workflow="feature", approve=True)
            async with asyncio.timeout(300):
                goal = await engine.drive(goal.id)
            tasks = {t.step: t for t in await orch.tasks()}
            first, second, tests = tasks["implement#1"], tasks["implement#2"], tasks["tests#1"]
            assert second.after == (first.id,) and second.project == "api"
            rows = {r.task_id: r for r in await ledger.workspace_rows()}
            assert rows[second.id].start_point == rows[first.id].branch
            assert goal.state is GoalState.RUNNING and goal.rounds == 1
            assert goal.reason == (
                f"waits for review of #{second.id}: swarm-tui review show {second.id};"
                f" waits for review of #{tests.id}: swarm-tui review show {tests.id}"
            )
            for task in (second, tests):
                merged = await orch.review_accept(task.id)
                assert merged.done, merged.message
            async with asyncio.timeout(300):
                goal = await engine.drive(goal.id)
            assert goal.state is GoalState.SUCCEEDED, goal.reason
            assert goal.score == 9.0
            assert (await orch.task(first.id)).state is TaskState.NEEDS_REVIEW  # superseded
            assert (await orch.review_reject(first.id, "in round 2")).done
        finally:
            await orch.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await ledger.close()
    files = sorted(sh(repo, "ls-files").split())
    assert files == ["CHANGES.md", "app.py", "test_app.py", "test_health.py"]
    assert "/api/health" in (repo / "app.py").read_text()
