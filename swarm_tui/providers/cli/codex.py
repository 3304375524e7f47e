"""OpenAI Codex CLI (``codex exec --json ...``).

Lines: ``thread.started`` {thread_id}; ``item.started|updated|completed`` {item: {id, type,
...}} with ``agent_message`` {text}, ``reasoning`` {text}, ``command_execution`` {command,
aggregated_output, exit_code}, ``mcp_tool_call`` {server, tool, arguments, result, error},
``file_change``...; ``turn.completed`` {usage: input_tokens (cache reads included),
cached_input_tokens, output_tokens}; ``turn.failed`` / ``error`` {message}. No cost.

A session is resumed with ``codex exec [options] resume <thread id> <prompt>``; its
``turn.completed`` then counts the whole thread, so the totals the thread had before (the
last ``token_count`` in its rollout file under ``$CODEX_HOME/sessions``, read only) are
taken off. Codex retries a failed request itself, saying so in ``error`` lines
(``Reconnecting... 1/5 (...)``): those are not failures, but one that quotes a 401/403 ends
the run at once (final, like an HTTP provider's 401); ``turn.failed`` is classified by the
status it quotes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.base import (
    ReasoningDelta,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolCall,
    ToolResult,
)
from swarm_tui.providers.cli.dialect import (
    Dialect,
    backend_failure,
    object_at,
    prompt_text,
    status_in,
    tool_call,
    usage_since,
)
from swarm_tui.providers.cli.dialect import int_or_none as _n
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer, codex_hookup

__all__ = ["CodexDialect"]


_TOTALS = ("input_tokens", "output_tokens", "cached_input_tokens")
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


def thread_totals(codex_home: Path, thread_id: str) -> tuple[int, int, int] | None:
    """A Codex thread's token totals so far (input, output, cached), from the last
    ``token_count`` event of its rollout file; None when there is none to read."""
    if not _ID.fullmatch(thread_id) or not (codex_home / "sessions").is_dir():
        return None
    found: tuple[int, int, int] | None = None
    for path in (codex_home / "sessions").rglob(f"rollout-*{thread_id}.jsonl"):
        try:
            with path.open(encoding="utf-8", errors="replace") as f:
                for line in f:
                    if '"token_count"' in line:
                        found = _totals(line) or found
        except OSError:
            return None
    return found


def _totals(line: str) -> tuple[int, int, int] | None:
    total = object_at(line, "payload", "info", "total_token_usage")
    if total is None:
        return None
    a, b, c = (_n(total.get(k)) or 0 for k in _TOTALS)
    return a, b, c


class CodexDialect(Dialect):
    """Its ``turn.completed`` counts the whole thread: a resumed one's totals are taken off."""

    kind = "codex"

    def launch_args(
        self, request: StreamRequest, args: list[str], env: Mapping[str, str]
    ) -> list[str]:
        if request.resume:
            home = env.get("CODEX_HOME") or os.path.join(env.get("HOME") or "~", ".codex")
            self.before = thread_totals(Path(home).expanduser(), request.resume) or (0, 0, 0)
        return []

    def argv(
        self, binary: str, request: StreamRequest, extra: list[str], scratch: Path
    ) -> list[str]:
        resume = ["resume", request.resume] if request.resume else []
        return [
            binary, "exec", "--json", "--skip-git-repo-check",
            *self.model_args("--model", request), *extra, *resume, prompt_text(request.messages),
        ]  # fmt: skip

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return codex_hookup(server)

    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        kind = obj.get("type")
        if kind == "thread.started":
            tid = obj.get("thread_id")
            return [Session(tid)] if isinstance(tid, str) and tid else []
        if kind in ("item.started", "item.completed"):
            item = obj.get("item")
            return self._item(item, kind == "item.completed") if isinstance(item, dict) else []
        if kind == "turn.completed":
            usage = obj.get("usage")
            if isinstance(usage, dict):
                self.usage = usage_since([_n(usage.get(k)) for k in _TOTALS], self.before)
            self.finish_reason = "stop"
        elif kind in ("turn.failed", "error"):
            error = obj.get("error")
            message = error.get("message") if isinstance(error, dict) else obj.get("message")
            text = str(message or "no reason given")
            if kind == "error" and text.startswith("Reconnecting"):
                if status_in(text) in (401, 403):  # the CLI would retry a refused key
                    raise backend_failure(self.name, f"the backend refused the key: {text}")
                return []
            self.failure = backend_failure(self.name, f"the run failed: {text}")
        return []

    def _item(self, item: dict[str, object], completed: bool) -> list[StreamEvent]:
        kind, item_id = item.get("type"), str(item.get("id", ""))
        if kind == "agent_message" and completed and item.get("text"):
            return [TextDelta(str(item["text"]))]
        if kind == "reasoning" and completed and item.get("text"):
            return [ReasoningDelta(str(item["text"]))]
        if kind == "command_execution":
            if not completed:
                return [ToolCall(item_id, "shell", {"command": item.get("command")})]
            failed = item.get("exit_code") not in (0, None) or item.get("status") == "failed"
            return [ToolResult(item_id, str(item.get("aggregated_output", "")), failed)]
        if kind == "mcp_tool_call":
            if not completed:
                name = f"{item.get('server')}__{item.get('tool')}"
                return [tool_call(item_id, name, item.get("arguments"))]
            error = item.get("error")
            result = error if error else item.get("result")
            return [ToolResult(item_id, json.dumps(result)[:2000], bool(error))]
        return []
