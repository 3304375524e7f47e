"""GitHub Copilot CLI (``copilot -p ... --output-format json --allow-all-tools``).

Lines are ``{"type", "data", ...}``: ``assistant.message_delta`` {deltaContent} streams
text, ``assistant.message`` repeats it whole (used only when no delta came), tool runs are
``tool.execution_start|complete``, ``session.error`` is a failure, and the last line is
``result`` {sessionId, exitCode, usage{premiumRequests}}. Tokens are not on stdout: they come
from the ``--usage-output-file`` written at exit, with the premium-request cost. A session
is resumed with ``--resume=<session id>`` (the ``=``: the option's value is optional).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.base import (
    Session,
    StreamEvent,
    TextDelta,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.dialect import Dialect, backend_failure, cli_error, tool_call
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer, copilot_hookup

__all__ = ["CopilotDialect", "read_usage_file"]

USAGE_FILE = "copilot-usage.json"


def _n(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def read_usage_file(path: Path) -> Usage | None:
    """Token counts summed over ``modelMetrics`` and the premium requests; None if absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    metrics = data.get("modelMetrics")
    totals = {"inputTokens": 0, "outputTokens": 0, "cacheReadTokens": 0, "cacheWriteTokens": 0}
    for model in (metrics if isinstance(metrics, dict) else {}).values():
        usage = model.get("usage") if isinstance(model, dict) else None
        for key in totals:
            totals[key] += _n(usage.get(key)) if isinstance(usage, dict) else 0
    premium = data.get("totalPremiumRequestCost")
    return Usage(
        totals["inputTokens"],
        totals["outputTokens"],
        totals["cacheReadTokens"],
        source="reported",
        cache_write_tokens=totals["cacheWriteTokens"],
        premium_requests=float(premium) if isinstance(premium, int | float) else None,
    )


class CopilotDialect(Dialect):
    kind = "copilot"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._streamed: set[str] = set()

    output_args = ("--output-format", "json", "--allow-all-tools", "--no-auto-update")

    def run_args(self, scratch: Path) -> list[str]:
        return ["--usage-output-file", str(scratch / USAGE_FILE)]

    def resume_args(self, session: str | None) -> list[str]:
        return [f"--resume={session}"] if session else []

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return copilot_hookup(server, scratch)

    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        kind = obj.get("type")
        raw = obj.get("data")
        data = raw if isinstance(raw, dict) else {}
        if kind == "assistant.message_delta":
            self._streamed.add(str(data.get("messageId", "")))
            text = data.get("deltaContent")
            return [TextDelta(text)] if isinstance(text, str) and text else []
        if kind == "assistant.message":
            text = data.get("content")
            if str(data.get("messageId", "")) in self._streamed or not isinstance(text, str):
                return []
            return [TextDelta(text)] if text else []
        if kind == "tool.execution_start":
            call_id, name = data.get("toolCallId", ""), data.get("toolName", "?")
            return [tool_call(call_id, name, data.get("arguments"))]
        if kind == "tool.execution_complete":
            ok = bool(data.get("success"))
            detail = data.get("result") if ok else data.get("error")
            text = detail if isinstance(detail, str) else json.dumps(detail)
            return [ToolResult(str(data.get("toolCallId", "")), text, not ok)]
        if kind == "session.error":  # {errorType, message, statusCode}: a 401 is final
            message = data.get("message") or data.get("errorType") or "session error"
            status = data.get("statusCode")
            if not isinstance(status, int) or isinstance(status, bool):
                status = 401 if data.get("errorType") == "authentication" else None
            self.failure = backend_failure(self.name, f"session error: {message}", status)
        if kind == "result":
            return self._result(obj)
        return []

    def _result(self, obj: dict[str, object]) -> list[StreamEvent]:
        code = obj.get("exitCode")
        if code == 0 and self.failure is None:
            self.finish_reason = "stop"
        elif self.failure is None:
            self.failure = cli_error(self.name, f"the run ended with exitCode {code}")
        sid = obj.get("sessionId")
        return [Session(sid)] if isinstance(sid, str) and sid else []

    def finish(self, exit_code: int, scratch: Path) -> list[StreamEvent]:
        self.usage = read_usage_file(scratch / USAGE_FILE) or self.usage
        return super().finish(exit_code, scratch)
