"""Documented event streams of agent CLIs whose real runs need an account (protocols.md §4),
replayed through the same parser, plus noise every CLI may print."""

from __future__ import annotations

import json

NOISE = ["Warning: 256-color support not detected.", "", "[1/3] loading", '["not", "an object"]']

CLAUDE = [
    {
        "type": "system",
        "subtype": "init",
        "session_id": "sess-claude-1",
        "cwd": "/w",
        "model": "claude-sonnet-4-5",
        "tools": ["Bash", "Read"],
        "mcp_servers": [],
        "permissionMode": "default",
        "claude_code_version": "2.1.197",
    },
    {
        "type": "assistant",
        "parent_tool_use_id": None,
        "session_id": "sess-claude-1",
        "message": {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "m",
            "content": [
                {"type": "thinking", "thinking": "look first"},
                {"type": "text", "text": "Listing files."},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 10, "output_tokens": 5},
        },
    },
    {
        "type": "user",
        "session_id": "sess-claude-1",
        "message": {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_1",
                    "content": [{"type": "text", "text": "a.py\nb.py"}],
                    "is_error": False,
                }
            ],
        },
    },
    {"type": "brand_new_event", "whatever": 1},
    {
        "type": "assistant",
        "session_id": "sess-claude-1",
        "message": {
            "id": "msg_2",
            "role": "assistant",
            "content": [{"type": "text", "text": "Two files."}],
            "usage": {"input_tokens": 30, "output_tokens": 4},
        },
    },
    {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "result": "Two files.",
        "num_turns": 2,
        "duration_ms": 2100,
        "duration_api_ms": 1900,
        "stop_reason": "end_turn",
        "session_id": "sess-claude-1",
        "total_cost_usd": 0.0123,
        "usage": {
            "input_tokens": 40,
            "output_tokens": 9,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 200,
        },
        "modelUsage": {
            "claude-sonnet-4-5": {"inputTokens": 40, "outputTokens": 9, "costUSD": 0.0123}
        },
        "permission_denials": [],
        "errors": [],
    },
]

CLAUDE_BUDGET = [
    CLAUDE[0],
    {
        "type": "result",
        "subtype": "error_max_budget_usd",
        "is_error": True,
        "total_cost_usd": 0.5,
        "usage": {"input_tokens": 1, "output_tokens": 1},
        "errors": ["budget exceeded"],
    },
]

QWEN_OK = [
    {
        "type": "system",
        "subtype": "init",
        "session_id": "q-1",
        "cwd": "/w",
        "tools": [],
        "mcp_servers": [],
        "model": "qwen3-coder-plus",
        "permission_mode": "default",
        "qwen_code_version": "0.15.10",
        "agents": [],
    },
    {
        "type": "assistant",
        "message": {
            "id": "m1",
            "type": "message",
            "role": "assistant",
            "model": "qwen3-coder-plus",
            "content": [{"type": "text", "text": "Done."}],
            "stop_reason": None,
            "usage": {"input_tokens": 50, "output_tokens": 2},
        },
    },
    {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "duration_ms": 900,
        "duration_api_ms": 800,
        "num_turns": 1,
        "result": "Done.",
        "usage": {
            "input_tokens": 50,
            "output_tokens": 2,
            "cache_read_input_tokens": 20,
            "total_tokens": 52,
        },
        "permission_denials": [],
    },
]

QWEN_API_ERROR = [
    QWEN_OK[0],
    {
        "type": "result",
        "subtype": "success",
        "is_error": False,
        "num_turns": 1,
        "result": "[API Error: 500 Internal Server Error: template rejected content parts]",
        "usage": {"input_tokens": 0, "output_tokens": 0},
        "permission_denials": [],
    },
]

CODEX = [
    {"type": "thread.started", "thread_id": "thread-7"},
    {"type": "turn.started"},
    {"type": "item.completed", "item": {"id": "item_0", "type": "reasoning", "text": "plan"}},
    {
        "type": "item.started",
        "item": {
            "id": "item_1",
            "type": "command_execution",
            "command": "bash -lc ls",
            "aggregated_output": "",
            "exit_code": None,
            "status": "in_progress",
        },
    },
    {"type": "item.updated", "item": {"id": "item_1", "type": "command_execution"}},
    {
        "type": "item.completed",
        "item": {
            "id": "item_1",
            "type": "command_execution",
            "command": "bash -lc ls",
            "aggregated_output": "a.py\n",
            "exit_code": 0,
            "status": "completed",
        },
    },
    {
        "type": "item.completed",
        "item": {
            "id": "item_2",
            "type": "file_change",
            "changes": [{"path": "a.py", "kind": "update"}],
            "status": "completed",
        },
    },
    {
        "type": "item.completed",
        "item": {"id": "item_3", "type": "agent_message", "text": "Updated a.py."},
    },
    {
        "type": "turn.completed",
        "usage": {"input_tokens": 1200, "cached_input_tokens": 1000, "output_tokens": 80},
    },
]

CODEX_FAILED = [
    CODEX[0],
    {"type": "turn.failed", "error": {"message": "stream disconnected before completion"}},
]


def lines(events: list[dict[str, object]], *, noise: bool = True) -> str:
    """The stdout of a run: JSON lines, with banner/garbage lines mixed in."""
    out = [json.dumps(e) for e in events]
    if noise:
        out.insert(0, NOISE[0])
        out.insert(2, NOISE[1])
        out.insert(3, NOISE[2])
        out.insert(len(out) - 1, NOISE[3])
    return "\n".join(out) + "\n"
