"""A scripted model behind a loopback server, for the real agent CLIs: it speaks Anthropic
Messages (Claude Code), OpenAI Chat Completions (Qwen Code) and OpenAI Responses (Codex),
streaming, from their documented wire formats.

What it answers is driven by the prompt (the newest user turn that is not a tool result):

- ``[[call SUFFIX {json}]]``: call the offered tool whose name ends with ``SUFFIX`` with those
  arguments (each CLI names MCP tools its own way: ``mcp__swarm__write_memory``...); once the
  tool's result is in the conversation, answer ``tool said: <result>``;
- ``[[fail STATUS]]``: answer with that HTTP status and the API's error body;
- anything else: answer ``echo: <first words of the prompt>``.

Requests the CLIs make on the side (titles, quota probes, model lists) get the same kind of
plain answer, so nothing hangs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.providers.loopback import LoopbackServer, Recorded, Reply, json_reply, named_sse, sse

__all__ = ["ScriptedModel", "prompt_of"]

_CALL = re.compile(r"\[\[call (\S+) (\{.*?\})\]\]", re.S)
_FAIL = re.compile(r"\[\[fail (\d{3})\]\]")
USAGE_IN, USAGE_OUT = 21, 7
SEARCH = "tool_search"
"""Qwen Code offers MCP tools only after the model asked for them by name through this."""


def _texts(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [str(c.get("text", "")) for c in content if isinstance(c, dict) and "text" in c]
        return "\n".join(t for t in texts if not t.lstrip().startswith("<system-reminder>"))
    return ""


def _walk_names(tools: Any, namespace: str | None = None) -> Iterator[tuple[str | None, str]]:
    """Every tool in a request's ``tools`` as (namespace, name): flat (Anthropic), nested in
    ``function`` (Chat Completions) or inside a Responses ``namespace`` tool (Codex's MCP)."""
    for tool in tools if isinstance(tools, list) else []:
        if not isinstance(tool, dict):
            continue
        fn = tool.get("function")
        if tool.get("type") == "namespace":
            yield from _walk_names(tool.get("tools"), str(tool.get("name")))
        elif isinstance(fn, dict) and isinstance(fn.get("name"), str):
            yield namespace, fn["name"]
        elif isinstance(tool.get("name"), str):
            yield namespace, tool["name"]


def prompt_of(body: dict[str, Any]) -> tuple[str, str | None]:
    """The newest real user prompt, and the text of a tool result given after it (or None)."""
    if "input" in body:  # Responses
        items = body["input"] if isinstance(body["input"], list) else []
        prompt, result = "", None
        for item in items:
            if not isinstance(item, dict):
                continue
            if item.get("type", "message") == "message" and item.get("role") == "user":
                prompt, result = _texts(item.get("content")), None
            elif item.get("type") in ("function_call_output", "custom_tool_call_output"):
                out = item.get("output")
                result = out if isinstance(out, str) else json.dumps(out)
        return prompt, result
    prompt, result = "", None
    names: dict[str, str] = {}  # Chat Completions: tool call id -> tool name
    for message in body.get("messages", []):
        role, content = message.get("role"), message.get("content")
        for call in message.get("tool_calls") or []:
            names[str(call.get("id"))] = str(call.get("function", {}).get("name"))
        if role == "tool":  # Chat Completions; a tool search is not the answer
            if names.get(str(message.get("tool_call_id"))) != SEARCH:
                result = _texts(content)
        elif (
            role == "user"
            and isinstance(content, list)
            and any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
        ):  # Anthropic
            blocks = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
            result = "\n".join(_texts(b.get("content")) for b in blocks)
        elif role == "user":
            prompt, result = _texts(content), None
    return prompt, result


class ScriptedModel:
    """Routes for the three APIs on one :class:`LoopbackServer` (``/v1/...``)."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        server.choose("POST", "/v1/messages", self._anthropic)
        server.choose("POST", "/v1/chat/completions", self._chat)
        server.choose("POST", "/v1/responses", self._responses)
        server.route("GET", "/v1/models", json_reply(200, {"object": "list", "data": []}))

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def requests(self, path: str) -> list[dict[str, Any]]:
        """The JSON bodies sent to ``/v1/<path>``."""
        return [r.json() for r in self.server.requests if r.path == f"/v1/{path}"]

    @staticmethod
    def _plan(body: dict[str, Any]) -> tuple[str, Any]:
        """``("fail", status)``, ``("call", ((namespace, name), args))`` or ``("text", text)``."""
        prompt, result = prompt_of(body)
        if m := _FAIL.search(prompt):
            return "fail", int(m.group(1))
        m = _CALL.search(prompt)
        if m and result is None:
            found = [
                (ns, n)
                for ns, n in _walk_names(body.get("tools"))
                if f"{ns or ''}__{n}".endswith(m.group(1))
            ]
            if found:
                return "call", (found[0], json.loads(m.group(2)))
            deferred = re.findall(r"(mcp__\w*" + re.escape(m.group(1)) + ")", json.dumps(body))
            if deferred and any(n == SEARCH for _, n in _walk_names(body.get("tools"))):
                return "call", ((None, SEARCH), {"query": f"select:{deferred[0]}"})
            return "text", f"no tool ending with {m.group(1)} was offered"
        if m:
            return "text", f"tool said: {result}"
        words = " ".join(_CALL.sub("", prompt).split()[:8])
        return "text", f"echo: {words}"

    # ---------------------------------------------------------------- Anthropic Messages
    def _anthropic(self, req: Recorded) -> Reply:
        kind, what = self._plan(req.json())
        if kind == "fail":
            error = {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            }
            return json_reply(what, error)
        usage = {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT}
        if kind == "call":
            (_ns, name), args = what
            block: dict[str, Any] = {"type": "tool_use", "id": "toolu_1", "name": name, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(args)}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": what}
            stop = "end_turn"
        body = req.json()
        if not body.get("stream"):
            content = (
                [{**block, "input": args}] if kind == "call" else [{"type": "text", "text": what}]
            )
            message = {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "model": body.get("model", "m"),
                "content": content,
                "stop_reason": stop,
                "stop_sequence": None,
                "usage": usage,
            }
            return json_reply(200, message)
        start = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "m"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage, "output_tokens": 1},
        }
        return Reply(
            pieces=named_sse(
                ("message_start", {"type": "message_start", "message": start}),
                (
                    "content_block_start",
                    {"type": "content_block_start", "index": 0, "content_block": block},
                ),
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                ),
                ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                (
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": stop, "stop_sequence": None},
                        "usage": {"output_tokens": USAGE_OUT},
                    },
                ),
                ("message_stop", {"type": "message_stop"}),
            )
        )

    # ---------------------------------------------------------------- Chat Completions
    def _chat(self, req: Recorded) -> Reply:
        body = req.json()
        kind, what = self._plan(body)
        if kind == "fail":
            error = {
                "error": {
                    "message": "Incorrect API key provided",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
            return json_reply(what, error)

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": body.get("model", "m"),
                "choices": [choice],
            }

        usage = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": body.get("model", "m"),
            "choices": [],
            "usage": {
                "prompt_tokens": USAGE_IN,
                "completion_tokens": USAGE_OUT,
                "total_tokens": USAGE_IN + USAGE_OUT,
            },
        }
        if kind == "call":
            (_ns, name), args = what
            call = {
                "index": 0,
                "id": f"call_{name}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            pieces = [chunk({"role": "assistant", "tool_calls": [call]}), chunk({}, "tool_calls")]
        else:
            pieces = [chunk({"role": "assistant", "content": what}), chunk({}, "stop")]
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": what}
            if kind == "call":
                message = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{k: v for k, v in call.items() if k != "index"}],
                }
            full = {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1,
                "model": body.get("model", "m"),
                "usage": usage["usage"],
                "choices": [
                    {
                        "index": 0,
                        "message": message,
                        "finish_reason": "tool_calls" if kind == "call" else "stop",
                    }
                ],
            }
            return json_reply(200, full)
        return Reply(pieces=sse(*pieces, usage))

    # ---------------------------------------------------------------- Responses
    def _responses(self, req: Recorded) -> Reply:
        body = req.json()
        kind, what = self._plan(body)
        if kind == "fail":
            error = {
                "error": {
                    "message": "Incorrect API key provided",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            }
            return json_reply(what, error)
        if kind == "call":
            (namespace, name), args = what
            item: dict[str, Any] = {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": name,
                "arguments": json.dumps(args),
                "status": "completed",
            }
            if namespace:
                item["namespace"] = namespace
            events: list[tuple[str, object]] = []
        else:
            item = {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": what, "annotations": []}],
            }
            events = [
                (
                    "response.output_text.delta",
                    {
                        "type": "response.output_text.delta",
                        "item_id": "msg_1",
                        "output_index": 0,
                        "content_index": 0,
                        "delta": what,
                    },
                )
            ]
        response = {
            "id": "resp_1",
            "object": "response",
            "status": "in_progress",
            "model": body.get("model", "m"),
            "output": [],
        }
        usage = {
            "input_tokens": USAGE_IN,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": USAGE_OUT,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": USAGE_IN + USAGE_OUT,
        }
        done = {**response, "status": "completed", "output": [item], "usage": usage}
        return Reply(
            pieces=named_sse(
                ("response.created", {"type": "response.created", "response": response}),
                (
                    "response.output_item.added",
                    {"type": "response.output_item.added", "output_index": 0, "item": item},
                ),
                *events,
                (
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": 0, "item": item},
                ),
                ("response.completed", {"type": "response.completed", "response": done}),
            )
        )
