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


# Seen from Claude Code 2.1.197 against a loopback server answering 401 (CLAUDE_CODE_MAX_RETRIES=0).
CLAUDE_AUTH_FAILED = [
    CLAUDE[0],
    {
        "type": "assistant",
        "message": {
            "id": "2606e3c9",
            "model": "<synthetic>",
            "role": "assistant",
            "stop_reason": "stop_sequence",
            "type": "message",
            "usage": {"input_tokens": 0, "output_tokens": 0},
            "content": [{"type": "text", "text": "Invalid API key · Fix external API key"}],
        },
        "session_id": "sess-claude-1",
        "error": "authentication_failed",
    },
    {
        "type": "result",
        "subtype": "success",
        "is_error": True,
        "api_error_status": 401,
        "num_turns": 1,
        "result": "Invalid API key · Fix external API key",
        "stop_reason": "stop_sequence",
        "session_id": "sess-claude-1",
        "total_cost_usd": 0,
        "usage": {"input_tokens": 0, "output_tokens": 0},
    },
]

# Claude Code retries a 401 ten times (minutes of back-off) and says so on each retry.
CLAUDE_RETRYING_401 = [
    CLAUDE[0],
    {
        "type": "system",
        "subtype": "api_retry",
        "attempt": 1,
        "max_retries": 10,
        "retry_delay_ms": 559.4,
        "error_status": 401,
        "error": "authentication_failed",
        "session_id": "sess-claude-1",
    },
]

# Qwen Code 0.15.10 with no auth type chosen (exit code 0).
QWEN_NO_AUTH_TYPE = [
    {
        "type": "result",
        "subtype": "error_during_execution",
        "session_id": "q-2",
        "is_error": True,
        "duration_ms": 0,
        "num_turns": 0,
        "usage": {"input_tokens": 0, "output_tokens": 0},
        "permission_denials": [],
        "error": {
            "message": "No auth type is selected. Please configure an auth type (e.g. via"
            " settings or `--auth-type`) before running in non-interactive mode."
        },
    }
]

QWEN_401 = [
    QWEN_OK[0],
    {**QWEN_API_ERROR[1], "result": "[API Error: 401 Incorrect API key provided]"},
]

# Codex 0.171 retries a failed request and says so in top-level error lines.
CODEX_RECONNECTED = [
    CODEX[0],
    {"type": "turn.started"},
    {
        "type": "error",
        "message": "Reconnecting... 1/5 (unexpected status 500 Internal Server"
        " Error: boom, url: http://127.0.0.1:4000/v1/responses)",
    },
    CODEX[-2],
    CODEX[-1],
]

CODEX_RECONNECTING_401 = [
    CODEX[0],
    {"type": "turn.started"},
    {
        "type": "error",
        "message": "Reconnecting... 1/5 (unexpected status 401 Unauthorized:"
        " Incorrect API key provided, url: http://127.0.0.1:4000/v1/responses)",
    },
]

CODEX_FAILED_401 = [
    CODEX[0],
    {
        "type": "turn.failed",
        "error": {
            "message": "unexpected status 401 Unauthorized: Incorrect API key provided,"
            " url: http://127.0.0.1:4000/v1/responses"
        },
    },
]

GEMINI_OK = [
    {"type": "init", "session_id": "g-1", "model": "m"},
    {"type": "message", "role": "assistant", "content": "ok", "delta": True},
    {"type": "result", "status": "success", "stats": {"input_tokens": 1, "output_tokens": 1}},
]

COPILOT_OK = [
    {"type": "assistant.message", "data": {"messageId": "m", "content": "ok"}},
    {"type": "result", "sessionId": "c-1", "exitCode": 0},
]

# Copilot CLI 1.0.102 (bring-your-own-model) whose provider answered 401.
COPILOT_AUTH_FAILED = [
    {
        "type": "session.error",
        "data": {
            "errorType": "authentication",
            "message": "Authentication failed with provider at http://127.0.0.1:4000/v1"
            " (HTTP 401).\n  Check your COPILOT_PROVIDER_API_KEY.",
            "statusCode": 401,
        },
    },
    {"type": "result", "sessionId": "c-2", "exitCode": 1, "usage": {"premiumRequests": 0}},
]

GEMINI_QUOTA = [
    GEMINI_OK[0],
    {
        "type": "result",
        "status": "error",
        "error": {"type": "Error", "message": "[API Error: 429 Resource exhausted]"},
        "stats": {"input_tokens": 0, "output_tokens": 0},
    },
]
