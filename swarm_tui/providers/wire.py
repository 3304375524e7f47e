"""Chat messages in each backend's wire shape, tool calls, tool results and images included.

OpenAI-compatible: assistant ``tool_calls`` with JSON-string arguments, then
``{"role": "tool", "tool_call_id", "content"}``. Ollama: arguments as objects, then
``{"role": "tool", "tool_name", "content"}``. Anthropic: ``tool_use`` blocks, answered by
``tool_result`` blocks in the next user message. Gemini: ``functionCall`` parts, answered by
``functionResponse`` parts. Content is always a plain string where the backend allows it
(content-part arrays crash text-only chat templates).

Images a tool returned go, when the model takes images (``vision``): as ``image`` blocks
(base64 source) inside Anthropic's ``tool_result``; as ``inlineData`` parts beside Gemini's
``functionResponse``; as base64 ``images`` on Ollama's tool message; and, since OpenAI's tool
messages carry text only, in a user message with ``image_url`` data URLs right after the
tool messages of that turn. A model that takes none reads a note naming each image's type
and size instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from swarm_tui.providers.base import ChatMessage

__all__ = ["anthropic_messages", "gemini_contents", "ollama_messages", "openai_messages"]


def _content(m: ChatMessage, vision: bool) -> str:
    """A tool message's text: its images go beside it (vision) or are named in it."""
    return m.content if vision and m.role == "tool" else m.text_with_notes()


def openai_messages(
    messages: Sequence[ChatMessage], vision: bool = False
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    shown: list[dict[str, object]] = []
    for m in messages:
        if shown and m.role != "tool":
            out.append({"role": "user", "content": shown})
            shown = []
        item: dict[str, object] = {"role": m.role, "content": _content(m, vision)}
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
        if vision and m.images and m.role == "tool":
            about = f"The image{'s' if len(m.images) > 1 else ''} {m.tool_name or 'a tool'}"
            shown.append({"type": "text", "text": f"{about} returned (call {m.tool_call_id}):"})
            shown += [
                {"type": "image_url", "image_url": {"url": f"data:{i.mime_type};base64,{i.data}"}}
                for i in m.images
            ]
    if shown:
        out.append({"role": "user", "content": shown})
    return out


def ollama_messages(
    messages: Sequence[ChatMessage], vision: bool = False
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for m in messages:
        item: dict[str, object] = {"role": m.role, "content": m.text_with_notes()}
        if vision and m.images:
            item["content"] = m.content
            item["images"] = [i.data for i in m.images]
        if m.tool_calls:
            item["tool_calls"] = [
                {"function": {"name": c.name, "arguments": c.arguments}} for c in m.tool_calls
            ]
        if m.role == "tool":
            item["tool_name"] = m.tool_name or ""
        out.append(item)
    return out


def _tool_result(m: ChatMessage, vision: bool) -> dict[str, object]:
    content: object = _content(m, vision)
    if vision and m.images:
        blocks: list[dict[str, object]] = [{"type": "text", "text": m.content}] if m.content else []
        blocks += [
            {
                "type": "image",
                "source": {"type": "base64", "media_type": i.mime_type, "data": i.data},
            }
            for i in m.images
        ]
        content = blocks
    return {
        "type": "tool_result",
        "tool_use_id": m.tool_call_id or "",
        "content": content,
        "is_error": m.is_error,
    }


def anthropic_messages(
    messages: Sequence[ChatMessage], vision: bool = False
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    results: list[dict[str, object]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            results.append(_tool_result(m, vision))
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
            out.append({"role": role, "content": _content(m, vision)})
    if results:
        out.append({"role": "user", "content": results})
    return out


def gemini_contents(
    messages: Sequence[ChatMessage], vision: bool = False
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    responses: list[dict[str, object]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            key = "error" if m.is_error else "content"
            answer = {"name": m.tool_name or "", "response": {key: _content(m, vision)}}
            responses.append({"functionResponse": answer})
            if vision:  # beside the answer, in the same turn
                responses += [
                    {"inlineData": {"mimeType": i.mime_type, "data": i.data}} for i in m.images
                ]
            continue
        if responses:
            out.append({"role": "user", "parts": responses})
            responses = []
        text = _content(m, vision)
        parts: list[dict[str, object]] = [{"text": text}] if text else []
        parts += [{"functionCall": {"name": c.name, "args": c.arguments}} for c in m.tool_calls]
        role = "model" if m.role == "assistant" else "user"
        out.append({"role": role, "parts": parts or [{"text": ""}]})
    if responses:
        out.append({"role": "user", "parts": responses})
    return out
