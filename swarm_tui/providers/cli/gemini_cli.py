"""Gemini CLI (``gemini -p ... -o stream-json``).

Lines: ``init`` {session_id, model}; ``message`` {role, content, delta}; ``tool_use``
{tool_name, tool_id, parameters}; ``tool_result`` {tool_id, status, output|error}; ``error``
{severity, message}; ``result`` {status, error?, stats{input_tokens, output_tokens, cached}}.
No cost is reported: the price table prices the tokens. A session is resumed with
``--resume <session id>`` (sessions are kept per project directory).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.base import (
    Session,
    StreamEvent,
    TextDelta,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.dialect import Dialect, backend_failure, tool_call
from swarm_tui.providers.cli.dialect import int_or_none as _n
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer, gemini_hookup

__all__ = ["GeminiCLIDialect"]


class GeminiCLIDialect(Dialect):
    kind = "gemini-cli"
    output_args = ("-o", "stream-json", "--skip-trust")
    model_flag = "-m"

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return gemini_hookup(server, scratch, env)

    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        kind = obj.get("type")
        if kind == "init":
            sid = obj.get("session_id")
            return [Session(sid)] if isinstance(sid, str) and sid else []
        if kind == "message" and obj.get("role") == "assistant":
            content = obj.get("content")
            return [TextDelta(content)] if isinstance(content, str) and content else []
        if kind == "tool_use":
            return [
                tool_call(obj.get("tool_id", ""), obj.get("tool_name", "?"), obj.get("parameters"))
            ]
        if kind == "tool_result":
            failed = obj.get("status") == "error"
            output = obj.get("error") if failed else obj.get("output")
            return [ToolResult(str(obj.get("tool_id", "")), str(output or ""), failed)]
        if kind == "result":
            self._result(obj)
        return []

    def _result(self, obj: dict[str, object]) -> None:
        stats = obj.get("stats")
        if isinstance(stats, dict):
            self.usage = Usage(
                _n(stats.get("input_tokens")),
                _n(stats.get("output_tokens")),
                _n(stats.get("cached")),
            )
        if obj.get("status") == "success":
            self.finish_reason = "stop"
            return
        error = obj.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        why = f"the run failed: {message or obj.get('status')}"
        self.failure = backend_failure(self.name, why)  # classified by the status it quotes
