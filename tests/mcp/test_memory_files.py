"""A project with Serena's memory folder keeps its shared memory in those files: the memory
tools write and read them, changes made on disk reach the ledger (and the bus), deletions
too, names Serena maps elsewhere are refused. Real files, real SQLite ledger, the real MCP
SDK client (in memory) against the swarm's memory server."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from mcp import Client
from mcp.types import RequestParamsMeta

from swarm_tui.config import Settings, default_settings
from swarm_tui.config.projects import ProjectConfig
from swarm_tui.core.bus import EventBus
from swarm_tui.core.memory_books import FILE_AUTHOR, FileBook, MemoryBooks
from swarm_tui.domain.events import RecordChanged
from swarm_tui.mcp.memory import PROJECT_META, memory_server
from swarm_tui.mcp.memory_sync import MemorySync, memory_bus_notice
from swarm_tui.store.ledger import Ledger, SqliteLedger


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db")
    yield led
    await led.close()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".serena" / "memories").mkdir(parents=True)
    return tmp_path / "repo"


def settings_for(repo: Path) -> Settings:
    config = ProjectConfig.model_validate({"repo": str(repo)})
    return default_settings().model_copy(update={"projects": {"api": config}})


def memories(repo: Path) -> Path:
    return repo / ".serena" / "memories"


def text(result: Any) -> str:
    return "\n".join(b.text for b in result.content if b.type == "text")


async def test_a_file_written_on_disk_reaches_the_ledger_and_the_bus(
    ledger: Ledger, repo: Path
) -> None:
    bus = EventBus()
    sub = bus.subscribe()
    books = MemoryBooks(ledger, settings_for(repo), on_change=memory_bus_notice(bus))
    sync = MemorySync(books)
    assert await sync.sync_once() == []
    (memories(repo) / "design").mkdir()
    (memories(repo) / "design" / "api.md").write_text("# API\n/health answers ok\n")
    assert await sync.sync_once() == ["api/design/api"]
    entry = await ledger.memory("api", "design/api")
    assert entry is not None and entry.author == FILE_AUTHOR
    assert entry.content == "# API\n/health answers ok\n"
    assert sub.get_nowait() == [RecordChanged("memory", "api/design/api")]
    assert await sync.sync_once() == []  # nothing changed: nothing written, nothing told
    assert sub.get_nowait() == []
    (memories(repo) / "design" / "api.md").write_text("# API\nchanged by Serena\n")
    assert await sync.sync_once() == ["api/design/api"]
    entry = await ledger.memory("api", "design/api")
    assert entry is not None and entry.content == "# API\nchanged by Serena\n"
    (memories(repo) / "design" / "api.md").unlink()
    assert await sync.sync_once() == ["api/design/api"]
    assert await ledger.memory("api", "design/api") is None


async def test_the_tools_write_the_files_and_read_what_is_on_disk(
    ledger: Ledger, repo: Path
) -> None:
    books = MemoryBooks(ledger, settings_for(repo))
    async with Client(memory_server(ledger, "api", books=books)) as client:
        meta = cast(RequestParamsMeta, {"swarm_tui/agent": "backend"})
        done = await client.call_tool(
            "write_memory", {"memory_name": "decisions/db", "content": "use sqlite"}, meta=meta
        )
        assert not done.is_error, text(done)
        path = memories(repo) / "decisions" / "db.md"
        assert path.read_text() == "use sqlite"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        entry = await ledger.memory("api", "decisions/db")
        assert entry is not None and entry.author == "backend"
        path.write_text("use postgres")  # an edit on disk (Serena, an editor, git pull)
        read = await client.call_tool("read_memory", {"memory_name": "decisions/db"})
        assert text(read) == "use postgres"
        edited = await client.call_tool(
            "edit_memory", {"memory_name": "decisions/db", "needle": "postgres", "repl": "pg"}
        )
        assert not edited.is_error, text(edited)
        assert path.read_text() == "use pg"
        renamed = await client.call_tool(
            "rename_memory", {"old_name": "decisions/db", "new_name": "db"}
        )
        assert not renamed.is_error, text(renamed)
        assert not path.exists() and (memories(repo) / "db.md").read_text() == "use pg"
        listed = await client.call_tool("list_memories", {})
        assert '"db"' in text(listed) and "decisions" not in text(listed)
        gone = await client.call_tool("delete_memory", {"memory_name": "db"})
        assert not gone.is_error and not (memories(repo) / "db.md").exists()
        assert await ledger.memories("api") == []


@pytest.mark.parametrize(
    ("name", "said"),
    [("global/style", "Serena's memories shared across projects"), ("a/../b", "'..'")],
)
async def test_names_serena_maps_elsewhere_are_refused(
    ledger: Ledger, repo: Path, name: str, said: str
) -> None:
    books = MemoryBooks(ledger, settings_for(repo))
    async with Client(memory_server(ledger, "api", books=books)) as client:
        result = await client.call_tool("write_memory", {"memory_name": name, "content": "x"})
    assert result.is_error and said in text(result)
    assert list(memories(repo).rglob("*")) == []
    assert not (repo / ".serena" / "b.md").exists()


async def test_the_project_comes_from_the_request_and_others_stay_in_the_ledger(
    ledger: Ledger, repo: Path
) -> None:
    books = MemoryBooks(ledger, settings_for(repo))
    meta = cast(RequestParamsMeta, {PROJECT_META: "api"})
    async with Client(memory_server(ledger, "default", books=books)) as client:
        await client.call_tool("write_memory", {"memory_name": "mine", "content": "swarm"})
        await client.call_tool(
            "write_memory", {"memory_name": "theirs", "content": "project"}, meta=meta
        )
    assert [p.name for p in memories(repo).iterdir()] == ["theirs.md"]
    assert [e.name for e in await ledger.memories("default")] == ["mine"]
    assert isinstance(books.book("api"), FileBook) and not isinstance(books.book(), FileBook)
    assert [e.name for e in await books.all_entries()] == ["mine", "theirs"]


async def test_the_swarms_earlier_memory_is_written_out_to_an_empty_folder(
    ledger: Ledger, repo: Path
) -> None:
    await ledger.put_memory("api", "notes", "from before Serena", "agent-a", 1.0)
    books = MemoryBooks(ledger, settings_for(repo))
    assert await MemorySync(books).sync_once() == []
    assert (memories(repo) / "notes.md").read_text() == "from before Serena"
    entry = await ledger.memory("api", "notes")
    assert entry is not None and entry.author == "agent-a"
