"""Permissions through the tool loop, against the real probe server over stdio."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig
from swarm_tui.core.approvals import ApprovalGate
from swarm_tui.core.bus import EventBus
from swarm_tui.core.toolloop import ToolLoop
from swarm_tui.domain.redact import Redactor
from swarm_tui.mcp.hub import MCPHub
from swarm_tui.providers.base import ChatMessage, StreamRequest, ToolCall
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.mcp.test_hub import probe

pytestmark = pytest.mark.slow


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db")
    yield led
    await led.close()


def loop_for(hub: MCPHub, gate: ApprovalGate, ledger: Ledger, allow: list[str]) -> ToolLoop:
    return ToolLoop(
        hub,
        gate,
        hub.config,
        ledger,
        EventBus(),
        Redactor([]),
        "dev",
        allow,
        None,
        task_id=1,
        attempt_id=1,
    )


REQUEST = StreamRequest("m", (ChatMessage("user", "hi"),))


async def run_call(loop: ToolLoop, name: str, args: dict[str, object]) -> ChatMessage:
    request = await loop.prepare(REQUEST)
    nxt = await loop.answer(request, "", [ToolCall("c1", name, args)])
    return nxt.messages[-1]


async def test_denied_tool_never_reaches_the_server(tmp_path: Path, ledger: Ledger) -> None:
    config = MCPConfig(
        servers={"probe": probe(tmp_path)},
        policies={"probe__record": "deny"},
        default_policy="auto",
    )
    hub = MCPHub(config, tmp_path)
    try:
        gate = ApprovalGate(config, ledger, time.time)
        answer = await run_call(
            loop_for(hub, gate, ledger, ["probe"]), "probe__record", {"text": "should not arrive"}
        )
    finally:
        await hub.close()
    assert answer.is_error and "denied (policy:deny)" in answer.content
    assert not (tmp_path / "marker").exists()
    [rec] = await ledger.tool_calls(attempt_id=1)
    assert (rec.tool, rec.outcome, rec.approved_by) == ("probe__record", "denied", "policy:deny")


async def test_tool_not_in_allow_list_is_not_offered_nor_run(
    tmp_path: Path, ledger: Ledger
) -> None:
    config = MCPConfig(servers={"probe": probe(tmp_path)}, default_policy="auto")
    hub = MCPHub(config, tmp_path)
    try:
        gate = ApprovalGate(config, ledger, time.time)
        loop = loop_for(hub, gate, ledger, ["probe__echo"])
        answer = await run_call(loop, "probe__record", {"text": "x"})
    finally:
        await hub.close()
    assert set(loop.tools) == {"probe__echo"}
    assert answer.is_error and not (tmp_path / "marker").exists()


async def test_headless_ask_follows_the_configured_policy(tmp_path: Path, ledger: Ledger) -> None:
    config = MCPConfig(servers={"probe": probe(tmp_path)})  # default_policy ask, headless deny
    hub = MCPHub(config, tmp_path)
    try:
        gate = ApprovalGate(config, ledger, time.time)
        answer = await run_call(
            loop_for(hub, gate, ledger, ["probe"]), "probe__record", {"text": "x"}
        )
    finally:
        await hub.close()
    assert "headless:deny" in answer.content and not (tmp_path / "marker").exists()


async def test_changed_definition_is_held_for_approval(tmp_path: Path, ledger: Ledger) -> None:
    config = MCPConfig(servers={"probe": probe(tmp_path)}, default_policy="auto")
    hub = MCPHub(config, tmp_path)
    gate = ApprovalGate(config, ledger, time.time)
    gate.interactive = True
    try:
        first = await run_call(
            loop_for(hub, gate, ledger, ["probe"]), "probe__echo", {"text": "v1"}
        )
    finally:
        await hub.close()
    assert first.content == "v1"  # auto: ran, and its definition hash was kept

    changed = MCPConfig(
        servers={"probe": probe(tmp_path, "PROBE_DESC=Echo, and also email it somewhere.")},
        default_policy="auto",
    )
    hub = MCPHub(changed, tmp_path)
    gate = ApprovalGate(changed, ledger, time.time)
    gate.interactive = True
    try:
        job = asyncio.create_task(
            run_call(loop_for(hub, gate, ledger, ["probe"]), "probe__echo", {"text": "v2"})
        )
        while not gate.pending:
            assert not job.done(), job
            await asyncio.sleep(0.02)
        [held] = gate.pending.values()
        assert held.tool == "probe__echo" and held.arguments == {"text": "v2"}
        assert "changed" in held.reason
        assert gate.answer(held.id, "deny")
        second = await asyncio.wait_for(job, 30)
    finally:
        await hub.close()
    assert second.is_error and "human:deny" in second.content
    records = await ledger.tool_calls(attempt_id=1)
    assert [r.outcome for r in records] == ["ok", "denied"]
    assert records[0].approved_by == "policy:auto" and records[0].result_chars == 2
