"""The embedded model (SmolLM2 on llama.cpp, temperature 0.0) works in a real git worktree
through the workspace tools: a forced ``tool_choice`` makes it call ``write_file``, the
file appears in the worktree (and nowhere else), and a call whose path leads out of the
worktree is refused, told to the model, and recorded on the attempt with the reason.

The tools reach the tool loop through a small :class:`ToolHost` over
:class:`WorkspaceTools` (the orchestrator's own wiring of workspaces is another part of
issue 19); everything else is the real path: the orchestrator, the approval gate, the
ledger's tool records, the llama.cpp server.

SQLite only: a real model (slow); the ledger's tool records are tested on both backends
elsewhere (test_api_agent_tools.py).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Sequence
from pathlib import Path

import pytest

from swarm_tui.config import AgentConfig, MCPConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.core.toolloop import OfferedTool, ToolOutput
from swarm_tui.domain.models import TaskSpec
from swarm_tui.domain.toolnames import definition_hash, namespaced
from swarm_tui.runtime import open_orchestrator
from swarm_tui.store.tools import ToolCallRecord
from swarm_tui.workspace.paths import Refused
from swarm_tui.workspace.tool_specs import SERVER, TOOL_SPECS
from swarm_tui.workspace.tools import WorkspaceTools
from swarm_tui.workspace.worktrees import open_worktree
from tests.workspace.gitrepo import make_repo, open_calc, sh

pytestmark = [
    pytest.mark.llama,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama_cpp is not importable: install the 'local' extra (make setup)",
    ),
]


class WorkspaceHost:
    """The workspace tools of one worktree as a tool host; refusals are kept."""

    def __init__(self, tools: WorkspaceTools) -> None:
        self.tools = tools
        self.refused: list[Refused] = []

    async def tools_for(self, agent: str, allow: Sequence[str]) -> list[OfferedTool]:
        return [
            OfferedTool(
                namespaced(SERVER, spec.name),
                SERVER,
                spec.name,
                spec.description,
                spec.schema,
                definition_hash(spec.description, spec.schema),
            )
            for spec in TOOL_SPECS
        ]

    async def call(
        self,
        tool: OfferedTool,
        arguments: dict[str, object],
        agent: str,
        *,
        project: str | None = None,
    ) -> ToolOutput:
        result = await self.tools.call(tool.tool, arguments)
        if result.refused is not None:
            self.refused.append(result.refused)
        return ToolOutput(result.text, result.is_error)


def settings() -> Settings:
    return Settings(
        providers={
            "local": ProviderConfig(
                kind="local",
                max_concurrent=1,
                models={"smollm2": ModelConfig(max_tokens=80, context=4096, temperature=0.0)},
            )
        },
        agents={
            "coder": AgentConfig(
                role="writes files",
                mix={"local/smollm2": 1.0},
                tool_choice="workspace__write_file",
            )
        },
        mcp=MCPConfig(policies={"workspace__*": "auto"}, max_tool_turns=2),
    )


async def _run(tmp_path: Path, prompt: str) -> tuple[Path, WorkspaceHost, list[ToolCallRecord]]:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    opened = await open_worktree(project, 1, "write a file")
    worktree = Path(opened.state.worktree)
    host = WorkspaceHost(WorkspaceTools(worktree))
    async with open_orchestrator(settings(), tmp_path / "data" / "ledger.db") as orch:
        orch.attach_tools(host)
        [(task, _)] = await orch.submit([TaskSpec(prompt, role="coder")])
        await asyncio.wait_for(orch.run(until_idle=True), 600)
        calls = list(await orch.ledger.tool_calls(task_id=task.id))
    return worktree, host, calls


async def test_the_model_writes_a_file_into_its_worktree(tmp_path: Path) -> None:
    worktree, host, calls = await _run(
        tmp_path, 'Call write_file with {"path": "notes.txt", "content": "hello from the model"}.'
    )
    first = calls[0]
    assert first.tool == "workspace__write_file"
    assert first.outcome == "ok", first.error
    assert first.arguments["path"] == "notes.txt"
    target = worktree / "notes.txt"
    assert target.is_file(), f"notes.txt is not in {worktree}"
    assert target.read_text() == first.arguments["content"]
    assert not host.refused
    status = sh(worktree, "status", "--porcelain", "--untracked-files=all")
    assert status == "?? notes.txt"  # the worktree's own change, nothing else
    assert sh(tmp_path / "repo", "status", "--porcelain") == ""  # the user's checkout: clean


async def test_a_path_out_of_the_worktree_is_refused_and_recorded(tmp_path: Path) -> None:
    worktree, host, calls = await _run(
        tmp_path, 'Call write_file with {"path": "../outside.txt", "content": "escaped"}.'
    )
    first = calls[0]
    path = str(first.arguments["path"])
    assert ".." in path.split("/") or path.startswith("/"), f"the model chose {path!r}"
    assert first.outcome == "tool_error"
    assert "refused" in str(first.error)
    assert [r.path for r in host.refused][:1] == [path]
    assert not (worktree.parent / "outside.txt").exists()
    assert not (tmp_path / "outside.txt").exists()
