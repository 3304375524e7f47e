"""A real MCP client talks to `swarm-tui mcp-serve` while a headless orchestrator in another
process completes the task it submitted, through the shared ledger (``wait_for_task`` sends
progress while it waits); and the same tools over streamable HTTP (``--http PORT``), listening
on loopback only, with the bearer token from the file beside the ledger
(tests/e2e/test_mcp_serve_auth.py: without it, nothing)."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from typing import Any

import httpx2
import psutil
import pytest
from mcp import Client, ClientSession, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _stream() -> Reply:
    chunks: list[object] = [
        {"choices": [{"index": 0, "delta": {"content": t}, "finish_reason": None}]}
        for t in ("handed ", "off")
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return Reply(pieces=sse(*chunks))


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[providers.backend]
kind = "openai"
base_url = "{url}/v1"
[providers.backend.models.m]

[agents.worker]
mix = {{ "backend/m" = 1.0 }}

[agents.reviewer]
mix = {{ "backend/m" = 1.0 }}
"""
    )
    return config


def _data(result: Any) -> Any:
    assert not result.is_error, result
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def test_client_writes_memory_submits_and_reads_the_result(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    async with LoopbackServer() as backend:
        backend.route("POST", "/v1/chat/completions", _stream())
        config = _config(tmp_path, backend.url)
        common = ["-m", "swarm_tui", "--config", str(config), "--db", str(db)]
        params = StdioServerParameters(
            command=sys.executable, args=[*common, "mcp-serve"], env=env, cwd=str(ROOT)
        )
        async with Client(params, read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert {"write_memory", "read_memory", "submit_task", "wait_for_task"} <= names
            wrote = await client.call_tool(
                "write_memory", {"memory_name": "plan/api", "content": "use REST"}
            )
            assert "written" in json.dumps(_data(wrote))
            submitted = _data(
                await client.call_tool("submit_task", {"prompt": "do it", "role": "reviewer"})
            )
            task_id = submitted["task_id"]
            assert submitted["state"] == "queued" and submitted["created"] is True

            heard = asyncio.Event()
            progress: list[str | None] = []

            async def on_progress(done: float, total: float | None, message: str | None) -> None:
                progress.append(message)
                heard.set()

            waiting = asyncio.create_task(
                client.call_tool(
                    "wait_for_task",
                    {"task_id": task_id, "timeout_s": 300},
                    read_timeout_seconds=300,
                    progress_callback=on_progress,
                )
            )
            await asyncio.wait_for(heard.wait(), 120)  # the wait reports before the task runs
            assert progress[0] is not None and f"task #{task_id} is queued" in progress[0]
            run = await asyncio.create_subprocess_exec(
                sys.executable,
                *common,
                "run",
                "--headless",
                "--until-idle",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                cwd=ROOT,
            )
            waited = _data(await waiting)
            _, err = await asyncio.wait_for(run.communicate(), 120)
            assert run.returncode == 0, err.decode()
            assert waited["state"] == "succeeded" and waited["timed_out"] is False
            result = _data(await client.call_tool("get_task_result", {"task_id": task_id}))
            assert result["result"] == "handed off"
            listed = _data(await client.call_tool("list_memories", {}))
            assert listed == {"memories": ["plan/api"]}
            missing = await client.call_tool("get_task_result", {"task_id": 999})
            assert missing.is_error and "no task #999" in missing.content[0].text
    rows = query(db, "SELECT name, content, author FROM memories")
    assert rows == [("plan/api", "use REST", "mcp-client")]
    assert query(db, "SELECT role, state FROM tasks") == [("reviewer", "succeeded")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _listening(proc: asyncio.subprocess.Process, port: int) -> set[tuple[str, int]]:
    """The addresses the server process listens on, once it listens on ``port`` (bounded
    wait; fails if the process exits first)."""
    for _ in range(600):
        if proc.returncode is not None:
            pytest.fail(f"mcp-serve --http exited with {proc.returncode}")
        found = {
            (c.laddr.ip, c.laddr.port)
            for c in psutil.Process(proc.pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN
        }
        if any(p == port for _, p in found):
            return found
        await asyncio.sleep(0.1)
    pytest.fail("mcp-serve --http never listened")


async def test_streamable_http_client_on_loopback(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    config = _config(tmp_path, "http://127.0.0.1:9")
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    with (tmp_path / "serve.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "swarm_tui", "mcp-serve", "--config", str(config),
            "--db", str(db), "--http", str(port),
            stdout=log, stderr=log, env=env, cwd=ROOT,
        )  # fmt: skip
    try:
        assert await _listening(proc, port) == {("127.0.0.1", port)}  # loopback only
        url = f"http://127.0.0.1:{port}/mcp"
        token = db.with_name(db.name + ".mcp-token").read_text().strip()
        auth = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=auth, timeout=60) as http,
            streamable_http_client(url, http_client=http) as (read, write),
            ClientSession(read, write, read_timeout_seconds=60) as session,
        ):
            init = await session.initialize()
            assert init.server_info.name == "swarm-tui"
            names = {t.name for t in (await session.list_tools()).tools}
            assert {"write_memory", "read_memory", "submit_task", "get_task_result"} <= names
            wrote = await session.call_tool(
                "write_memory", {"memory_name": "http/note", "content": "over HTTP"}
            )
            assert "written" in json.dumps(_data(wrote))
            read_back = await session.call_tool("read_memory", {"memory_name": "http/note"})
            assert "over HTTP" in json.dumps(_data(read_back))
            submitted = _data(
                await session.call_tool("submit_task", {"prompt": "via http", "role": "worker"})
            )
            assert submitted["state"] == "queued" and submitted["created"] is True
            got = _data(
                await session.call_tool("get_task_result", {"task_id": submitted["task_id"]})
            )
            assert got["state"] == "queued" and got["result"] is None
        async with httpx2.AsyncClient(headers=auth) as http:
            transport = streamable_http_client(url, http_client=http)
            async with Client(transport, read_timeout_seconds=60) as client:  # SDK default mode
                listed = _data(await client.call_tool("list_memories", {}))
                assert listed == {"memories": ["http/note"]}
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)
    assert query(db, "SELECT name, content, author FROM memories") == [
        ("http/note", "over HTTP", "mcp-client")
    ]
    assert query(db, "SELECT prompt, role, state FROM tasks") == [("via http", "worker", "queued")]
