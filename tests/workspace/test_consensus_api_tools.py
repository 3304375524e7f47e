"""Consensus over code with API models: each model of the mix (two models behind a loopback
OpenAI-compatible stand-in) gets the workspace tools of its own candidate worktree, writes
calc.py through ``workspace__write_file``, and a path out of the worktree is refused; the
candidates agree, the winner's branch waits for review and the other is removed. On both
ledger backends."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from swarm_tui.config import Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from swarm_tui.providers.registry import build_providers
from tests.backends import Backend
from tests.providers.loopback import LoopbackServer, Recorded, Reply, sse
from tests.workspace.gitrepo import CALC_FIXED, PYTEST, make_repo, sh


def _call(calls: list[tuple[str, dict[str, str]]]) -> Reply:
    pieces = [
        {
            "index": i,
            "id": f"c{i}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        for i, (name, args) in enumerate(calls)
    ]
    choice = {"index": 0, "delta": {"tool_calls": pieces}, "finish_reason": "tool_calls"}
    return Reply(pieces=sse({"choices": [choice]}))


def _text(text: str) -> Reply:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": "stop"}
    return Reply(pieces=sse({"choices": [choice]}))


def _model(request: Recorded) -> Reply:
    """First turn: write calc.py (m2 also tries a path out of its worktree); after the
    tools answered: the summary; a ballot (no tools offered): candidate A."""
    body = request.json()
    messages = body.get("messages")
    assert isinstance(messages, list)
    if not body.get("tools"):
        return _text(json.dumps({"choice": "A", "ranking": ["A"], "rationale": "fine"}))
    if any(m.get("role") == "tool" for m in messages):
        return _text("add() now adds")
    calls = [("workspace__write_file", {"path": "calc.py", "content": CALC_FIXED})]
    if body.get("model") == "m2":
        calls.insert(0, ("workspace__write_file", {"path": "../escape.txt", "content": "x"}))
    return _call(calls)


def _answered(body: dict[str, object]) -> bool:
    """The request carries tool results (a later turn)."""
    messages = body.get("messages")
    return isinstance(messages, list) and any(m.get("role") == "tool" for m in messages)


def _tool_names(body: dict[str, object]) -> set[str]:
    tools = body.get("tools")
    assert isinstance(tools, list)
    return {t["function"]["name"] for t in tools}


def _settings(repo: Path, url: str, data: Path) -> Settings:
    return Settings.model_validate(
        {
            "providers": {
                "o": {
                    "kind": "openai",
                    "base_url": f"{url}/v1",
                    "models": {"m1": {}, "m2": {}},
                }
            },
            "agents": {"coder": {"mix": {"o/m1": 1, "o/m2": 1}}},
            "consensus": {"human": False},
            "projects": {"calc": {"repo": str(repo), "checks": [PYTEST]}},
            "mcp": {"policies": {"workspace__*": "auto"}},
        }
    )


async def test_api_models_write_through_the_workspace_tools_each_in_its_own_worktree(
    backend: Backend,
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", _model)
        settings = _settings(repo, server.url, tmp_path / "data")
        ledger = await backend.open(tmp_path / "data" / "ledger.db")
        providers = build_providers(settings, log_dir=tmp_path / "logs")
        orch = Orchestrator(settings, ledger, providers, owner="test:1:1")
        try:
            spec = TaskSpec(
                prompt="make add() add", role="coder", mode=TaskMode.CONSENSUS, project="calc"
            )
            [(task, _)] = await orch.submit([spec])
            await asyncio.wait_for(orch.run(until_idle=True), 240)
            done = await orch.task(task.id)
            [attempt] = await orch.attempts(task.id)
            assert done.state is TaskState.NEEDS_REVIEW, (done.error, attempt.output)
            bodies = [r.json() for r in server.requests]
            first_turns = [b for b in bodies if b.get("tools") and not _answered(b)]
            assert {str(b["model"]) for b in first_turns} == {"m1", "m2"}
            for body in first_turns:
                assert {"workspace__write_file", "workspace__read_file"} <= _tool_names(body)
            calls = await ledger.tool_calls(task_id=task.id)
            outcomes = [c.outcome for c in calls]
            assert outcomes.count("tool_error") >= 1 and outcomes.count("ok") >= 2, outcomes
            refused = [d for k, _a, d in await ledger.events(task.id) if k == "path_refused"]
            assert refused and all("../escape.txt" in d for d in refused)
            assert not (tmp_path / "repo" / ".." / "escape.txt").exists()
            review = await orch.review_of(task.id)
            assert review is not None and review.passed is True
            assert [f.path for f in review.files] == ["calc.py"]
            branches = sh(repo, "branch", "--format=%(refname:short)").split()
            assert sorted(branches) == sorted(["main", review.workspace.branch])
            assert len(sh(repo, "worktree", "list").splitlines()) == 2
        finally:
            await orch.stop()
            await ledger.close()
