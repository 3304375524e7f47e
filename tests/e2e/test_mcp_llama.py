"""An agent on the real embedded llama.cpp model calls a real MCP tool (mcp-server-time).

A named ``tool_choice`` on the first turn makes SmolLM2 emit the call deterministically; the
result goes back as an OpenAI ``tool`` message, the second turn answers in text, and the
ledger shows the call on the attempt.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest

from swarm_tui.config import (
    AgentConfig,
    MCPConfig,
    MCPServerConfig,
    ModelConfig,
    ProviderConfig,
    Settings,
)
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.runtime import open_orchestrator

pytestmark = [
    pytest.mark.llama,
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None,
        reason="llama_cpp is not importable: install the 'local' extra (make setup)",
    ),
]

BIN = Path(sys.executable).parent


def settings() -> Settings:
    return Settings(
        providers={
            "local": ProviderConfig(
                kind="local",
                max_concurrent=1,
                models={"smollm2": ModelConfig(max_tokens=60, context=4096, temperature=0.0)},
            )
        },
        agents={
            "clock": AgentConfig(
                role="tells the time",
                mix={"local/smollm2": 1.0},
                mcp_servers=["time"],
                tool_choice="time__get_current_time",
            )
        },
        mcp=MCPConfig(
            servers={"time": MCPServerConfig(command=str(BIN / "mcp-server-time"))},
            policies={"time__*": "auto"},
        ),
    )


async def test_agent_calls_a_real_mcp_tool_and_finishes(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    async with open_orchestrator(settings(), db) as orch:
        [(task, _)] = await orch.submit([TaskSpec("What time is it in UTC?", role="clock")])
        await asyncio.wait_for(orch.run(until_idle=True), 300)
        done = await orch.task(task.id)
        calls = await orch.ledger.tool_calls(task_id=task.id)
        [attempt] = await orch.attempts(task.id)
    assert done.state == TaskState.SUCCEEDED, done.error
    assert len(calls) >= 1
    first = calls[0]
    assert first.tool == "time__get_current_time" and first.outcome == "ok"
    assert first.attempt_id == attempt.id and first.approved_by == "policy:auto"
    assert first.result_chars > 0 and first.duration_ms is not None
    assert "timezone" in first.arguments
