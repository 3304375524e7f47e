"""Our users' first workflow as a goal: the ``feature`` template on examples/health_api in a
real git repository. The backend and QA are a scripted agent CLI (fake_agent.py) working in
worktrees (QA starting from the backend's branch while it waits for review); the reviewer
and the synthesizer are a loopback stand-in that scores. Under ``merge = "review"`` the goal
waits for the human's review of both branches and proceeds once they are merged into the
base (under ``merge = "auto"`` it never stops); either way it gives the synthesis
each code step's diff summary, and ``report --by goal`` shows tokens per model, cost, time,
quality and the saving against the baseline. The review run is on both ledger backends (the
goal's rows, its tasks' workspaces and the figures come from the ledger); ``auto`` adds no
ledger path of its own and stays on SQLite."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
from tests.goals.test_cli import run
from tests.providers.loopback import LoopbackServer
from tests.workspace.gitrepo import sh
from tests.workspace.swarm import make_agent
from tests.workspace.test_example_health import EXAMPLE, HEALTH, ROUTE, TEST

CHECK = f"{sys.executable} -m pytest -q -p no:cacheprovider"
REQUEST = "Add a GET /api/health endpoint"

CONFIG = """
[providers.cli]
kind = "claude-code"
[providers.cli.cli]
binary = {binary}
swarm_mcp = false
[providers.cli.cli.env]
{env}
[providers.cli.models.m]

[providers.p]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 8
[providers.p.models.cheap]
input_per_mtok = 0.1
output_per_mtok = 0.4
max_tokens = 256
[providers.p.models.dear]
input_per_mtok = 3.0
output_per_mtok = 15.0
max_tokens = 256

[agents.backend]
project = "api"
mix = {{ "cli/m" = 1 }}
[agents.qa-lead]
project = "api"
mix = {{ "cli/m" = 1 }}
[agents.code-reviewer]
mix = {{ "p/cheap" = 1 }}
[agents.project-manager]
mix = {{ "p/cheap" = 1 }}

[budget]
baseline = "p/dear"
[goals]
poll_seconds = 0.2
[orchestrator]
heartbeat_seconds = 3600
lease_seconds = 7200

[projects.api]
repo = {repo}
checks = [{check}]
merge = "{merge}"

[workflows.feature]
[[workflows.feature.steps]]
name = "implement"
role = "backend"
project = "api"
prompt = "Implement this: {{goal}}"
[[workflows.feature.steps]]
name = "tests"
role = "qa-lead"
project = "api"
depends_on = ["implement"]
prompt = "Write test_health.py for this change:\\n{{result:implement}}"
[[workflows.feature.steps]]
name = "review"
role = "code-reviewer"
depends_on = ["implement", "tests"]
reviews = "implement"
prompt = "Review the change and its tests."
"""


def _repo(tmp: Path) -> Path:
    repo = tmp / "health-api"
    shutil.copytree(EXAMPLE / "project", repo)
    sh(repo, "init", "-q", "-b", "main")
    sh(repo, "add", "-A")
    sh(repo, "commit", "-qm", "start")
    return repo


@pytest.mark.parametrize(
    ("merge", "backend"),
    [("review", "sqlite"), ("auto", "sqlite"), ("review", "postgres")],
    indirect=["backend"],
)
async def test_feature_goal_on_a_project_waits_for_review_merges_and_reports(
    backend: Backend, tmp_path: Path, merge: str
) -> None:
    """``review``: the goal waits for the human's review of both branches, then goes on;
    ``auto``: each branch merges once pytest passes and the goal runs to its end."""
    repo = _repo(tmp_path)
    agent = make_agent(tmp_path)
    change = {"replace": [["app.py", ROUTE, HEALTH + ROUTE]], "say": "app.py: GET /api/health"}
    qa = {"write": {"test_health.py": TEST}, "show": ["app.py"], "say": "added test_health.py"}
    agent.play({"Write test_health.py": [qa], REQUEST: [change]})
    script = Script(["unused"], [{"score": 9, "reason": "small, tested, correct"}])
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        config = tmp_path / "config.toml"
        env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent.env().items())
        binary, where = json.dumps(str(agent.root / "claude")), json.dumps(str(repo))
        check = json.dumps(CHECK)
        text = CONFIG.format(
            binary=binary, env=env, url=server.url, repo=where, check=check, merge=merge
        )
        config.write_text(text)
        settings = load_settings(config)
        db = tmp_path / "ledger.db"
        ledger = await backend.open(db)
        backend.export(db)  # the commands below read the same ledger
        providers = build_providers(settings, log_dir=tmp_path / "logs")
        providers["cli"] = CLIProvider(
            "cli", settings.providers["cli"], ClaudeDialect, log_dir=tmp_path / "logs"
        )
        orch = Orchestrator(settings, ledger, providers, owner="test:1:1")
        engine = GoalEngine(orch)
        runner = asyncio.create_task(orch.run())
        try:
            goal = await engine.start(REQUEST, workflow="feature", approve=True)
            async with asyncio.timeout(300):
                goal = await engine.drive(goal.id)
            tasks = {t.step: t for t in await orch.tasks()}
            implement, tests = tasks["implement#1"], tasks["tests#1"]
            assert (implement.project, tests.project) == ("api", "api")
            qa_run = next(r for r in agent.runs() if r["marker"] == "Write test_health.py")
            assert "/api/health" in qa_run["seen"]["app.py"]  # QA had the backend's change
            if merge == "review":
                assert {implement.state, tests.state} == {TaskState.NEEDS_REVIEW}
                assert tasks["review#1"].state is TaskState.SUCCEEDED  # reviewed before merging
                assert goal.state is GoalState.RUNNING and "synthesis#1" not in tasks
                assert goal.reason == (
                    f"waits for review of #{implement.id}: swarm-tui review show {implement.id};"
                    f" waits for review of #{tests.id}: swarm-tui review show {tests.id}"
                )
                rows = {r.task_id: r for r in await ledger.workspace_rows()}
                assert rows[tests.id].start_point == rows[implement.id].branch
                for task in (implement, tests):
                    merged = await orch.review_accept(task.id)
                    assert merged.done, merged.message
                async with asyncio.timeout(300):
                    goal = await engine.drive(goal.id)
            assert goal.state is GoalState.SUCCEEDED, goal.reason
            assert goal.score == 9.0
        finally:
            await orch.stop()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
            await ledger.close()
        [review] = [b for b in script.asked if "## Your review" in json.dumps(b)]
        assert "app.py +3 -0; checks 1/1 passed" in json.dumps(review)
        [synthesis] = [b for b in script.asked if "## Results of the steps" in json.dumps(b)]
        text = synthesis["messages"][-1]["content"]
        assert "Change: app.py +3 -0; checks 1/1 passed" in text
        lines = TEST.count("\n")
        # under review QA's branch started from the backend's and holds its commit too
        both = "app.py +3 -0, " if merge == "review" else ""
        assert f"Change: {both}test_health.py +{lines} -0; checks 1/1 passed" in text
        args = ("--config", str(config), "--db", str(db))
        code, out = await run(*args, "report", "--by", "goal", "--format", "json")
        assert code == 0, out
        code_show, shown = await run(*args, "goal", "show", str(goal.id))
    assert sorted(sh(repo, "ls-files").split()) == ["app.py", "test_app.py", "test_health.py"]
    assert "swarm/" not in sh(repo, "branch", "--show-current")
    checked = subprocess.run(CHECK.split(), cwd=repo, capture_output=True, text=True, check=False)
    assert checked.returncode == 0 and "3 passed" in checked.stdout, checked.stdout
    [fig] = json.loads(out)["goals"]
    assert fig["workflow"] == "feature" and fig["state"] == "succeeded" and fig["score"] == 9.0
    assert [s["step"] for s in fig["steps"]] == ["implement#1", "tests#1", "review#1",
                                                 "synthesis#1"]  # fmt: skip
    models = fig["by_model"]
    assert models["cli/m"]["tokens_in"] == 2 * 100 and models["cli/m"]["tokens_out"] == 2 * 20
    assert models["p/cheap"]["tokens_in"] == 2 * 100  # the review and the synthesis
    assert abs(fig["cost_usd"] - sum(m["cost_usd"] for m in models.values())) < 1e-9
    dear = (100 * 3.0 + 20 * 15.0) / 1e6
    assert abs(fig["baseline_usd"] - 4 * dear) < 1e-9  # all four calls priced as p/dear
    assert abs(fig["saving_usd"] - (fig["baseline_usd"] - fig["cost_usd"])) < 1e-6
    assert fig["wall_s"] > 0 and all(s["seconds"] is not None for s in fig["steps"])
    assert code_show == 0 and f"goal #{goal.id} succeeded" in shown and "score 9/10" in shown
