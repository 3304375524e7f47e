"""A streamable-HTTP server whose header variable is unset is refused at start, by name, and
never contacted (an empty ``Authorization`` would reach it as an anonymous request)."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.core.toolloop import ToolHostError
from swarm_tui.mcp.hub import MCPHub
from tests.providers.loopback import LoopbackServer


async def test_an_unset_header_variable_refuses_the_server_without_a_request(
    tmp_path: Path,
) -> None:
    notices: list[str] = []
    async with LoopbackServer() as server:
        docs = MCPServerConfig(
            url=f"{server.url}/mcp", headers={"Authorization": "DOCS_TOKEN"}, timeout_s=5.0
        )
        hub = MCPHub(
            MCPConfig(servers={"docs": docs}),
            tmp_path,
            env_source={"DOCS_TOKEN": ""},  # set, but empty: as good as unset
            notify=notices.append,
        )
        try:
            hub.start()
            assert await hub.tools_for("a", ["docs"]) == []
            with pytest.raises(ToolHostError, match=r"header Authorization \(\$DOCS_TOKEN\)"):
                await hub.conns["docs"].ensure()
        finally:
            await hub.close()
        assert server.requests == []
    assert notices == [
        "MCP server 'docs' is not started: header Authorization ($DOCS_TOKEN) has no value"
        " (set the variable)"
    ]
