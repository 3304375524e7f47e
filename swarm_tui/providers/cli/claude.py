"""Claude Code (``claude -p ... --output-format stream-json --verbose``) and Qwen Code, which
speaks the same JSON (``qwen -p ... --output-format stream-json``).

``system/init`` carries the session id; ``assistant`` lines carry whole Anthropic messages
(text, thinking, tool_use blocks); ``user`` lines carry tool results; the final ``result``
line has the usage and, for Claude, ``total_cost_usd``. Qwen reports a failed backend as
``subtype: success`` with ``result: "[API Error: ..."``: that prefix is a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.anthropic import anthropic_usage
from swarm_tui.providers.base import (
    ReasoningDelta,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.dialect import Dialect, cli_error, prompt_text
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer, claude_hookup, qwen_hookup

__all__ = ["ClaudeDialect", "QwenDialect"]

_SPEND = ("error_max_budget_usd",)


def _text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return ""


class ClaudeDialect(Dialect):
    kind = "claude-code"

    def argv(
        self, binary: str, request: StreamRequest, extra: list[str], scratch: Path
    ) -> list[str]:
        resume = ["--resume", request.resume] if request.resume else []
        return [
            binary, "-p", prompt_text(request.messages), "--output-format", "stream-json",
            "--verbose", *self.model_args("--model", request), *resume, *extra,
        ]  # fmt: skip

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return claude_hookup(server, scratch)

    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        kind = obj.get("type")
        if kind == "system" and obj.get("subtype") == "init":
            sid = obj.get("session_id")
            return [Session(sid)] if isinstance(sid, str) and sid else []
        if kind == "assistant":
            return self._assistant(obj.get("message"))
        if kind == "user":
            return self._results(obj.get("message"))
        if kind == "result":
            self._result(obj)
        return []

    def _assistant(self, message: object) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        blocks = message.get("content") if isinstance(message, dict) else None
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and block.get("text"):
                out.append(TextDelta(str(block["text"])))
            elif block.get("type") == "thinking" and block.get("thinking"):
                out.append(ReasoningDelta(str(block["thinking"])))
            elif block.get("type") == "tool_use":
                args = block.get("input")
                out.append(
                    ToolCall(
                        str(block.get("id", "")),
                        str(block.get("name", "?")),
                        args if isinstance(args, dict) else {},
                    )
                )
        return out

    def _results(self, message: object) -> list[StreamEvent]:
        blocks = message.get("content") if isinstance(message, dict) else None
        return [
            ToolResult(
                str(b.get("tool_use_id", "")), _text(b.get("content")), bool(b.get("is_error"))
            )
            for b in (blocks if isinstance(blocks, list) else [])
            if isinstance(b, dict) and b.get("type") == "tool_result"
        ]

    def _usage(self, obj: dict[str, object]) -> Usage | None:
        raw = obj.get("usage")
        if not isinstance(raw, dict):
            return None
        usage = anthropic_usage(raw)
        cost = obj.get("total_cost_usd")
        if isinstance(cost, int | float) and not isinstance(cost, bool):
            usage = Usage(usage.input_tokens, usage.output_tokens, usage.cached_tokens,
                          float(cost), "reported", usage.cache_write_tokens)  # fmt: skip
        return usage

    def _result(self, obj: dict[str, object]) -> None:
        self.usage = self._usage(obj)
        subtype = str(obj.get("subtype", ""))
        text = obj.get("result")
        if obj.get("is_error") or subtype.startswith("error"):
            errors = obj.get("errors")
            detail = text if isinstance(text, str) and text else errors or subtype
            spend = subtype in _SPEND
            self.failure = cli_error(
                self.name,
                f"the run failed ({subtype or 'is_error'}): {str(detail)[:300]}",
                retryable=not spend and subtype != "error_max_turns",
                kind="spend_limit" if spend else "cli",
            )
            return
        stop = obj.get("stop_reason")
        self.finish_reason = str(stop) if isinstance(stop, str) and stop else subtype or "success"


class QwenDialect(ClaudeDialect):
    kind = "qwen-code"

    def argv(
        self, binary: str, request: StreamRequest, extra: list[str], scratch: Path
    ) -> list[str]:
        resume = ["--resume", request.resume] if request.resume else []
        return [
            binary, "-p", prompt_text(request.messages), "--output-format", "stream-json",
            *self.model_args("--model", request), *resume, *extra,
        ]  # fmt: skip

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return qwen_hookup(server, scratch)

    def _usage(self, obj: dict[str, object]) -> Usage | None:
        raw = obj.get("usage")
        if not isinstance(raw, dict):
            return None

        def n(key: str) -> int | None:
            v = raw.get(key)
            return v if isinstance(v, int) and not isinstance(v, bool) else None

        # Qwen Code talks to OpenAI-style backends: its input count already holds cache reads.
        return Usage(n("input_tokens"), n("output_tokens"), n("cache_read_input_tokens"))

    def _result(self, obj: dict[str, object]) -> None:
        text = obj.get("result")
        if isinstance(text, str) and text.lstrip().startswith("[API Error:"):
            self.usage = self._usage(obj)
            self.failure = cli_error(self.name, f"the backend failed: {text.strip()[:300]}")
            return
        super()._result(obj)
