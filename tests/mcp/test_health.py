"""Health checks of idle MCP servers: a real stdio server (the probe) that dies or hangs
while nobody uses it is found by a ping, restarted with back-off and announced, before an
agent's call runs into it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig, Settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.core.toolloop import OfferedTool
from swarm_tui.domain.events import Notice
from swarm_tui.mcp.conn import MCPConnection, ServerUnavailable
from swarm_tui.mcp.hub import MCPHub, attach_hub
from swarm_tui.store.ledger import SqliteLedger
from tests.mcp.conftest import PROBE

pytestmark = pytest.mark.slow

PROBE_SERVER = MCPServerConfig(command=sys.executable, args=[str(PROBE)], timeout_s=20.0)


@pytest.fixture
async def hubs() -> AsyncIterator[list[MCPHub]]:
    made: list[MCPHub] = []
    yield made
    for hub in made:
        await hub.close()


@pytest.fixture
def pids() -> Iterator[list[int]]:
    """Probe processes a test stopped or killed: SIGKILLed at the end whatever happened."""
    seen: list[int] = []
    yield seen
    for pid in seen:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def make(hubs: list[MCPHub], tmp_path: Path, timeout_s: float, notices: list[str]) -> MCPHub:
    server = PROBE_SERVER.model_copy(update={"timeout_s": timeout_s})
    config = MCPConfig(servers={"probe": server}, ping_interval_s=0.2)
    hub = MCPHub(config, tmp_path / "logs", notify=notices.append)
    hubs.append(hub)
    return hub


async def until(done: Callable[[], bool], what: str) -> None:
    """Wait for ``done`` (bounded: fails after about a minute, never asserts on time)."""
    for _ in range(1200):
        if done():
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"never happened: {what}")


async def probe_pid(hub: MCPHub, tools: dict[str, OfferedTool]) -> int:
    return int((await hub.call(tools["probe__pid"], {}, "a")).text)


async def started(hub: MCPHub) -> tuple[MCPConnection, dict[str, OfferedTool]]:
    tools = {t.name: t for t in await hub.tools_for("a", ["probe"])}
    conn = hub.conns["probe"]
    await until(lambda: conn.pings >= 1, "a ping answered by the healthy server")
    return conn, tools


async def test_an_idle_server_that_died_is_restarted_by_its_health_check(
    tmp_path: Path, hubs: list[MCPHub], pids: list[int]
) -> None:
    notices: list[str] = []
    hub = make(hubs, tmp_path, 20.0, notices)
    conn, tools = await started(hub)
    assert notices == [] and conn.health_failures == 0
    old = await probe_pid(hub, tools)
    pids.append(old)
    starts = conn.starts
    os.kill(old, signal.SIGKILL)
    await until(lambda: conn.starts > starts and conn.up, "a restart without any call")
    assert conn.health_failures == 1 and conn.unhealthy is None  # healthy again
    [notice] = notices
    assert re.match(r"MCP server 'probe' failed its health check while idle: .+; it is", notice)
    assert await probe_pid(hub, tools) != old  # the next call finds a new, live server


async def test_an_idle_server_that_hangs_is_restarted_when_its_ping_times_out(
    tmp_path: Path, hubs: list[MCPHub], pids: list[int]
) -> None:
    notices: list[str] = []
    hub = make(hubs, tmp_path, 5.0, notices)  # starts within it on a loaded machine too
    conn, tools = await started(hub)
    old = await probe_pid(hub, tools)
    pids.append(old)
    starts = conn.starts
    os.kill(old, signal.SIGSTOP)  # alive, but answers nothing
    await until(lambda: conn.starts > starts and conn.up, "a restart of the hung server")
    [notice] = notices
    assert "'probe' failed its health check while idle" in notice
    assert "no answer to a ping within 5 s (its timeout_s)" in notice
    out = await hub.call(tools["probe__echo"], {"text": "back"}, "a")
    assert out.text == "back"
    assert await probe_pid(hub, tools) != old


async def test_restarts_are_published_as_notices_on_the_orchestrators_bus(
    tmp_path: Path, pids: list[int]
) -> None:
    settings = Settings.model_validate(
        {
            "providers": {"p": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1",
                                "models": {"m": {}}}},
            "agents": {"a": {"mix": {"p/m": 1.0}, "mcp_servers": ["probe"]}},
            "mcp": {"servers": {"probe": PROBE_SERVER.model_dump(exclude_defaults=True)},
                    "ping_interval_s": 0.2},
        }
    )  # fmt: skip
    ledger = await SqliteLedger.open(tmp_path / "ledger.db")
    orchestrator = Orchestrator(settings, ledger, {})
    events = orchestrator.bus.subscribe()
    hub = attach_hub(orchestrator, tmp_path / "logs")
    try:
        _, tools = await started(hub)
        old = await probe_pid(hub, tools)
        pids.append(old)
        os.kill(old, signal.SIGKILL)
        seen: list[Notice] = []
        while not seen:
            batch = await asyncio.wait_for(events.get(), 60)
            seen += [e for e in batch if isinstance(e, Notice)]
        assert seen[0].level == "warning"
        assert "'probe' failed its health check while idle" in seen[0].text
    finally:
        events.close()
        await hub.close()
        await ledger.close()


def slow_starter(tmp_path: Path, hubs: list[MCPHub], start_timeout_s: float) -> MCPConnection:
    """A probe that takes 3 s to start: longer than its timeout_s (0.5 s)."""
    server = PROBE_SERVER.model_copy(
        update={
            "timeout_s": 0.5,
            "start_timeout_s": start_timeout_s,
            "env": ["PROBE_START_DELAY=3"],
        }
    )
    hub = MCPHub(MCPConfig(servers={"probe": server}, ping_interval_s=0), tmp_path / "logs")
    hubs.append(hub)
    return hub.conns["probe"]


async def test_a_server_slower_to_start_than_its_timeout_starts_within_its_start_timeout(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    conn = slow_starter(tmp_path, hubs, start_timeout_s=60.0)
    session = await conn.ensure()
    assert conn.up and session is not None and conn.tools is not None
    assert {t.name for t in conn.tools} >= {"echo", "pid"}


async def test_a_start_past_its_start_timeout_names_that_setting(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    conn = slow_starter(tmp_path, hubs, start_timeout_s=0.5)
    with pytest.raises(
        ServerUnavailable, match=r"did not start within 0\.5 s \(its start_timeout_s\)"
    ):
        await conn.ensure()
