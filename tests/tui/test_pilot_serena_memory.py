"""The real Serena (``serena-agent`` 2.1.0 from PyPI, over stdio with the MCP SDK client) and
the swarm share one memory: a memory Serena writes shows in the room's memory screen, and one
a swarm agent writes through the hub's memory tools Serena reads back.

Serena runs on a project of its own making (``.serena/project.yml``) with no language
server (they are downloaded at first use, which cannot happen here, and memories need none)
and its classic tool interface, so ``write_memory`` and ``read_memory`` are MCP tools.
Its usage report is off (``SERENA_USAGE_REPORTING=false``) and its home is the test's.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from textual.widgets import OptionList

from swarm_tui.config import Settings
from swarm_tui.config.projects import ProjectConfig
from swarm_tui.mcp.hub import attach_hub
from swarm_tui.tui.screens.memory import MemoryScreen
from tests.serena_tool import serena_binary
from tests.tui.conftest import Room, RoomFactory, room_settings

pytestmark = pytest.mark.slow

PROJECT_YML = 'project_name: "calc"\nlanguage_servers: []\nagent_interface: tools\n'


def settings_for(repo: Path) -> Settings:
    config = ProjectConfig.model_validate({"repo": str(repo)})
    return room_settings().model_copy(update={"projects": {"calc": config}})


@contextlib.asynccontextmanager
async def serena(repo: Path, home: Path, log: Path) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=str(serena_binary()),
        args=[
            "start-mcp-server",
            "--project",
            str(repo),
            "--transport",
            "stdio",
            "--context",
            "agent",
            "--enable-web-dashboard",
            "false",
            "--open-web-dashboard",
            "false",
        ],
        env={"HOME": str(home), "PATH": os.environ["PATH"], "SERENA_USAGE_REPORTING": "false"},
        cwd=str(repo),
    )
    with log.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def said(result: object) -> str:
    content = getattr(result, "content", [])
    return "\n".join(getattr(block, "text", "") for block in content)


def shown(room: Room) -> list[str]:
    screen = room.app.screen
    if not isinstance(screen, MemoryScreen):
        return []
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_serena_and_the_swarm_share_one_memory(
    make_room: RoomFactory, tmp_path: Path
) -> None:
    repo = tmp_path / "calc"
    (repo / ".serena" / "memories").mkdir(parents=True)
    (repo / ".serena" / "project.yml").write_text(PROJECT_YML)
    (repo / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    home = tmp_path / "home"
    home.mkdir()
    async with make_room(settings=settings_for(repo)) as room:
        hub = attach_hub(room.orch, tmp_path / "logs")  # the room's hub: its memory watcher
        try:
            await room.press("M")
            await room.wait_for(lambda: isinstance(room.app.screen, MemoryScreen), "memory")
            async with serena(repo, home, tmp_path / "serena.log") as session:
                tools = {t.name for t in (await session.list_tools()).tools}
                assert {"write_memory", "read_memory", "list_memories"} <= tools
                wrote = await session.call_tool(
                    "write_memory",
                    {"memory_name": "design/api", "content": "# API\n/health answers ok\n"},
                )
                assert not wrote.is_error, said(wrote)
                assert (repo / ".serena" / "memories" / "design" / "api.md").is_file()
                await room.wait_for(
                    lambda: any(s.startswith("calc: design/api · serena") for s in shown(room)),
                    "Serena's memory in the memory screen",
                    within=30.0,
                )

                offered = {t.name: t for t in await hub.tools_for("backend", [])}
                call = await hub.call(
                    offered["swarm__write_memory"],
                    {"memory_name": "decisions/db", "content": "use sqlite for the ledger"},
                    "backend",
                    project="calc",
                )
                assert not call.is_error, call.text
                read = await session.call_tool("read_memory", {"memory_name": "decisions/db"})
                assert not read.is_error, said(read)
                assert said(read) == "use sqlite for the ledger"
                listed = json.loads(said(await session.call_tool("list_memories", {"topic": ""})))
                assert {"design/api", "decisions/db"} <= set(listed["memories"])
                await room.wait_for(
                    lambda: any(s.startswith("calc: decisions/db · backend") for s in shown(room)),
                    "the swarm agent's memory in the memory screen",
                    within=30.0,
                )
        finally:
            await hub.close()
