"""The hub against real MCP servers over stdio (PyPI, npm, and a fault-injection probe)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.core.toolloop import OfferedTool, ToolHostError
from swarm_tui.mcp.hub import MCPHub
from tests.mcp.conftest import PROBE

pytestmark = pytest.mark.slow


def probe(tmp_path: Path, *env: str, timeout_s: float = 20.0) -> MCPServerConfig:
    return MCPServerConfig(
        command=sys.executable,
        args=[str(PROBE)],
        env=[
            f"PROBE_MARKER={tmp_path / 'marker'}",
            f"PROBE_PID={tmp_path / 'pid'}",
            *env,
        ],
        timeout_s=timeout_s,
    )


@pytest.fixture
async def hubs(tmp_path: Path) -> AsyncIterator[list[MCPHub]]:
    made: list[MCPHub] = []
    yield made
    for hub in made:
        await hub.close()


def make(hubs: list[MCPHub], tmp_path: Path, **servers: MCPServerConfig) -> MCPHub:
    hub = MCPHub(MCPConfig(servers=servers), tmp_path / "logs")
    hubs.append(hub)
    return hub


def by_name(tools: list[OfferedTool]) -> dict[str, OfferedTool]:
    return {t.name: t for t in tools}


async def test_time_server_lists_namespaced_tools_and_answers(
    venv_bin: Path, tmp_path: Path, hubs: list[MCPHub]
) -> None:
    server = MCPServerConfig(command=str(venv_bin / "mcp-server-time"))
    hub = make(hubs, tmp_path, time=server)
    tools = by_name(await hub.tools_for("a", ["time"]))
    assert set(tools) == {"time__get_current_time", "time__convert_time"}
    out = await hub.call(tools["time__get_current_time"], {"timezone": "UTC"}, "a")
    assert not out.is_error
    assert json.loads(out.text)["timezone"] == "UTC"
    log = tmp_path / "logs" / "mcp-time.log"
    assert log.exists()  # the child's stderr went to a file, not our terminal


async def test_allow_list_patterns_filter_tools(
    venv_bin: Path, tmp_path: Path, hubs: list[MCPHub]
) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    server = MCPServerConfig(command=str(venv_bin / "mcp-server-git"))
    hub = make(hubs, tmp_path, git=server)
    tools = by_name(await hub.tools_for("a", ["git__git_status", "git__git_log*"]))
    assert set(tools) == {"git__git_status", "git__git_log"}
    assert await hub.tools_for("a", []) == []  # deny by default
    out = await hub.call(tools["git__git_status"], {"repo_path": str(repo)}, "a")
    assert not out.is_error and "No commits yet" in out.text


async def test_children_get_only_their_configured_environment(
    tmp_path: Path, hubs: list[MCPHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWARM_CANARY_SECRET", "canary-value-1234")
    monkeypatch.setenv("PASSED_ON", "yes")
    hub = make(hubs, tmp_path, probe=probe(tmp_path, "PASSED_ON", "LITERAL=1", "NOT_SET_HERE"))
    tools = by_name(await hub.tools_for("a", ["probe"]))
    out = await hub.call(tools["probe__env_names"], {}, "a")
    names = set(out.text.split())
    assert "SWARM_CANARY_SECRET" not in names
    assert {"PASSED_ON", "LITERAL", "PROBE_MARKER"} <= names
    assert "NOT_SET_HERE" not in names
    assert names <= {
        "HOME",
        "LOGNAME",
        "PATH",
        "SHELL",
        "TERM",
        "USER",
        "PASSED_ON",
        "LITERAL",
        "PROBE_MARKER",
        "PROBE_PID",
        "LC_CTYPE",
    }


async def test_server_killed_mid_call_fails_clearly_and_is_restarted(
    tmp_path: Path, hubs: list[MCPHub]
) -> None:
    hub = make(hubs, tmp_path, probe=probe(tmp_path, timeout_s=30.0))
    tools = by_name(await hub.tools_for("a", ["probe"]))
    conn = hub.conns["probe"]
    starts = conn.starts

    import asyncio

    call = asyncio.create_task(hub.call(tools["probe__slow"], {"seconds": 120}, "a"))
    pid_file = tmp_path / "pid"
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.05)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    with pytest.raises(ToolHostError, match=r"probe.*failed during slow.*restarted"):
        await asyncio.wait_for(call, 30)
    out = await hub.call(tools["probe__echo"], {"text": "back"}, "a")  # restarted
    assert out.text == "back"
    assert conn.starts > starts


async def test_missing_command_is_a_clear_error(tmp_path: Path, hubs: list[MCPHub]) -> None:
    server = MCPServerConfig(command=str(tmp_path / "no-such-server"), timeout_s=5.0)
    hub = make(hubs, tmp_path, ghost=server)
    assert await hub.tools_for("a", ["ghost"]) == []
    with pytest.raises(ToolHostError, match="ghost"):
        await hub.conns["ghost"].ensure()


async def test_npm_servers_memory_and_sequential_thinking(
    npm_mcp: dict[str, Path], tmp_path: Path, hubs: list[MCPHub]
) -> None:
    memory = MCPServerConfig(
        command=str(npm_mcp["mcp-server-memory"]),
        env=[f"MEMORY_FILE_PATH={tmp_path / 'memory.jsonl'}"],
    )
    thinking = MCPServerConfig(
        command=str(npm_mcp["mcp-server-sequential-thinking"]),
        env=["DISABLE_THOUGHT_LOGGING=true"],
    )
    hub = make(hubs, tmp_path, memory=memory, thinking=thinking)
    tools = by_name(await hub.tools_for("a", ["memory", "thinking"]))
    assert "memory__create_entities" in tools and "thinking__sequentialthinking" in tools
    entity = {"name": "swarm", "entityType": "project", "observations": ["uses MCP"]}
    out = await hub.call(tools["memory__create_entities"], {"entities": [entity]}, "a")
    assert not out.is_error
    assert "uses MCP" in (tmp_path / "memory.jsonl").read_text()
    thought = {"thought": "one", "nextThoughtNeeded": False, "thoughtNumber": 1, "totalThoughts": 1}
    out = await hub.call(tools["thinking__sequentialthinking"], thought, "a")
    assert not out.is_error and "thoughtNumber" in out.text


async def test_filesystem_server_keeps_to_its_root(
    npm_mcp: dict[str, Path], tmp_path: Path, hubs: list[MCPHub]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "inside.txt").write_text("inside")
    (tmp_path / "outside.txt").write_text("outside secret")
    server = MCPServerConfig(command=str(npm_mcp["mcp-server-filesystem"]), args=[str(root)])
    hub = make(hubs, tmp_path, fs=server)
    tools = by_name(await hub.tools_for("a", ["fs"]))
    read = tools["fs__read_text_file"]
    inside = await hub.call(read, {"path": str(root / "inside.txt")}, "a")
    assert not inside.is_error and "inside" in inside.text
    outside = await hub.call(read, {"path": str(tmp_path / "outside.txt")}, "a")
    assert outside.is_error and "outside secret" not in outside.text
