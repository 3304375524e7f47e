"""Tool trouble is the model's to read, not the run's end (the real probe server over stdio).

A tool that runs past its server's ``timeout_s`` comes back to the model as a tool error; the
server is not restarted (it still answers a ping), the attempt is not failed or retried, the
model's breaker does not move. Only a server that does not answer the ping is restarted.
Tool names stay unique after namespacing; a forced ``tool_choice`` that is not offered is
refused with the reason."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig
from swarm_tui.core.breaker import CLOSED
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.toolloop import ToolHostError
from swarm_tui.domain.models import TaskState
from swarm_tui.mcp.hub import MCPHub, attach_hub
from swarm_tui.providers.base import ToolCall
from swarm_tui.store.ledger import Ledger, SqliteLedger
from tests.mcp.scripted import ToolModel, run_one, tool_settings
from tests.mcp.test_hub import by_name, probe

pytestmark = pytest.mark.slow

TIMEOUT = 5.0


@pytest.fixture
async def hubs() -> AsyncIterator[list[MCPHub]]:
    made: list[MCPHub] = []
    yield made
    for hub in made:
        await hub.close()


async def started_hub(hubs: list[MCPHub], tmp_path: Path, notices: list[str], *env: str) -> MCPHub:
    config = MCPConfig(servers={"probe": probe(tmp_path, *env, timeout_s=TIMEOUT)})
    hub = MCPHub(config, tmp_path / "logs", notify=notices.append)
    hubs.append(hub)
    conn = hub.conns["probe"]
    conn.start()
    while not conn.up:  # a loaded machine may need more than one try to start it
        await asyncio.sleep(0.05)
    return hub


async def test_a_slow_tool_is_a_tool_error_and_its_server_keeps_running(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    notices: list[str] = []
    hub = await started_hub(hubs, tmp_path, notices)
    conn = hub.conns["probe"]
    tools = by_name(await hub.tools_for("a", ["probe"]))
    before = int((await hub.call(tools["probe__pid"], {}, "a")).text)
    starts = conn.starts
    out = await hub.call(tools["probe__slow"], {"seconds": 120}, "a")
    assert out.is_error
    assert "slow did not finish within 5 s" in out.text and "still running" in out.text
    assert conn.starts == starts and conn.up and notices == []  # no restart, nothing to say
    assert int((await hub.call(tools["probe__pid"], {}, "a")).text) == before


async def test_a_server_that_hangs_during_a_call_fails_the_ping_and_is_restarted(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    notices: list[str] = []
    hub = await started_hub(hubs, tmp_path, notices)
    conn = hub.conns["probe"]
    tools = by_name(await hub.tools_for("a", ["probe"]))
    pid = int((await hub.call(tools["probe__pid"], {}, "a")).text)
    starts = conn.starts
    os.kill(pid, signal.SIGSTOP)  # alive, but answers nothing: neither the call nor the ping
    try:
        with pytest.raises(ToolHostError, match=r"did not answer a ping.*being restarted"):
            await hub.call(tools["probe__echo"], {"text": "x"}, "a")
    finally:
        os.kill(pid, signal.SIGKILL)
    [notice] = notices
    assert "echo did not finish within 5 s" in notice
    assert (await hub.call(tools["probe__echo"], {"text": "back"}, "a")).text == "back"
    assert conn.starts > starts


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db", commit_interval=0.005)
    yield led
    await led.close()


async def test_a_slow_tool_in_a_run_is_told_to_the_model_without_retry_or_breaker(
    tmp_path: Path, ledger: Ledger
) -> None:
    runs = tmp_path / "slow-runs"
    server = probe(tmp_path, f"PROBE_SLOW_LOG={runs}", timeout_s=TIMEOUT)
    mcp = MCPConfig(servers={"probe": server}, default_policy="auto")
    settings = tool_settings(mcp, ["probe"])
    model = ToolModel([ToolCall("c1", "probe__slow", {"seconds": 10})], answer="the tool was slow")
    orch = Orchestrator(settings, ledger, {"p1": model})
    hub = attach_hub(orch, tmp_path / "logs")
    try:
        task_id = await run_one(orch)
        task = await orch.task(task_id)
        attempts = await orch.attempts(task_id)
        starts = hub.conns["probe"].starts
    finally:
        await orch.stop()
        await hub.close()
    assert task.state == TaskState.SUCCEEDED, task.error
    assert task.result == "the tool was slow"
    assert len(attempts) == 1  # not failed, not retried
    assert runs.read_text().splitlines() == ["10.0"]  # the tool ran once
    assert starts == 1  # the server was not restarted
    [told] = model.tool_messages()
    assert told.is_error and "slow did not finish within 5 s" in told.content
    breaker = orch.breakers.get("p1/m1")
    assert breaker.state == CLOSED and breaker.failures == 0
    [record] = await ledger.tool_calls(attempt_id=attempts[0].id)
    assert record.outcome == "tool_error" and record.tool == "probe__slow"


async def test_a_server_killed_mid_call_is_told_to_the_model_not_blamed_on_it(
    tmp_path: Path, ledger: Ledger
) -> None:
    mcp = MCPConfig(servers={"probe": probe(tmp_path)}, default_policy="auto")
    model = ToolModel([ToolCall("c1", "probe__slow", {"seconds": 120})], answer="went on")
    orch = Orchestrator(tool_settings(mcp, ["probe"]), ledger, {"p1": model})
    hub = attach_hub(orch, tmp_path / "logs")
    pid_file = tmp_path / "pid"

    async def kill_when_running() -> None:
        while not (pid_file.exists() and pid_file.read_text()):
            await asyncio.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)

    killer = asyncio.create_task(kill_when_running())
    try:
        task = await orch.task(await run_one(orch))
        attempts = await orch.attempts(task.id)
        await killer
    finally:
        killer.cancel()
        await orch.stop()
        await hub.close()
    assert task.state == TaskState.SUCCEEDED and task.result == "went on"
    assert len(attempts) == 1
    [told] = model.tool_messages()
    assert told.is_error and "failed during slow" in told.content
    assert "being restarted" in told.content
    assert orch.breakers.get("p1/m1").failures == 0
    [record] = await ledger.tool_calls(attempt_id=attempts[0].id)
    assert record.outcome == "failed"


async def test_two_tools_meeting_under_one_name_are_told_apart_and_announced(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    notices: list[str] = []
    hub = await started_hub(hubs, tmp_path, notices, "PROBE_ODD=1")
    tools = by_name(await hub.tools_for("a", ["probe"]))
    items = {name: t for name, t in tools.items() if "get" in name}
    assert len(items) == 2 and "probe__get_item" in items
    assert items["probe__get_item"].tool == "get_item"
    [other] = [n for n in items if n != "probe__get_item"]
    assert items[other].tool == "get.item" and other.startswith("probe__get_item_")
    assert (await hub.call(items[other], {"key": "k"}, "a")).text == "dotted k"
    assert (await hub.call(items["probe__get_item"], {"key": "k"}, "a")).text == "plain k"
    [notice] = notices
    assert "'get.item', 'get_item'" in notice and repr(other) in notice
    await hub.tools_for("b", ["probe"])
    assert len(notices) == 1  # said once


async def test_a_forced_tool_choice_not_offered_is_refused_with_the_reason(
    tmp_path: Path, ledger: Ledger
) -> None:
    mcp = MCPConfig(servers={"probe": probe(tmp_path)}, default_policy="auto")
    settings = tool_settings(mcp, ["probe__echo"], tool_choice="probe__record")
    model = ToolModel([], answer="no call made")
    orch = Orchestrator(settings, ledger, {"p1": model})
    hub = attach_hub(orch, tmp_path / "logs")
    try:
        task = await orch.task(await run_one(orch))
    finally:
        await orch.stop()
        await hub.close()
    assert task.state == TaskState.FAILED
    assert "tool_choice 'probe__record'" in (task.error or "")
    assert "offered: probe__echo" in (task.error or "")
    assert model.requests == []  # the model was never asked
    assert orch.breakers.get("p1/m1").failures == 0
