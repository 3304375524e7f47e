"""What differs between agent CLIs: their argv, and how their JSON lines read.

A :class:`Dialect` is fed one decoded JSON object per stdout line and returns common stream
events; :meth:`Dialect.finish` turns the end of the run into usage and ``Done`` (or raises).
Unknown event types are ignored: CLIs add new ones often.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path

from swarm_tui.providers.base import (
    ChatMessage,
    Done,
    ProviderError,
    StreamEvent,
    StreamRequest,
    ToolCall,
    Usage,
)
from swarm_tui.providers.cli.swarm_mcp import Hookup, SwarmServer
from swarm_tui.providers.errors import error_kind, is_retryable_status

__all__ = [
    "Dialect",
    "backend_failure",
    "cli_error",
    "int_or_none",
    "object_at",
    "prompt_text",
    "status_in",
    "tool_call",
    "usage_since",
]

_FINAL = frozenset({"auth", "spend_limit", "not_found", "bad_request"})
_STATUS = re.compile(r"(?<![\d.])([1-5]\d\d)(?![\d.])(?=[ :)\]]|$)")


def prompt_text(messages: tuple[ChatMessage, ...]) -> str:
    """One prompt for a CLI: the system prompt first, then the conversation."""
    parts = []
    for m in messages:
        parts.append(m.content if m.role in ("system", "user") else f"[{m.role}] {m.content}")
    return "\n\n".join(p for p in parts if p)


def cli_error(
    name: str, message: str, *, retryable: bool = True, kind: str = "cli"
) -> ProviderError:
    return ProviderError(f"{name}: {message}", retryable=retryable, kind=kind)


def status_in(text: str) -> int | None:
    """The first HTTP error status a CLI quoted in its message (``[API Error: 401 ...]``,
    ``unexpected status 401 Unauthorized``), else None."""
    for match in _STATUS.finditer(text):
        status = int(match.group(1))
        if status >= 400:
            return status
    return None


def backend_failure(name: str, message: str, status: int | None = None) -> ProviderError:
    """A failed run the CLI blamed on its backend, classified like an HTTP provider's error:
    an authentication failure (401/403, a rejected key) is final, a 429 or 5xx may pass."""
    status = status if status is not None else status_in(message)
    kind = error_kind(status, message)
    if status is None and kind == "server":  # nothing says what it was
        kind = "cli"
    retryable = is_retryable_status(status) if status is not None else kind not in _FINAL
    err = ProviderError(f"{name}: {message}", retryable=retryable, status=status, kind=kind)
    return err


def tool_call(call_id: object, name: object, arguments: object) -> ToolCall:
    """A tool call a CLI reported, from the values its JSON gave (arguments: an object)."""
    return ToolCall(str(call_id), str(name), arguments if isinstance(arguments, dict) else {})


def usage_since(now: Sequence[int | None], before: Sequence[int]) -> Usage:
    """A run's (input, output, cached) counts when the CLI reports the whole session's
    totals: what the session had ``before`` this run taken off."""
    run = [None if v is None else max(0, v - b) for v, b in zip(now, before, strict=True)]
    return Usage(run[0], run[1], run[2])


class Dialect(ABC):
    """Base: subclasses set ``kind`` and implement ``feed``; most CLIs take the prompt with
    ``-p`` and need only their ``output_args`` (the rest of ``argv`` is shared)."""

    kind = ""
    output_args: tuple[str, ...] = ()
    """The arguments that select the CLI's headless JSON output."""
    model_flag = "--model"

    def __init__(self, name: str) -> None:
        self.name = name
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.failure: ProviderError | None = None
        self.before = (0, 0, 0)
        """A resumed session's (input, output, cached) totals before this run, for CLIs whose
        final counts cover the whole session (see :func:`usage_since`)."""

    def argv(
        self, binary: str, request: StreamRequest, extra: list[str], scratch: Path
    ) -> list[str]:
        """``binary -p PROMPT <output args> [model] [resume] <extra>``."""
        return [
            binary, "-p", prompt_text(request.messages), *self.output_args,
            *self.run_args(scratch), *self.model_args(self.model_flag, request),
            *self.resume_args(request.resume), *extra,
        ]  # fmt: skip

    def run_args(self, scratch: Path) -> list[str]:
        """Arguments that depend on the run's scratch directory."""
        return []

    def resume_args(self, session: str | None) -> list[str]:
        return ["--resume", session] if session else []

    @abstractmethod
    def feed(self, obj: dict[str, object]) -> list[StreamEvent]:
        """The stream events one decoded stdout line stands for."""

    def launch_args(
        self, request: StreamRequest, args: list[str], env: Mapping[str, str]
    ) -> list[str]:
        """Arguments this CLI needs to run headless that the user's ``args`` do not give
        (called once per run, before :meth:`argv`, with the CLI's environment)."""
        return []

    def problems(self, args: list[str], env: Mapping[str, str]) -> list[str]:
        """Set-up this CLI lacks to run headless (reported by ``doctor``)."""
        return []

    def swarm_hookup(self, server: SwarmServer, scratch: Path, env: Mapping[str, str]) -> Hookup:
        """How this CLI is given the swarm's MCP server for one run (see ``swarm_mcp``);
        ``env`` is the environment the CLI will get."""
        return Hookup(note=f"{self.kind or 'this CLI'}: no MCP configuration known")

    def finish(self, exit_code: int, scratch: Path) -> list[StreamEvent]:
        """Usage and Done after the process exited; raises when the run failed."""
        if self.failure is not None:
            raise self.failure
        if exit_code != 0 or self.finish_reason is None:
            why = f"exited with code {exit_code}" if exit_code else "ended without a result"
            raise cli_error(self.name, f"the CLI {why}")
        return [self.usage or Usage(None, None, source="unknown"), Done(self.finish_reason)]

    @staticmethod
    def model_args(flag: str, request: StreamRequest) -> list[str]:
        return [] if request.model == "default" else [flag, request.model]


def object_at(line: str, *path: str) -> dict[str, object] | None:
    """The JSON object at ``path`` in one line of a CLI's session file; None when the line
    is not JSON or holds no object there."""
    try:
        obj: object = json.loads(line)
    except ValueError:
        return None
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, dict) else None


def int_or_none(value: object) -> int | None:
    """A JSON integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None
