"""Our users' first workflow, examples/health_api, with scripted agent CLIs: the backend adds
``GET /api/health``, QA (starting from the backend's branch while it waits for review) adds
a test that runs the server, the project's pytest judges both, both are reviewed and merged,
and the merged project's tests pass in the user's checkout. Cost stays under $0.10.

SQLite only: its ledger part (QA's start point from the backend's row, review and merge)
is the same as test_feature_workspace.py's review run, which runs on both backends."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

from swarm_tui.config import load_settings
from swarm_tui.core.taskfile import load_task_file
from swarm_tui.domain.models import TaskState
from swarm_tui.store.ledger import SqliteLedger
from tests.workspace.gitrepo import sh
from tests.workspace.swarm import make_agent, make_swarm

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "health_api"
ROUTE = """        if self.path == "/api/items":"""
HEALTH = """        if self.path == "/api/health":
            self.send_json(200, {"status": "ok"})
            return
"""
TEST = '''"""GET /api/health over a real socket."""

import threading
import urllib.request

from app import make_server


def test_health() -> None:
    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/health"
        with urllib.request.urlopen(url, timeout=10) as reply:
            assert reply.status == 200 and reply.read() == b'{"status": "ok"}'
    finally:
        server.shutdown()
        server.server_close()
'''
CHECK = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def _config(tmp: Path, repo: Path, agent_env: dict[str, str], binary: Path) -> Path:
    """The example's config with the scripted CLI in place of Qwen Code and Gemini CLI."""
    example = load_settings(EXAMPLE / "config.toml")
    env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent_env.items())
    agents = "".join(
        f'[agents.{name}]\nproject = "api"\nmix = {{ "cli/m" = 1 }}\n'
        f"system_prompt = {json.dumps(agent.system_prompt)}\n\n"
        for name, agent in example.agents.items()
    )
    path = tmp / "config.toml"
    path.write_text(
        f"""[providers.cli]
kind = "claude-code"
[providers.cli.cli]
binary = {json.dumps(str(binary))}
swarm_mcp = false
[providers.cli.cli.env]
{env}
[providers.cli.models.m]

{agents}
[projects.api]
repo = {json.dumps(str(repo))}
checks = [{json.dumps(CHECK)}]
fix_rounds = {example.projects["api"].fix_rounds}
"""
    )
    return path


async def test_the_health_endpoint_workflow(tmp_path: Path) -> None:
    repo = tmp_path / "health-api"
    shutil.copytree(EXAMPLE / "project", repo)
    sh(repo, "init", "-q", "-b", "main")
    sh(repo, "add", "-A")
    sh(repo, "commit", "-qm", "start")
    agent = make_agent(tmp_path)
    backend = {"replace": [["app.py", ROUTE, HEALTH + ROUTE]], "say": "app.py: GET /api/health"}
    qa = {"write": {"test_health.py": TEST}, "show": ["app.py"], "say": "added test_health.py"}
    agent.play({"Add a GET /api/health endpoint": [backend], "Write test_health.py": [qa]})
    settings = load_settings(_config(tmp_path, repo, agent.env(), agent.root / "claude"))
    ledger = await SqliteLedger.open(tmp_path / "data" / "ledger.db", commit_interval=0.005)
    orch = make_swarm(settings, ledger, tmp_path / "logs")
    specs, labels = load_task_file(EXAMPLE / "tasks.toml")
    try:
        made = await orch.submit(specs, labels)
        health, tests = (t.id for t, _ in made)
        await asyncio.wait_for(orch.run(until_idle=True), 180)
        for task_id in (health, tests):
            task = await orch.task(task_id)
            assert task.state is TaskState.NEEDS_REVIEW, task.error
        qa_run = next(r for r in agent.runs() if r["marker"] == "Write test_health.py")
        assert "/api/health" in qa_run["seen"]["app.py"]  # QA started from the backend's branch
        rows = {r.task_id: r for r in await ledger.workspace_rows()}
        assert rows[tests].start_point == rows[health].branch
        review = await orch.review_of(tests)
        assert review is not None and review.passed is True
        assert "3 passed" in review.checks[0].output
        for task_id in (health, tests):
            out = await orch.review_accept(task_id)
            assert out.done, out.message
        assert {t.state for t in await orch.tasks()} == {TaskState.SUCCEEDED}
        assert sum(t.cost_usd for t in await orch.tasks()) < 0.10
    finally:
        await orch.stop()
        await ledger.close()
    assert sorted(sh(repo, "ls-files").split()) == ["app.py", "test_app.py", "test_health.py"]
    run = subprocess.run(CHECK.split(), cwd=repo, capture_output=True, text=True, check=False)
    assert run.returncode == 0 and "3 passed" in run.stdout, run.stdout
