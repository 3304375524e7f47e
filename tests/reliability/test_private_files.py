"""Files the swarm creates are private under the usual umask 022: the ledger and the -wal and
-shm files SQLite makes beside it, its new folder, the mcp-serve token, and the logs of MCP
servers, agent CLIs and the local model server. Real files, real processes; folders and
files that already existed keep their modes."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from swarm_tui.cli.headless import _room_logging, _run_room
from swarm_tui.config import MCPConfig, MCPServerConfig, default_settings
from swarm_tui.domain.private_files import open_append
from swarm_tui.mcp.hub import MCPHub
from swarm_tui.providers.cli.claude import ClaudeDialect
from swarm_tui.providers.local import LocalModelServer
from swarm_tui.store.ledger import SqliteLedger
from tests.mcp.conftest import venv_bin  # noqa: F401 - the fixture
from tests.providers.cli import fixtures
from tests.providers.cli.test_cli_replay import Stage, run

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


async def test_a_new_ledger_its_wal_shm_and_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "swarm"
    ledger = await SqliteLedger.open(folder / "ledger.db")
    try:
        await ledger.set_flag("paused", "1", now=1.0)
        files = {p.name: mode(p) for p in folder.iterdir()}
    finally:
        await ledger.close()
    assert files == {"ledger.db": 0o600, "ledger.db-wal": 0o600, "ledger.db-shm": 0o600}
    assert mode(folder) == 0o700
    assert mode(tmp_path) == stat.S_IMODE(tmp_path.stat().st_mode)  # untouched
    other = tmp_path / "shared"
    other.mkdir(mode=0o755)
    ledger = await SqliteLedger.open(other / "ledger.db")
    await ledger.close()
    assert mode(other) == 0o755 and mode(other / "ledger.db") == 0o600  # an existing folder


async def test_mcp_server_log_is_private(
    venv_bin: Path,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    hub = MCPHub(
        MCPConfig(servers={"time": MCPServerConfig(command=str(venv_bin / "mcp-server-time"))}),
        tmp_path / "logs",
    )
    try:
        assert await hub.tools_for("a", ["time"])
    finally:
        await hub.close()
    assert mode(tmp_path / "logs" / "mcp-time.log") == 0o600
    assert mode(tmp_path / "logs") == 0o700


async def test_agent_cli_log_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stage = Stage(tmp_path, monkeypatch)
    provider = stage.provider("claude-code", ClaudeDialect, fixtures.lines(fixtures.CLAUDE))
    assert await run(provider)
    log = tmp_path / "logs" / "agent-cli.log"
    assert log.read_bytes().startswith(b"--- ") and mode(log) == 0o600
    assert mode(log.parent) == 0o700


async def test_local_model_server_log_is_private(tmp_path: Path) -> None:
    server = LocalModelServer(log_path=tmp_path / "logs" / "local-model.log")
    process = server._launch(tmp_path / "missing.gguf", 9)  # the real server fails at once
    await asyncio.to_thread(process.wait, 120)
    assert (tmp_path / "logs" / "local-model.log").stat().st_size > 0
    assert mode(tmp_path / "logs" / "local-model.log") == 0o600


def test_an_existing_log_keeps_its_mode_and_is_named_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = tmp_path / "kept.log"
    log.write_text("old\n")
    log.chmod(0o640)
    for _ in range(2):
        with open_append(log) as fh:
            fh.write("new\n")
    assert mode(log) == 0o640 and log.read_text() == "old\nnew\nnew\n"
    warnings = [r.getMessage() for r in caplog.records if r.name == "swarm_tui.files"]
    assert warnings == [f"{log} can be read by other users (mode 640): run chmod 600 {log}"]


async def test_an_old_world_readable_ledger_is_named_with_the_fix(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.db"
    ledger = await SqliteLedger.open(path)
    await ledger.close()
    path.chmod(0o644)  # as versions before this one made it
    ledger = await SqliteLedger.open(path)
    await ledger.close()
    assert mode(path) == 0o644  # not changed behind the user's back
    assert f"{path} can be read by other users (mode 644): run chmod 600 {path}" in caplog.text


async def test_the_control_rooms_log_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class App:
        handover = False

        def exit(self) -> None: ...

        async def run_async(self) -> None:
            logging.getLogger("swarm_tui").warning("a line that quotes a prompt")

    monkeypatch.setattr("swarm_tui.tui.app.make_app", lambda settings, orch: App())
    orch = SimpleNamespace(ledger=SimpleNamespace(path=tmp_path / "ledger.db"))
    handlers = list(logging.root.handlers)
    try:
        _room_logging(tmp_path / "swarm-tui.log")  # as cmd_run sets it up before the room
        await _run_room(default_settings(), orch)  # type: ignore[arg-type]
    finally:
        for handler in logging.root.handlers:
            if handler not in handlers:
                handler.close()
        logging.root.handlers = handlers
    log = tmp_path / "swarm-tui.log"
    assert "quotes a prompt" in log.read_text() and mode(log) == 0o600
