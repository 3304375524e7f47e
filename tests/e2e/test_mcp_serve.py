"""A real MCP client talks to `swarm-tui mcp-serve` while a headless orchestrator in another
process completes the task it submitted, through the shared ledger."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]}
        for t in ("handed ", "off")
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return Reply(pieces=sse(*chunks))


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.backend]
kind = "openai"
base_url = "{url}/v1"
[providers.backend.models.m]

[agents.worker]
mix = {{ "backend/m" = 1.0 }}

[agents.reviewer]
mix = {{ "backend/m" = 1.0 }}
"""
    )
    return config


def _data(result: Any) -> Any:
    assert not result.is_error, result
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def test_client_writes_memory_submits_and_reads_the_result(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    async with LoopbackServer() as backend:
        backend.route("POST", "/v1/chat/completions", _stream())
        config = _config(tmp_path, backend.url)
        common = ["-m", "swarm_tui", "--config", str(config), "--db", str(db)]
        params = StdioServerParameters(
            command=sys.executable, args=[*common, "mcp-serve"], env=env, cwd=str(ROOT)
        )
        async with Client(params, read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"write_memory", "read_memory", "submit_task", "wait_for_task"} <= names
            wrote = await client.call_tool(
                "write_memory", {"memory_name": "plan/api", "content": "use REST"}
            )
            assert "written" in json.dumps(_data(wrote))
            submitted = _data(
                await client.call_tool("submit_task", {"prompt": "do it", "role": "reviewer"})
            )
            task_id = submitted["task_id"]
            assert submitted["state"] == "queued" and submitted["created"] is True

            run = await asyncio.create_subprocess_exec(
                sys.executable,
                *common,
                "run",
                "--headless",
                "--until-idle",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=ROOT,
            )
            waited = _data(
                await client.call_tool("wait_for_task", {"task_id": task_id, "timeout_s": 120})
            )
            _, err = await asyncio.wait_for(run.communicate(), 120)
            assert run.returncode == 0, err.decode()
            assert waited["state"] == "succeeded" and waited["timed_out"] is False
            result = _data(await client.call_tool("get_task_result", {"task_id": task_id}))
            assert result["result"] == "handed off"
            listed = _data(await client.call_tool("list_memories", {}))
            assert listed == {"memories": ["plan/api"]}
            missing = _data(await client.call_tool("get_task_result", {"task_id": 999}))
            assert "no task #999" in missing["error"]
    rows = query(db, "SELECT name, content, author FROM memories")
    assert rows == [("plan/api", "use REST", "mcp-client")]
    assert query(db, "SELECT role, state FROM tasks") == [("reviewer", "succeeded")]
