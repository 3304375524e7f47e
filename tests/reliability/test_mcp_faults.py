"""The MCP fault matrix: a misbehaving server never crashes the tool loop or the run.

Each row starts a real stdio child (tests/reliability/raw_mcp_server.py, which speaks the
JSON-RPC wire format itself so it can send what the SDK's server never would) and runs one
model tool call through the real path an agent uses: ToolLoop -> approval gate -> MCPHub ->
the child, with every call recorded in a real ledger.

Rows that live elsewhere (not repeated here): a server killed mid-call is reported and
restarted (tests/mcp/test_hub.py); a slow tool is a tool error and a hung server is restarted
(tests/mcp/test_tool_trouble.py); a missing command is a clear error (tests/mcp/test_hub.py);
a changed definition is held for approval (tests/mcp/test_permissions.py).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from swarm_tui.config import MCPConfig, MCPServerConfig
from swarm_tui.core.approvals import ApprovalGate
from swarm_tui.mcp.hub import MCPHub
from swarm_tui.store.ledger import Ledger
from tests.mcp.test_permissions import loop_for, run_call

pytestmark = pytest.mark.slow

RAW = Path(__file__).with_name("raw_mcp_server.py")
CAP = 5000


@dataclass(frozen=True)
class Row:
    name: str
    command: list[str]
    env: tuple[str, ...] = ()
    offered: bool = True
    """Whether the server's ``echo`` is offered to the agent at all."""
    failure: str = ""
    """Words the connection's failure must carry (when not offered)."""
    log: str = ""
    """Words the child's stderr log must carry."""


ROWS = [
    Row(
        "crash at start",
        [sys.executable, "-c", "import sys; sys.stderr.write('no config, bye\\n'); sys.exit(3)"],
        offered=False,
        failure="Connection closed",
        log="no config, bye",
    ),
    Row(
        "dies during initialize",
        [sys.executable, str(RAW)],
        ("RAW_MODE=die_in_init",),
        offered=False,
        failure="Connection closed",
        log="cannot load my plugins",
    ),
    Row(
        "bad schema (a string, a nameless tool)",
        [sys.executable, str(RAW)],
        ("RAW_MODE=bad_schema",),
        offered=False,
        failure="inputSchema",
    ),
    Row(
        "schema that is no JSON Schema",
        [sys.executable, str(RAW)],
        ("RAW_MODE=odd_schema",),
        offered=False,
        failure="inputSchema",
    ),
    Row("huge output", [sys.executable, str(RAW)], ("RAW_MODE=huge", "RAW_HUGE=3000000")),
    Row("banners and half lines on stdout", [sys.executable, str(RAW)], ("RAW_MODE=noisy",)),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name.replace(" ", "_") for r in ROWS])
async def test_mcp_fault_matrix(tmp_path: Path, ledger: Ledger, row: Row) -> None:
    marker = tmp_path / "calls"
    server = MCPServerConfig(
        command=row.command[0],
        args=row.command[1:],
        env=[f"RAW_MARKER={marker}", *row.env],
        timeout_s=10.0,
    )
    config = MCPConfig(servers={"raw": server}, default_policy="auto", output_cap_chars=CAP)
    hub = MCPHub(config, tmp_path / "logs")
    gate = ApprovalGate(config, ledger, time.time)
    loop = loop_for(hub, gate, ledger, ["raw"])
    try:
        answer = await run_call(loop, "raw__echo", {"text": "hello"})  # never raises
        failure = hub.conns["raw"].failure
    finally:
        await hub.close()
    [record] = await ledger.tool_calls(attempt_id=1)
    if not row.offered:
        assert loop.tools == {}
        assert answer.is_error and "no tool named 'raw__echo'" in answer.content
        assert record.outcome == "denied" and record.approved_by == "not offered"
        assert failure is not None and row.failure in failure, failure
        assert not marker.exists()  # nothing ran
    else:
        assert set(loop.tools) == {"raw__echo"} and not answer.is_error
        assert record.outcome == "ok" and marker.read_text().count("\n") == 1
        if row.name == "huge output":
            assert record.result_chars == 3_000_000  # recorded as it came
            assert len(answer.content) < CAP + 100  # the model gets a capped copy
            assert answer.content.endswith(f"[output cut: {CAP} of 3000000 characters shown]")
        else:
            assert answer.content == "hello"
    if row.log:
        assert row.log in (tmp_path / "logs" / "mcp-raw.log").read_text()
