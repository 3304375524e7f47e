"""An image a real MCP tool returns (server-everything's ``get-tiny-image``, npm) reaches a
model that takes images in its provider's wire format, through the orchestrator's real tool
loop and a real HTTP provider talking to a loopback stand-in that records every request; a
model without ``vision`` reads a note naming the image's type and size."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import AgentConfig, MCPConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskState
from swarm_tui.mcp.hub import attach_hub
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.mcp.scripted import run_one
from tests.mcp.test_everything import everything, up
from tests.providers.loopback import LoopbackServer
from tests.providers.wire_kinds import KINDS, TOOL, Kind

pytestmark = pytest.mark.slow

TINY_PNG_BYTES = 4033


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db", commit_interval=0.005)
    yield led
    await led.close()


def settings(kind: Kind, url: str, vision: bool, server: Path) -> Settings:
    mcp = MCPConfig(servers={"everything": everything({"mcp-server-everything": server})})
    agent = AgentConfig(mix={f"p1/{kind.model}": 1.0}, mcp_servers=["everything"])
    return Settings.model_validate(
        {
            "providers": {"p1": kind.config(url, vision).model_dump(exclude_defaults=True)},
            "agents": {"a": agent.model_dump(exclude_defaults=True)},
            "mcp": {**mcp.model_dump(exclude_defaults=True), "default_policy": "auto"},
        }
    )


async def run_task(
    kind: Kind,
    vision: bool,
    npm_mcp: dict[str, Path],
    tmp_path: Path,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, object]:
    """One task whose model calls get-tiny-image; the request that carried its answer."""
    async with LoopbackServer() as srv:
        srv.choose("POST", kind.path, kind.reply)
        provider = kind.provider(srv.url, vision, monkeypatch)
        config = settings(kind, srv.url, vision, npm_mcp["mcp-server-everything"])
        orch = Orchestrator(config, ledger, {"p1": provider})
        hub = attach_hub(orch, tmp_path / "logs")
        try:
            await up(hub)
            task_id = await run_one(orch)
        finally:
            await orch.stop()
            await hub.close()
            await provider.close()
        task = await orch.task(task_id)
        assert task.state == TaskState.SUCCEEDED and task.result == "seen", task.error
        first, second = (r.json() for r in srv.requests)
    assert not kind.answered(first) and kind.answered(second)
    assert TOOL in str(first)  # offered, then called
    return second


@pytest.mark.parametrize("name", sorted(KINDS))
async def test_the_image_reaches_a_vision_model_in_its_wire_format(
    name: str,
    npm_mcp: dict[str, Path],
    tmp_path: Path,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind = KINDS[name]
    body = await run_task(kind, True, npm_mcp, tmp_path, ledger, monkeypatch)
    [(mime, data)] = kind.images(body)
    assert mime in (None if name == "ollama" else "image/png",)
    assert data.startswith("iVBORw0KGgo")  # a PNG, base64
    assert len(data) * 3 // 4 - data[-2:].count("=") == TINY_PNG_BYTES
    [text] = kind.tool_texts(body)
    assert "MCP logo" in text and "not shown" not in text


@pytest.mark.parametrize("name", ["anthropic", "openai"])
async def test_a_model_without_vision_reads_the_image_s_type_and_size(
    name: str,
    npm_mcp: dict[str, Path],
    tmp_path: Path,
    ledger: Ledger,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kind = KINDS[name]
    body = await run_task(kind, False, npm_mcp, tmp_path, ledger, monkeypatch)
    assert kind.images(body) == []
    [text] = kind.tool_texts(body)
    assert "MCP logo" in text
    assert f"[image: image/png, {TINY_PNG_BYTES} bytes; not shown" in text
    assert "iVBORw0KGgo" not in str(body)
