"""Chat messages in each backend's wire shape, tool calls and tool results included.

OpenAI-compatible: assistant ``tool_calls`` with JSON-string arguments, then
``{"role": "tool", "tool_call_id", "content"}``. Ollama: arguments as objects, then
``{"role": "tool", "tool_name", "content"}``. Anthropic: ``tool_use`` blocks, answered by
``tool_result`` blocks in the next user message. Gemini: ``functionCall`` parts, answered by
``functionResponse`` parts. Content is always a plain string where the backend allows it
(content-part arrays crash text-only chat templates).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from swarm_tui.providers.base import ChatMessage

__all__ = ["anthropic_messages", "gemini_contents", "ollama_messages", "openai_messages"]


def openai_messages(messages: Sequence[ChatMessage]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for m in messages:
        item: dict[str, object] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                }
                for c in m.tool_calls
            ]
        if m.role == "tool":
            item["tool_call_id"] = m.tool_call_id or ""
        out.append(item)
    return out


def ollama_messages(messages: Sequence[ChatMessage]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for m in messages:
        item: dict[str, object] = {"role": m.role, "content": m.content}
        if m.tool_calls:
            item["tool_calls"] = [
                {"function": {"name": c.name, "arguments": c.arguments}} for c in m.tool_calls
            ]
        if m.role == "tool":
            item["tool_name"] = m.tool_name or ""
        out.append(item)
    return out


def anthropic_messages(messages: Sequence[ChatMessage]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id or "",
                    "content": m.content,
                    "is_error": m.is_error,
                }
            )
            continue
        if results:
            out.append({"role": "user", "content": results})
            results = []
        if m.role == "assistant" and m.tool_calls:
            blocks: list[dict[str, object]] = []
            if m.content:
                blocks.append({"type": "text", "text": m.content})
            blocks += [
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in m.tool_calls
            ]
            out.append({"role": "assistant", "content": blocks})
        else:
            role = "assistant" if m.role == "assistant" else "user"
            out.append({"role": role, "content": m.content})
    if results:
        out.append({"role": "user", "content": results})
    return out


def gemini_contents(messages: Sequence[ChatMessage]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    responses: list[dict[str, object]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            key = "error" if m.is_error else "content"
            responses.append(
                {"functionResponse": {"name": m.tool_name or "", "response": {key: m.content}}}
            )
            continue
        if responses:
            out.append({"role": "user", "parts": responses})
            responses = []
        parts: list[dict[str, object]] = [{"text": m.content}] if m.content else []
        parts += [{"functionCall": {"name": c.name, "args": c.arguments}} for c in m.tool_calls]
        role = "model" if m.role == "assistant" else "user"
        out.append({"role": role, "parts": parts or [{"text": ""}]})
    if responses:
        out.append({"role": "user", "parts": responses})
    return out
