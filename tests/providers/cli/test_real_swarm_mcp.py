"""Real agent CLIs from npm, offline, call the swarm's own MCP server that swarm-tui put in
their MCP config: ``swarm-tui mcp-serve`` runs as their stdio child on the same ledger, so
what they write to memory and the tasks they hand off land in it.

Gemini CLI replays recorded model responses (function calls to ``mcp_swarm_*``); Copilot CLI
runs in bring-your-own-provider mode against a scripted OpenAI-compatible loopback server
that answers with a tool call to ``swarm-write_memory``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from swarm_tui.config import load_settings
from swarm_tui.providers.base import ChatMessage, StreamEvent, StreamRequest, TextDelta, ToolResult
from swarm_tui.providers.cli.base import CLIProvider
from swarm_tui.providers.registry import build_providers
from tests.e2e.crash import query
from tests.providers.loopback import LoopbackServer, Reply, sse

pytestmark = pytest.mark.slow

GEMINI_KEY = "fake-gemini-key-6c1f0e9b2d4a8f7e3c5b"
COPILOT_KEY = "fake-byok-key-9f8e7d6c5b4a39281706aa"


def _config(tmp_path: Path, provider: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        provider
        + """
[providers.api]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.api.models.m]

[agents.worker]
mix = { "api/m" = 1.0 }
"""
    )
    return path


def _provider(config: Path, db: Path, logs: Path, name: str) -> CLIProvider:
    providers = build_providers(load_settings(config), log_dir=logs, ledger=db)
    provider = providers[name]
    assert isinstance(provider, CLIProvider) and provider.swarm_mcp is not None
    return provider


async def _run(provider: CLIProvider, request: StreamRequest) -> list[StreamEvent]:
    try:
        return [e async for e in provider.stream(request)]
    finally:
        await provider.close()


def _gemini_turn(part: dict[str, Any]) -> str:
    response = {
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 12, "candidatesTokenCount": 5, "totalTokenCount": 17},
    }
    return json.dumps({"method": "generateContentStream", "response": [response]})


async def test_gemini_cli_writes_memory_and_hands_off_a_task_through_mcp_serve(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    work, home, db = tmp_path / "work", tmp_path / "home", tmp_path / "ledger.db"
    work.mkdir()
    home.mkdir()
    memory = {"memory_name": "plan/api", "content": "use REST"}
    task = {"prompt": "write the tests", "role": "worker", "title": "tests"}
    fake = tmp_path / "responses.jsonl"
    fake.write_text(
        "\n".join(
            [
                _gemini_turn({"functionCall": {"name": "mcp_swarm_write_memory", "args": memory}}),
                _gemini_turn({"functionCall": {"name": "mcp_swarm_submit_task", "args": task}}),
                _gemini_turn({"text": "Stored the plan and handed off the tests."}),
            ]
        )
        + "\n"
    )
    config = _config(
        tmp_path,
        f"""
[providers.gem]
kind = "gemini-cli"
[providers.gem.cli]
binary = "{npm_tools["gemini"]}"
args = ["--fake-responses-non-strict", "{fake}"]
env = {{ HOME = "{home}", GEMINI_API_KEY = "{GEMINI_KEY}" }}
workdir = "{work}"
timeout_seconds = 120.0
[providers.gem.models."gemini-2.5-flash"]
""",
    )
    provider = _provider(config, db, tmp_path / "logs", "gem")
    request = StreamRequest("gemini-2.5-flash", (ChatMessage("user", "plan it"),), 64)
    got = await _run(provider, request)
    results = [e for e in got if isinstance(e, ToolResult)]
    assert [r.is_error for r in results] == [False, False], results
    assert "written" in results[0].output
    assert json.loads(results[1].output)["state"] == "queued"
    assert "handed off" in "".join(e.text for e in got if isinstance(e, TextDelta))
    assert query(db, "SELECT name, content, author FROM memories") == [
        ("plan/api", "use REST", "gem")
    ]
    assert query(db, "SELECT title, role, state FROM tasks") == [("tests", "worker", "queued")]
    assert not (home / ".gemini" / "settings.json").exists()  # the user's settings untouched


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _tool_call(name: str, arguments: dict[str, Any]) -> Reply:
    call = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }
    return Reply(
        pieces=sse(_chunk({"role": "assistant", "tool_calls": [call]}), _chunk({}, "tool_calls"))
    )


def _text(text: str) -> Reply:
    return Reply(pieces=sse(_chunk({"role": "assistant", "content": text}), _chunk({}, "stop")))


async def test_copilot_cli_loads_the_swarm_tools_and_writes_memory_through_mcp_serve(
    npm_tools: dict[str, Path], tmp_path: Path
) -> None:
    work, home, db = tmp_path / "work", tmp_path / "home", tmp_path / "ledger.db"
    work.mkdir()
    home.mkdir()
    memory = {"memory_name": "notes", "content": "from copilot"}
    async with LoopbackServer() as backend:
        backend.route(
            "POST",
            "/v1/chat/completions",
            _tool_call("swarm-write_memory", memory),
            _text("Saved."),
        )
        config = _config(
            tmp_path,
            f"""
[providers.cop]
kind = "copilot"
[providers.cop.cli]
binary = "{npm_tools["copilot"]}"
workdir = "{work}"
timeout_seconds = 120.0
idle_timeout_seconds = 120.0
[providers.cop.cli.env]
HOME = "{home}"
COPILOT_OFFLINE = "true"
COPILOT_PROVIDER_BASE_URL = "{backend.url}/v1"
COPILOT_PROVIDER_TYPE = "openai"
COPILOT_PROVIDER_API_KEY = "{COPILOT_KEY}"
COPILOT_MODEL = "m"
COPILOT_PROVIDER_MAX_PROMPT_TOKENS = "30000"
COPILOT_PROVIDER_MAX_OUTPUT_TOKENS = "48"
[providers.cop.models.default]
""",
        )
        provider = _provider(config, db, tmp_path / "logs", "cop")
        got = await _run(provider, StreamRequest("default", (ChatMessage("user", "note"),), 48))
    first = backend.requests[0].json()
    tools = {t["function"]["name"] for t in first["tools"]}  # type: ignore[union-attr,index]
    assert {"swarm-write_memory", "swarm-submit_task", "swarm-wait_for_task"} <= tools
    results = [e for e in got if isinstance(e, ToolResult)]
    assert len(results) == 1 and not results[0].is_error, got
    assert "written" in results[0].output
    second = backend.requests[1].json()
    sent = json.dumps(second["messages"])
    assert "Memory notes written" in sent  # the tool result went back to the model
    assert "".join(e.text for e in got if isinstance(e, TextDelta)).strip() == "Saved."
    assert query(db, "SELECT name, content, author FROM memories") == [
        ("notes", "from copilot", "cop")
    ]
