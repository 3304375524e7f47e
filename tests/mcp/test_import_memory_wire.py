"""mcp import, the shared-memory tools' semantics, and tool messages in each wire shape."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from swarm_tui.cli.main import main
from swarm_tui.mcp.import_toml import to_toml
from swarm_tui.mcp.importer import import_servers
from swarm_tui.mcp.memory import memory_server
from swarm_tui.providers.base import ChatMessage, ToolCall
from swarm_tui.providers.wire import (
    anthropic_messages,
    gemini_contents,
    ollama_messages,
    openai_messages,
)
from swarm_tui.store.ledger import Ledger, SqliteLedger

SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def test_import_claude_desktop_refuses_literal_secrets(tmp_path: Path) -> None:
    src = tmp_path / "claude_desktop_config.json"
    src.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "github": {
                        "command": "npx",
                        "args": ["-y", "server-github"],
                        "env": {"GITHUB_TOKEN": SECRET, "LOG_LEVEL": "info"},
                    },
                    "remote.docs": {
                        "url": "https://docs.example/mcp",
                        "headers": {"Authorization": f"Bearer {SECRET}"},
                    },
                }
            }
        )
    )
    imported = import_servers(src)
    text = to_toml(imported)
    assert SECRET not in text
    assert imported.tables["github"]["env"] == ["GITHUB_TOKEN", "LOG_LEVEL=info"]
    assert imported.tables["remote_docs"]["headers"] == {
        "Authorization": "REMOTE_DOCS_AUTHORIZATION"
    }
    assert any("GITHUB_TOKEN" in n and "not copied" in n for n in imported.notes)


def test_import_vscode_servers_key_and_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "mcp.json"
    src.write_text(
        json.dumps(
            {
                "servers": {
                    "time": {
                        "type": "stdio",
                        "command": "mcp-server-time",
                        "env": {"TZ": "${env:TZ}"},
                    }
                }
            }
        )
    )
    assert main(["mcp", "import", str(src)]) == 0
    printed = capsys.readouterr().out
    assert '[mcp.servers.time]\ncommand = "mcp-server-time"' in printed
    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.local]\nkind = "local"\n[providers.local.models.smollm2]\n'
        '[agents.a]\nmix = { "local/smollm2" = 1.0 }\n'
    )
    assert main(["--config", str(config), "mcp", "import", str(src), "--write"]) == 0
    assert "[mcp.servers.time]" in config.read_text()
    assert main(["--config", str(config), "mcp", "import", str(src), "--write"]) == 2


def test_import_bad_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "x.json"
    src.write_text("{nope")
    assert main(["mcp", "import", str(src)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "l.db")
    yield led
    await led.close()


async def test_memory_tools_follow_serena(ledger: Ledger) -> None:
    async with Client(memory_server(ledger, "p")) as c:

        async def call(name: str, **args: object) -> str:
            res = await c.call_tool(name, args)
            return "\n".join(x.text for x in res.content if x.type == "text")

        assert "written" in await call("write_memory", memory_name="n", content="a b a")
        assert "occurs 2 times" in await call("edit_memory", memory_name="n", needle="a", repl="x")
        assert (
            await call(
                "edit_memory",
                memory_name="n",
                needle="a",
                repl="x",
                allow_multiple_occurrences=True,
            )
            == "OK"
        )
        assert (
            await call("edit_memory", memory_name="n", needle=r"x (\w)", repl=r"<\1>", mode="regex")
            == "OK"
        )
        assert await call("read_memory", memory_name="n") == "<b> x"
        assert "too long" in await call("write_memory", memory_name="m", content="xx", max_chars=1)
        assert "renamed" in await call("rename_memory", old_name="n", new_name="t/n")
        assert json.loads(await call("list_memories", topic="t")) == {"memories": ["t/n"]}
        assert "not found" in await call("read_memory", memory_name="n")
        assert "deleted" in await call("delete_memory", memory_name="t/n")
    assert await ledger.memories("p") == []


CALL = ToolCall("c1", "time__now", {"tz": "UTC"})
TURN = (
    ChatMessage("user", "q"),
    ChatMessage("assistant", "", tool_calls=(CALL,)),
    ChatMessage("tool", "12:00", tool_call_id="c1", tool_name="time__now", is_error=True),
)


def test_tool_results_in_each_wire_shape() -> None:
    oa = openai_messages(TURN)
    assert oa[1]["tool_calls"] == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "time__now", "arguments": '{"tz": "UTC"}'},
        }
    ]
    assert oa[2] == {"role": "tool", "content": "12:00", "tool_call_id": "c1"}
    ol = ollama_messages(TURN)
    assert ol[1]["tool_calls"] == [{"function": {"name": "time__now", "arguments": {"tz": "UTC"}}}]
    assert ol[2] == {"role": "tool", "content": "12:00", "tool_name": "time__now"}
    an = anthropic_messages(TURN)
    assert an[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "c1", "name": "time__now", "input": {"tz": "UTC"}}],
    }
    assert an[2] == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "c1", "content": "12:00", "is_error": True}
        ],
    }
    ge = gemini_contents(TURN)
    assert ge[1] == {
        "role": "model",
        "parts": [{"functionCall": {"name": "time__now", "args": {"tz": "UTC"}}}],
    }
    assert ge[2] == {
        "role": "user",
        "parts": [{"functionResponse": {"name": "time__now", "response": {"error": "12:00"}}}],
    }
