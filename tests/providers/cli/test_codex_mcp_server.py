"""Codex as an MCP server attached to the swarm's hub, for real and offline.

``codex mcp-server`` left Codex in 0.154.0 (release notes: "The deprecated `codex mcp-server`
entry point is no longer available"); in 0.171 the word is taken as a prompt for the
interactive TUI, which exits with "stdin is not a terminal". The README's
``[mcp.servers.codex]`` example therefore pins the last Codex that has it, 0.153.4, next to a
current Codex for agent runs. This test runs that example's server through the hub: the
``codex`` tool starts a session against the scripted model and returns its ``threadId``, and
``codex-reply`` continues that same session (the model sees the first prompt again), and
``swarm-tui codex-sessions --source mcp`` lists it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.mcp.hub import MCPHub
from tests.e2e.crash import cli
from tests.npm_tools import TOOLS, install
from tests.providers.cli.scripted_model import ScriptedModel
from tests.providers.cli.test_real_agent_clis import KEY, _codex
from tests.providers.loopback import LoopbackServer

pytestmark = pytest.mark.slow

CODEX_MCP_SERVER = {"codex": "@openai/codex@0.153.4"}
"""The last Codex with ``codex mcp-server`` (0.154.0 removed it), in a prefix of its own."""


@pytest.fixture(scope="session")
def codex_mcp_server() -> Path:
    return install(TOOLS / "codex-mcp-server", CODEX_MCP_SERVER, "the Codex MCP server test")[
        "codex"
    ]


@pytest.fixture
async def model() -> AsyncIterator[ScriptedModel]:
    async with LoopbackServer() as server:
        yield ScriptedModel(server)


async def test_codex_mcp_server_through_the_hub_keeps_its_session(
    codex_mcp_server: Path,
    model: ScriptedModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    _codex(codex_mcp_server, model.base_url, home)  # writes $CODEX_HOME/config.toml
    monkeypatch.setenv("LOOPBACK_API_KEY", KEY)
    server = MCPServerConfig(
        command=str(codex_mcp_server),
        args=["mcp-server"],
        env=[f"HOME={home}", f"CODEX_HOME={home / '.codex'}", "LOOPBACK_API_KEY"],
        cwd=str(work),
        timeout_s=120.0,
    )
    hub = MCPHub(MCPConfig(servers={"codex": server}), tmp_path / "logs")
    try:
        tools = {t.name: t for t in await hub.tools_for("coder", ["codex"])}
        assert {"codex__codex", "codex__codex-reply"} <= set(tools)
        first = await hub.call(tools["codex__codex"], {"prompt": "Remember kiwi"}, "coder")
        assert not first.is_error, first.text
        started = json.loads(first.text)
        assert started["content"] == "echo: Remember kiwi" and started["threadId"]
        before = len(model.requests("responses"))
        args = {"threadId": started["threadId"], "prompt": "Which fruit?"}
        second = await hub.call(tools["codex__codex-reply"], args, "coder")
    finally:
        await hub.close()
    assert not second.is_error, second.text
    answer = json.loads(second.text)
    assert answer == {"threadId": started["threadId"], "content": "echo: Which fruit?"}
    sent = model.requests("responses")[before:]
    assert sent and "Remember kiwi" in json.dumps(sent[0])  # the same session went on
    # the session is Codex's own, listed by `swarm-tui codex-sessions` as an MCP one
    listed = subprocess.run(
        cli("codex-sessions", "--codex-home", str(home / ".codex"), "--source", "mcp"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0, listed.stdout + listed.stderr
    [line] = [x for x in listed.stdout.splitlines() if x.startswith(started["threadId"])]
    assert " mcp " in line and str(work) in line and "'Remember kiwi'" in line
    assert "1 session(s)" in listed.stdout
