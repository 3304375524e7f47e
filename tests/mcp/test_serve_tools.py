"""The swarm's own MCP server as a client sees it: failures are tool errors, names are
checked, descriptions are clean, metadata (titles, hints, version, output schemas, plain
optional types) is there, and ``wait_for_task`` keeps within client timeouts with progress.
Real SDK client (in memory), real SQLite ledger."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

import swarm_tui
from swarm_tui.config import Settings
from swarm_tui.config.mcp import MCPServerConfig
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.domain.models import TaskState
from swarm_tui.mcp.serve import build_swarm_server, task_tools
from swarm_tui.store.ledger import Ledger, SqliteLedger

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings.model_validate(
    {
        "providers": {
            "p": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "models": {"m": {}}}
        },
        "agents": {"worker": {"mix": {"p/m": 1.0}}},
    }
)


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[Ledger]:
    led = await SqliteLedger.open(tmp_path / "ledger.db")
    yield led
    await led.close()


def _client(ledger: Ledger) -> Client:
    return Client(build_swarm_server(SETTINGS, ledger))


def _text(result: Any) -> str:
    return "\n".join(b.text for b in result.content if b.type == "text")


async def _tools(client: Client) -> dict[str, Any]:
    return {t.name: t for t in (await client.list_tools()).tools}


FAILURES = [
    ("submit_task", {"prompt": "p", "role": "nobody"}, "unknown role 'nobody'"),
    ("submit_task", {"prompt": "p", "after": [99]}, "99"),
    ("get_task_result", {"task_id": 999}, "no task #999"),
    ("wait_for_task", {"task_id": 999}, "no task #999"),
    ("list_tasks", {"state": "bogus"}, "unknown state 'bogus'"),
    ("edit_memory", {"memory_name": "n", "needle": "absent", "repl": "x"}, "does not occur"),
    ("edit_memory", {"memory_name": "n", "needle": "a", "repl": "x"}, "occurs 2 times"),
    ("edit_memory", {"memory_name": "n", "needle": "(", "repl": "x", "mode": "regex"}, "regex"),
    ("edit_memory", {"memory_name": "gone", "needle": "a", "repl": "x"}, "gone not found"),
    ("write_memory", {"memory_name": "n", "content": "too long", "max_chars": 3}, "too long"),
    ("read_memory", {"memory_name": "gone"}, "gone not found"),
    ("delete_memory", {"memory_name": "gone"}, "gone not found"),
    ("rename_memory", {"old_name": "gone", "new_name": "x"}, "no memory named 'gone'"),
    ("rename_memory", {"old_name": "n", "new_name": "n"}, "already exists"),
]


@pytest.mark.parametrize(("tool", "args", "says"), FAILURES)
async def test_a_call_that_cannot_be_done_is_a_tool_error(
    ledger: Ledger, tool: str, args: dict[str, Any], says: str
) -> None:
    async with _client(ledger) as client:
        await client.call_tool("write_memory", {"memory_name": "n", "content": "a b a"})
        result = await client.call_tool(tool, args)
        assert result.is_error is True, result
        assert says in _text(result)
        assert result.structured_content is None
        assert [(m.name, m.content) for m in await ledger.memories("default")] == [("n", "a b a")]
        assert await ledger.list_tasks(None) == []


@pytest.mark.parametrize("name", ["", "   ", "a//b", "/a", "a/", " a", "a\nb"])
async def test_a_memory_needs_a_usable_name(ledger: Ledger, name: str) -> None:
    async with _client(ledger) as client:
        wrote = await client.call_tool("write_memory", {"memory_name": name, "content": "x"})
        assert wrote.is_error is True and "memory name" in _text(wrote)
        await client.call_tool("write_memory", {"memory_name": "ok", "content": "x"})
        moved = await client.call_tool("rename_memory", {"old_name": "ok", "new_name": name})
        assert moved.is_error is True and "memory name" in _text(moved)
        assert [m.name for m in await ledger.memories("default")] == ["ok"]


async def test_descriptions_are_dedented_and_list_tasks_names_every_state(ledger: Ledger) -> None:
    async with _client(ledger) as client:
        tools = await _tools(client)
        for tool in tools.values():
            assert (
                tool.description and "\n " not in tool.description and "  " not in tool.description
            )
        every = [s.value for s in TaskState]
        described = tools["list_tasks"].description
        assert all(s in described for s in every), described
        assert tools["list_tasks"].input_schema["properties"]["state"]["enum"] == every
        error = _text(await client.call_tool("list_tasks", {"state": "bogus"}))
        assert "(known: " + ", ".join(every) + ")" in error
        assert "worker" in tools["submit_task"].description  # the roles it can name


async def test_tools_carry_titles_hints_and_the_package_version(ledger: Ledger) -> None:
    async with Client(build_swarm_server(SETTINGS, ledger)) as client:
        version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
        assert client.server_info.version == version == swarm_tui.__version__
        tools = await _tools(client)
    reads = {"read_memory", "list_memories", "list_tasks", "get_task_result", "wait_for_task"}
    assert len(tools) == 10
    for name, tool in tools.items():
        hints = tool.annotations
        assert tool.title and hints is not None and hints.title == tool.title
        assert hints.read_only_hint is (name in reads), name
        assert hints.open_world_hint is False
        if name in reads:
            assert hints.destructive_hint is False and hints.idempotent_hint is True
    assert tools["delete_memory"].annotations.destructive_hint is True
    assert tools["delete_memory"].annotations.idempotent_hint is True
    assert tools["write_memory"].annotations.idempotent_hint is True
    assert tools["submit_task"].annotations.destructive_hint is False
    assert tools["submit_task"].annotations.idempotent_hint is False
    assert tools["rename_memory"].annotations.destructive_hint is False


async def test_optional_parameters_have_their_own_type(ledger: Ledger) -> None:
    async with _client(ledger) as client:
        tools = await _tools(client)
        for tool in tools.values():
            for name, prop in tool.input_schema["properties"].items():
                assert "anyOf" not in prop and "$ref" not in prop, (tool.name, name, prop)
                assert "type" in prop and prop.get("default", "") is not None, (tool.name, name)
        submit = tools["submit_task"].input_schema
        assert submit["properties"]["role"]["type"] == "string"
        assert submit["properties"]["key"]["type"] == "string"
        assert submit["properties"]["after"] == {
            "type": "array",
            "items": {"type": "integer"},
            "title": "After",
            "description": "Task ids that must succeed first",
        }
        assert submit["required"] == ["prompt"]
        # leaving them out still works, and so does an explicit null from a lenient client
        made = await client.call_tool("submit_task", {"prompt": "p", "role": None, "key": None})
        assert made.is_error is False and made.structured_content["role"] == "worker"


async def test_task_results_match_their_output_schemas(ledger: Ledger) -> None:
    async with _client(ledger) as client:
        tools = await _tools(client)
        calls = [
            ("submit_task", {"prompt": "first", "key": "k"}),
            ("submit_task", {"prompt": "again", "key": "k"}),
            ("list_tasks", {}),
            ("list_tasks", {"state": "queued", "limit": 1}),
            ("get_task_result", {"task_id": 1}),
            ("wait_for_task", {"task_id": 1, "timeout_s": 0}),
        ]
        seen = {}
        for name, args in calls:
            result = await client.call_tool(name, args)
            schema = tools[name].output_schema
            assert schema is not None and result.is_error is False, (name, result)
            jsonschema.validate(result.structured_content, schema)
            seen[name, args.get("prompt")] = result.structured_content
        assert seen["submit_task", "again"] == {**seen["submit_task", "first"], "created": False}
        waited = seen["wait_for_task", None]
        assert waited["state"] == "queued" and waited["timed_out"] is True
        assert waited["result"] is None and waited["error"] is None
        assert tools["wait_for_task"].output_schema["properties"]["timed_out"]["type"] == "boolean"
        assert set(tools["get_task_result"].output_schema["required"]) >= {"task_id", "state"}


async def test_wait_for_task_reports_progress_until_the_task_ends(ledger: Ledger) -> None:
    async with _client(ledger) as client:
        made = await client.call_tool("submit_task", {"prompt": "p"})
        task_id = made.structured_content["task_id"]
        control = Orchestrator(SETTINGS, ledger, {})
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))
            if len(progress) == 1:
                await control.cancel(task_id)  # the task ends once the waiter has heard from us

        result = await client.call_tool(
            "wait_for_task", {"task_id": task_id, "timeout_s": 300}, progress_callback=on_progress
        )
        assert result.is_error is False
        assert result.structured_content["state"] == "cancelled"
        assert result.structured_content["timed_out"] is False
        done, total, message = progress[0]
        assert total == 300 and done >= 0 and message is not None
        assert f"task #{task_id} is queued" in message


async def test_wait_for_task_by_default_ends_before_client_timeouts(ledger: Ledger) -> None:
    """With defaults the wait ends (timed out) well before the hub's tool timeout (30 s),
    which is also under the TypeScript SDK clients' 60 s; progress beats keep coming."""
    ticks = itertools.count(step=4.0)
    server = MCPServer("t", tools=task_tools(SETTINGS, ledger, clock=lambda: next(ticks)))
    progress: list[tuple[float, float | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total))

    async with Client(server) as client:
        made = await client.call_tool("submit_task", {"prompt": "p"})
        result = await client.call_tool(
            "wait_for_task",
            {"task_id": made.structured_content["task_id"]},
            progress_callback=on_progress,
        )
    assert result.is_error is False and result.structured_content["timed_out"] is True
    hub_timeout = MCPServerConfig.model_fields["timeout_s"].default
    limit = progress[0][1]
    assert limit is not None and limit <= hub_timeout - 5
    assert [d for d, _ in progress] == sorted({d for d, _ in progress})  # strictly rising
    assert len(progress) >= 2  # a beat at least every few seconds of waiting
