"""An API-model agent on a coding task reaches its project's memory: the tool loop passes the
task's project to the hub, so ``swarm__write_memory`` writes the project's book (Serena's
``.serena/memories`` file when the repository has that folder), not the swarm's own.

SQLite only: what it checks is the memory file in the repository, not the ledger."""

from __future__ import annotations

import asyncio
from pathlib import Path

from swarm_tui.config import AgentConfig, MCPConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.config.projects import ProjectConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.mcp.hub import attach_hub
from swarm_tui.providers.base import StreamRequest, ToolCall
from swarm_tui.store.ledger import SqliteLedger
from tests.fakes import FakeProvider, Script
from tests.workspace.gitrepo import make_repo


def _settings(repo: Path) -> Settings:
    return Settings(
        providers={
            "api": ProviderConfig(
                kind="openai", base_url="http://127.0.0.1:9/v1", models={"m": ModelConfig()}
            )
        },
        agents={"coder": AgentConfig(mix={"api/m": 1}, project="calc")},
        projects={"calc": ProjectConfig.model_validate({"repo": str(repo)})},
        mcp=MCPConfig(default_policy="auto"),
    )


def _script(request: StreamRequest) -> Script:
    if any(m.role == "tool" for m in request.messages):
        return Script(tokens=["noted the decision"])
    note: dict[str, object] = {
        "memory_name": "decisions/db",
        "content": "use sqlite for the ledger",
    }
    return Script(tokens=["noting"], events=[ToolCall("c1", "swarm__write_memory", note)])


async def test_an_agent_on_a_calc_task_writes_calcs_serena_memory(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc")
    memories = repo / ".serena" / "memories"
    memories.mkdir(parents=True)
    ledger = await SqliteLedger.open(tmp_path / "data" / "ledger.db", commit_interval=0.005)
    provider = FakeProvider("api", _script)
    orch = Orchestrator(_settings(repo), ledger, {"api": provider}, owner="test:1:1")
    hub = attach_hub(orch, tmp_path / "logs")
    try:
        [(task, _)] = await orch.submit([TaskSpec(prompt="record the db choice", role="coder")])
        assert task.project == "calc"
        await asyncio.wait_for(orch.run(until_idle=True), 120)
        done = await orch.task(task.id)
        assert done.state is not TaskState.FAILED, done.error
        [call] = await ledger.tool_calls(task_id=task.id)
        assert (call.tool, call.outcome) == ("swarm__write_memory", "ok")
        assert (memories / "decisions" / "db.md").read_text() == "use sqlite for the ledger"
        kept = {(e.project, e.name) for e in await orch.memories()}
        assert ("calc", "decisions/db") in kept and ("default", "decisions/db") not in kept
    finally:
        await orch.stop()
        await hub.close()
        await ledger.close()
