"""The MCP clients people use drive `swarm-tui mcp-serve` over stdio: mcporter and the MCP
Inspector's CLI, from npm at pinned versions (installed once into ``.npm-tools/mcp-clients``).

mcporter is pinned at 0.12.3: 0.9.0 ignores ``isError`` (it exits 0 on every tool result),
0.10.2 is the first release that exits 1 on one. Both clients run on this machine's Node 20
although their ``engines`` ask for a newer one.
"""

from __future__ import annotations

import asyncio
import json
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.config import load_settings
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskSpec
from swarm_tui.store.ledger import SqliteLedger
from tests.npm_tools import TOOLS, install

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"mcporter": "mcporter@0.12.3", "inspector": "@modelcontextprotocol/inspector@2.12.0"}
"""Exact versions (``npm view <pkg> versions`` on 2026-12-02)."""
GUARD_S = 240
"""Bound on one client run, so a hang fails the test instead of blocking the suite."""


@pytest.fixture(scope="session")
def clients() -> dict[str, Path]:
    """``{"mcporter": path, "inspector": path}``; ``npm install`` only when missing."""
    return install(TOOLS / "mcp-clients", PACKAGES, "the MCP client tests (mcporter, Inspector)")


@dataclass(frozen=True)
class Swarm:
    """How to start the server under test, and the environment the clients run in."""

    argv: list[str]
    env: dict[str, str]
    config: Path
    db: Path


@pytest.fixture
def swarm(tmp_path: Path) -> Swarm:
    config = tmp_path / "config.toml"
    config.write_text(
        """
[providers.backend]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.backend.models.m]

[agents.worker]
mix = { "backend/m" = 1.0 }
"""
    )
    db = tmp_path / "ledger.db"
    home = tmp_path / "home"  # the clients keep their own state and config there
    home.mkdir()
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the MCP client tests need Node.js")
    env = {"PATH": f"{Path(node).parent}:/usr/bin:/bin", "HOME": str(home)}
    argv = [sys.executable, "-m", "swarm_tui", "--config", str(config), "--db", str(db)]
    return Swarm([*argv, "mcp-serve"], env, config, db)


async def _run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    out, err = await asyncio.wait_for(proc.communicate(), GUARD_S)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def mcporter(clients: dict[str, Path], swarm: Swarm, *args: str) -> tuple[int, str, str]:
    """``mcporter COMMAND --stdio '<mcp-serve>' ... ARGS`` (an ad-hoc stdio server named
    ``swarm``); the command is ``args[0]``."""
    command, *rest = args
    target = ["--stdio", shlex.join(swarm.argv), "--cwd", str(ROOT), "--name", "swarm"]
    return await _run([str(clients["mcporter"]), command, *target, *rest], swarm.env)


async def inspector(clients: dict[str, Path], swarm: Swarm, *args: str) -> tuple[int, str, str]:
    """``inspector --cli ARGS --format json -- <mcp-serve>``."""
    cli = [str(clients["inspector"]), "--cli", "--cwd", str(ROOT), *args, "--format", "json"]
    return await _run([*cli, "--", *swarm.argv], swarm.env)


async def _queued_task(swarm: Swarm) -> int:
    ledger = await SqliteLedger.open(swarm.db)
    try:
        control = Orchestrator(load_settings(swarm.config), ledger, {})
        [(task, _)] = await control.submit([TaskSpec(prompt="wait for me")])
        return task.id
    finally:
        await ledger.close()


async def test_mcporter_exits_non_zero_on_tool_errors(
    clients: dict[str, Path], swarm: Swarm
) -> None:
    code, out, err = await mcporter(
        clients, swarm, "call", "submit_task", "prompt=hi", "role=nobody"
    )
    assert code != 0 and "unknown role 'nobody'" in out + err, (code, out, err)
    code, out, err = await mcporter(clients, swarm, "call", "get_task_result", "task_id=999")
    assert code != 0 and "no task #999" in out + err, (code, out, err)
    empty = json.dumps({"memory_name": "", "content": "x"})
    code, out, err = await mcporter(clients, swarm, "call", "write_memory", "--args", empty)
    assert code != 0 and "memory name is empty" in out + err, (code, out, err)
    code, out, err = await mcporter(
        clients, swarm, "call", "submit_task", "prompt=hi", "--output", "json"
    )
    assert code == 0, (out, err)
    assert json.loads(out) == {
        "task_id": 1, "title": "hi", "role": "worker", "state": "queued", "priority": 0,
        "created": True,
    }  # fmt: skip


async def test_mcporter_wait_for_task_with_defaults_returns_within_its_timeout(
    clients: dict[str, Path], swarm: Swarm
) -> None:
    """No orchestrator runs, so the task stays queued: the wait must end on its own, as a
    timed-out result, before mcporter's own call timeout (60 s, its default) gives up."""
    task_id = await _queued_task(swarm)
    code, out, err = await mcporter(
        clients, swarm, "call", "wait_for_task", f"task_id={task_id}", "--output", "json"
    )
    assert code == 0, (out, err)
    waited = json.loads(out)
    assert waited["task_id"] == task_id and waited["state"] == "queued"
    assert waited["timed_out"] is True


async def test_mcporter_lists_each_parameter_with_its_type(
    clients: dict[str, Path], swarm: Swarm
) -> None:
    code, out, err = await mcporter(clients, swarm, "list", "--json")
    assert code == 0, (out, err)
    listed = json.loads(out)
    assert listed["status"] == "ok" and len(listed["tools"]) == 10
    types = {
        (tool["name"], option["property"]): option["type"]
        for tool in listed["tools"]
        for option in tool["options"]
    }
    assert "unknown" not in types.values(), types
    assert types["submit_task", "role"] == types["submit_task", "key"] == "string"
    assert types["list_tasks", "state"] == "string"
    code, out, err = await mcporter(clients, swarm, "list", "--all-parameters")
    assert code == 0, (out, err)
    assert "role?: string" in out and "unknown" not in out, out
    assert "after?: number[]" in out and "timeout_s?: number" in out, out


async def test_inspector_lists_titles_hints_and_output_schemas(
    clients: dict[str, Path], swarm: Swarm
) -> None:
    code, out, err = await inspector(clients, swarm, "--method", "tools/list", "--strict")
    assert code == 0, (out, err)  # --strict: no schema portability errors either
    tools: dict[str, Any] = {t["name"]: t for t in json.loads(out)["result"]["tools"]}
    reads = {"read_memory", "list_memories", "list_tasks", "get_task_result", "wait_for_task"}
    for name, tool in tools.items():
        hints = tool["annotations"]
        assert tool["title"] and hints["title"] == tool["title"]
        assert hints["readOnlyHint"] is (name in reads) and hints["openWorldHint"] is False
        assert "\n " not in tool["description"]
    assert tools["delete_memory"]["annotations"]["destructiveHint"] is True
    assert tools["submit_task"]["annotations"]["destructiveHint"] is False
    for name in ("submit_task", "list_tasks", "get_task_result", "wait_for_task"):
        assert tools[name]["outputSchema"]["type"] == "object", name
    waited = tools["wait_for_task"]["outputSchema"]["properties"]
    assert {"task_id", "state", "result", "error", "timed_out"} <= set(waited)
    assert "cancelled" in waited["state"]["enum"]


async def test_inspector_exits_non_zero_on_a_tool_error_and_reads_structured_results(
    clients: dict[str, Path], swarm: Swarm
) -> None:
    call = ["--method", "tools/call", "--tool-name"]
    code, out, err = await inspector(
        clients, swarm, *call, "edit_memory", "--tool-args-json",
        json.dumps({"memory_name": "gone", "needle": "a", "repl": "b"}),
    )  # fmt: skip
    assert code != 0, (out, err)
    assert json.loads(out)["result"]["isError"] is True and "gone not found" in out
    task_id = await _queued_task(swarm)
    code, out, err = await inspector(
        clients, swarm, *call, "get_task_result", "--tool-arg", f"task_id={task_id}"
    )
    assert code == 0, (out, err)
    result = json.loads(out)["result"]
    assert result["isError"] is False
    assert result["structuredContent"] == {
        "task_id": task_id, "title": "wait for me", "role": "worker", "state": "queued",
        "priority": 0, "result": None, "error": None,
    }  # fmt: skip
