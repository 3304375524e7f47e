"""The hub against the real ``@modelcontextprotocol/server-everything`` (npm), which uses the
whole protocol, driven by a scripted model through the orchestrator's real tool loop.

A long-running tool past its server's timeout is a tool error to the model (no restart, no
retry, no breaker change); embedded text resources and resource links reach the model as
text, images as images (in each wire format: test_everything_images.py); the tool that runs
only as an MCP task is left out with a notice; the roots the hub declares reach the
server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.core.breaker import CLOSED
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskState
from swarm_tui.mcp.hub import MCPHub, attach_hub
from swarm_tui.providers.base import ToolCall
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.mcp.scripted import ToolModel, run_one, tool_settings

pytestmark = pytest.mark.slow


def everything(npm_mcp: dict[str, Path], **fields: object) -> MCPServerConfig:
    return MCPServerConfig(command=str(npm_mcp["mcp-server-everything"]), **fields)  # type: ignore[arg-type]


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db", commit_interval=0.005)
    yield led
    await led.close()


async def up(hub: MCPHub) -> None:
    """Start the server and wait until it is up (a loaded machine may need a second try)."""
    conn = hub.conns["everything"]
    conn.start()
    while not conn.up:
        await asyncio.sleep(0.05)


async def run_with(
    tmp_path: Path, ledger: Ledger, server: MCPServerConfig, calls: list[ToolCall]
) -> tuple[Orchestrator, ToolModel, int, int]:
    """One task whose model makes ``calls``: (orchestrator, model, task id, server starts)."""
    mcp = MCPConfig(servers={"everything": server}, default_policy="auto")
    model = ToolModel(calls, answer="read it")
    orch = Orchestrator(tool_settings(mcp, ["everything"]), ledger, {"p1": model})
    hub = attach_hub(orch, tmp_path / "logs")
    try:
        await up(hub)
        task_id = await run_one(orch)
        starts = hub.conns["everything"].starts
    finally:
        await orch.stop()
        await hub.close()
    return orch, model, task_id, starts


async def test_a_long_running_tool_past_its_timeout_is_a_tool_error_to_the_model(
    npm_mcp: dict[str, Path], tmp_path: Path, ledger: Ledger
) -> None:
    call = ToolCall(
        "c1", "everything__trigger-long-running-operation", {"duration": 30, "steps": 3}
    )
    orch, model, task_id, starts = await run_with(
        tmp_path, ledger, everything(npm_mcp, timeout_s=5.0), [call]
    )
    task = await orch.task(task_id)
    assert task.state == TaskState.SUCCEEDED and task.result == "read it", task.error
    assert len(await orch.attempts(task_id)) == 1  # not failed, not retried
    assert starts == 1  # not restarted
    [told] = model.tool_messages()
    assert told.is_error and "did not finish within 5 s" in told.content
    breaker = orch.breakers.get("p1/m1")
    assert breaker.state == CLOSED and breaker.failures == 0


async def test_text_resources_links_and_images_reach_the_model(
    npm_mcp: dict[str, Path], tmp_path: Path, ledger: Ledger
) -> None:
    calls = [
        ToolCall(
            "r", "everything__get-resource-reference", {"resourceType": "Text", "resourceId": 1}
        ),
        ToolCall("l", "everything__get-resource-links", {"count": 2}),
        ToolCall("i", "everything__get-tiny-image", {}),
    ]
    _, model, _, _ = await run_with(tmp_path, ledger, everything(npm_mcp), calls)
    messages = {m.tool_call_id: m for m in model.tool_messages()}
    told = {call_id: m.content for call_id, m in messages.items()}
    assert "not shown]" not in told["r"]
    assert "[resource demo://resource/dynamic/text/1 (text/plain)]" in told["r"]
    assert "Resource 1: This is a plaintext resource" in told["r"]
    assert "<demo://resource/dynamic/blob/1>" in told["l"]
    assert "<demo://resource/dynamic/text/2>" in told["l"]
    [image] = messages["i"].images  # as an image: the provider sends or names it
    assert (image.mime_type, image.size) == ("image/png", 4033)
    assert "MCP logo" in told["i"] and "[image" not in told["i"]


async def test_the_task_only_tool_is_left_out_with_a_notice_and_roots_reach_the_server(
    npm_mcp: dict[str, Path], tmp_path: Path
) -> None:
    notices: list[str] = []
    config = MCPConfig(servers={"everything": everything(npm_mcp, roots=[str(tmp_path)])})
    hub = MCPHub(config, tmp_path / "logs", notify=notices.append)
    try:
        await up(hub)
        tools = {t.name: t for t in await hub.tools_for("a", ["everything"])}
        roots = await hub.call(tools["everything__get-roots-list"], {}, "a")
    finally:
        await hub.close()
    assert "everything__simulate-research-query" not in tools
    assert "everything__echo" in tools
    [notice] = notices
    assert "'simulate-research-query' is not offered" in notice and "MCP task" in notice
    assert not roots.is_error and tmp_path.as_uri() in roots.text
