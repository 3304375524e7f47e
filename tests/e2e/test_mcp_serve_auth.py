"""``mcp-serve --http`` authenticates: the real SDK streamable-HTTP client against the server
as a subprocess. No token or a wrong one gets 401 and nothing happens; the right token (read
from the 0600 file beside the ledger, never printed) works; a rebinding Host is refused even
with the token; a bad port or a port in use is one clear message and exit 2."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from swarm_tui.mcp.serve_http import allowed_hosts
from tests.e2e.crash import query
from tests.e2e.test_mcp_serve import ROOT, _config, _free_port, _listening

pytestmark = pytest.mark.slow


class Served:
    def __init__(self, proc: asyncio.subprocess.Process, port: int, db: Path, log: Path) -> None:
        self.proc, self.port, self.db, self.log = proc, port, db, log
        self.url = f"http://127.0.0.1:{port}/mcp"
        self.token_file = db.with_name(db.name + ".mcp-token")


async def _start(tmp_path: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    db = tmp_path / "ledger.db"
    config = _config(tmp_path, "http://127.0.0.1:9")
    port = _free_port()
    log = tmp_path / "serve.log"
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "swarm_tui", "mcp-serve", "--config", str(config),
            "--db", str(db), "--http", str(port), *extra,
            stdout=out, stderr=out, env={**base, **(env or {})}, cwd=ROOT,
        )  # fmt: skip
    await _listening(proc, port)
    return Served(proc, port, db, log)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    server = await _start(tmp_path)
    try:
        yield server
    finally:
        server.proc.terminate()
        await asyncio.wait_for(server.proc.wait(), 30)


async def _write_memory(url: str, headers: dict[str, str]) -> None:
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write, read_timeout_seconds=60) as session,
    ):
        await session.initialize()
        result = await session.call_tool(
            "write_memory", {"memory_name": "auth/note", "content": f"by {headers}"}
        )
        assert not result.is_error, result


async def _status(url: str, headers: dict[str, str]) -> int:
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"}}}  # fmt: skip
    async with httpx2.AsyncClient(timeout=30) as http:
        response = await http.post(
            url,
            json=body,
            headers={"Accept": "application/json, text/event-stream", **headers},
        )
        return response.status_code


async def test_no_token_or_a_wrong_one_is_refused_and_the_right_one_works(
    served: Served,
) -> None:
    token = served.token_file.read_text().strip()
    assert stat.S_IMODE(served.token_file.stat().st_mode) == 0o600
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-0123456789"},
        {"Authorization": token},
    ):
        assert await _status(served.url, headers) == 401
        with pytest.raises(Exception):  # noqa: B017 - the SDK raises its own HTTP error types
            await _write_memory(served.url, headers)
    assert query(served.db, "SELECT COUNT(*) FROM memories") == [(0,)]  # nothing happened
    await _write_memory(served.url, {"Authorization": f"Bearer {token}"})
    assert query(served.db, "SELECT name FROM memories") == [("auth/note",)]
    printed = served.log.read_text()
    assert str(served.token_file) in printed and token not in printed
    assert "INFO" not in printed  # one line saying where, no server log


async def test_rebinding_host_is_refused_even_with_the_token(served: Served) -> None:
    token = served.token_file.read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert await _status(served.url, {**auth, "Host": f"evil.example:{served.port}"}) == 421
    origin = {**auth, "Origin": "http://evil.example"}
    assert await _status(served.url, origin) == 403
    assert await _status(served.url, {**auth, "Host": f"localhost:{served.port}"}) == 200


async def test_allowed_host_names_and_addresses(tmp_path: Path) -> None:
    server = await _start(tmp_path, "--allow-host", "proxy.example")
    try:
        token = server.token_file.read_text().strip()
        auth = {"Authorization": f"Bearer {token}"}
        assert await _status(server.url, {**auth, "Host": "proxy.example:443"}) == 200
        assert await _status(server.url, {**auth, "Host": "evil.example:443"}) == 421
    finally:
        server.proc.terminate()
        await asyncio.wait_for(server.proc.wait(), 30)
    # Bound beyond loopback, this machine's own names and addresses are answered too.
    everywhere = allowed_hosts("0.0.0.0")
    assert f"{socket.gethostname()}:*" in everywhere and "0.0.0.0:*" in everywhere
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1:*", "localhost:*", "[::1]:*"]


async def test_token_from_the_environment_instead_of_the_file(tmp_path: Path) -> None:
    token = "env-token-" + "x" * 30
    server = await _start(tmp_path, env={"SWARM_TUI_MCP_TOKEN": token})
    try:
        assert await _status(server.url, {"Authorization": f"Bearer {token}"}) == 200
        assert not server.token_file.exists()
        assert "$SWARM_TUI_MCP_TOKEN" in server.log.read_text()
    finally:
        server.proc.terminate()
        await asyncio.wait_for(server.proc.wait(), 30)


async def _run_cli(*args: str, cwd: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "swarm_tui", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "PYTHONPATH": str(ROOT)}, cwd=cwd,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode()


async def test_port_out_of_range_and_port_in_use_are_one_message(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    code, out = await _run_cli("mcp-serve", "--db", db, "--http", "70000", cwd=tmp_path)
    assert code == 2 and "'70000' is not a port" in out and "Traceback" not in out
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out = await _run_cli("mcp-serve", "--db", db, "--http", str(port), cwd=tmp_path)
    assert code == 2, out
    assert out.strip().splitlines() == [
        f"swarm-tui mcp-serve: cannot listen on 127.0.0.1 port {port}: it is in use"
        " (another program listens there); pick another --http PORT"
    ]


def test_token_file_is_private_and_reused(tmp_path: Path) -> None:
    from swarm_tui.mcp.serve_token import ensure_token, token_path

    old = os.umask(0o022)
    try:
        path = token_path(tmp_path / "ledger.db")
        first, where = ensure_token(path, {})
        assert where == str(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)  # loosened by hand: tightened again on use
        assert ensure_token(path, {}) == (first, str(path))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert len(first) >= 32 and json.dumps(first)  # url-safe text
    finally:
        os.umask(old)


async def test_the_hub_reaches_mcp_serve_with_a_header_template(
    served: Served, tmp_path: Path
) -> None:
    """An [mcp.servers] entry for another swarm's mcp-serve: the token comes from the
    environment through ``Authorization = "Bearer ${...}"``; without the variable the server
    is refused with its name, never sent an empty header."""
    from swarm_tui.config import MCPConfig, MCPServerConfig
    from swarm_tui.core.toolloop import ToolHostError
    from swarm_tui.mcp.hub import MCPHub

    server = MCPServerConfig(
        url=served.url, headers={"Authorization": "Bearer ${OTHER_SWARM_TOKEN}"}, timeout_s=60
    )
    token = served.token_file.read_text().strip()
    for env, works in (({"OTHER_SWARM_TOKEN": token}, True), ({}, False)):
        hub = MCPHub(MCPConfig(servers={"other": server}), tmp_path / "logs", env_source=env)
        try:
            if works:
                names = {t.name for t in await hub.tools_for("a", ["other"])}
                assert "other__write_memory" in names
            else:
                with pytest.raises(ToolHostError, match="OTHER_SWARM_TOKEN"):
                    await hub.conns["other"].ensure()
        finally:
            await hub.close()
