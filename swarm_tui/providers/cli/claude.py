"""Claude Code (``claude -p ... --output-format stream-json --verbose``) and Qwen Code, which
speaks the same JSON (``qwen -p ... --output-format stream-json``).

``system/init`` carries the session id; ``assistant`` lines carry whole Anthropic messages
(text, thinking, tool_use blocks); ``user`` lines carry tool results; the final ``result``
line has the usage and, for Claude, ``total_cost_usd``.

Failures: Claude reports a backend's refusal as ``subtype: success`` with ``is_error`` and
``api_error_status`` (its synthetic assistant message carries ``error`` and is not output),
and retries even a 401 ten times (``system/api_retry`` lines): an authentication error ends
the run at once, final, like an HTTP provider's 401. Qwen reports a failed backend as
``subtype: success`` with ``result: "[API Error: 401 ..."`` and a set-up failure as
``error_during_execution`` with ``error.message``; Qwen needs an auth type to run headless
(``--auth-type openai`` is added when ``OPENAI_API_KEY`` is set and nothing else chose one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from swarm_tui.providers.anthropic import anthropic_usage
from swarm_tui.providers.base import (
    ProviderError,
    ReasoningDelta,
    Session,
    StreamEvent,
    StreamRequest,
    TextDelta,
    ToolResult,
    Usage,
)
from swarm_tui.providers.cli.dialect import (
    Dialect,
    backend_failure,
    cli_error,
    tool_call,
    usage_since,
)
from swarm_tui.providers.cli.qwen_files import auth_type, session_totals
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
    output_args: tuple[str, ...] = ("--output-format", "stream-json", "--verbose")

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        return claude_hookup(server, scratch)

    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        kind = obj.get("type")
        if kind == "system" and obj.get("subtype") == "init":
            sid = obj.get("session_id")
            return [Session(sid)] if isinstance(sid, str) and sid else []
        if kind == "system" and obj.get("subtype") == "api_retry":
            self._retrying(obj)
        if kind == "assistant" and not obj.get("error"):  # an error's text is not output
            return self._assistant(obj.get("message"))
        if kind == "user":
            return self._results(obj.get("message"))
        if kind == "result":
            self._result(obj)
        return []

    def _retrying(self, obj: dict[str, object]) -> None:
        """The CLI retries a failed request; an authentication error will not pass."""
        status = obj.get("error_status")
        if status in (401, 403):
            what = obj.get("error") or "authentication failed"
            raise backend_failure(self.name, f"the backend refused the key ({what})", status)

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
                out.append(
                    tool_call(block.get("id", ""), block.get("name", "?"), block.get("input"))
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
            self.failure = self._failure(obj, subtype, text)
            return
        stop = obj.get("stop_reason")
        self.finish_reason = str(stop) if isinstance(stop, str) and stop else subtype or "success"

    def _failure(self, obj: dict[str, object], subtype: str, text: object) -> ProviderError:
        errors = obj.get("errors")
        error = obj.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        detail = next((d for d in (message, text, errors) if isinstance(d, str | list) and d), "")
        shown = detail if isinstance(detail, str) else "; ".join(map(str, detail))
        if subtype in _SPEND:
            why = f"the run failed ({subtype}): {shown or subtype}"[:400]
            return cli_error(self.name, why, retryable=False, kind="spend_limit")
        if subtype == "error_max_turns":
            why = f"the run failed ({subtype}): {shown or subtype}"[:400]
            return cli_error(self.name, why, retryable=False)
        label = "" if subtype in ("", "success") else f" ({subtype})"
        status = obj.get("api_error_status")
        return backend_failure(
            self.name,
            f"the run failed{label}: {(shown or 'no reason given')[:300]}",
            status if isinstance(status, int) and not isinstance(status, bool) else None,
        )


class QwenDialect(ClaudeDialect):
    """Its result counts the whole session: a resumed one's totals before are taken off."""

    kind = "qwen-code"
    output_args = ("--output-format", "stream-json")

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
        return usage_since(
            (n("input_tokens"), n("output_tokens"), n("cache_read_input_tokens")), self.before
        )

    def _result(self, obj: dict[str, object]) -> None:
        text = obj.get("result")
        if isinstance(text, str) and text.lstrip().startswith("[API Error:"):
            self.usage = self._usage(obj)
            self.failure = backend_failure(self.name, f"the backend failed: {text.strip()[:300]}")
            return
        super()._result(obj)

    def _failure(self, obj: dict[str, object], subtype: str, text: object) -> ProviderError:
        error = obj.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        if isinstance(message, str) and "auth type" in message.lower():
            return cli_error(
                self.name,
                f"not set up: {message.strip()[:300]} (set OPENAI_API_KEY and OPENAI_BASE_URL"
                " in cli.env, or add --auth-type to cli.args; see the README)",
                retryable=False,
                kind="auth",
            )
        return super()._failure(obj, subtype, text)

    def launch_args(
        self, request: StreamRequest, args: list[str], env: Mapping[str, str]
    ) -> list[str]:
        if request.resume:
            self.before = session_totals(env, request.resume) or (0, 0, 0)
        if auth_type(args, env) is None and env.get("OPENAI_API_KEY"):
            return ["--auth-type", "openai"]
        return []

    def problems(self, args: list[str], env: Mapping[str, str]) -> list[str]:
        if auth_type(args, env) is None and not env.get("OPENAI_API_KEY"):
            return [
                f"{self.name}: Qwen Code has no auth type to run headless: set OPENAI_API_KEY"
                " (and OPENAI_BASE_URL) in cli.env, add --auth-type to cli.args, or choose"
                " one in ~/.qwen/settings.json (security.auth.selectedType)"
            ]
        return []
