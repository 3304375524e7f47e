"""Accumulate streamed tool-call pieces into :class:`ToolCall` events.

OpenAI-compatible streams send ``tool_calls`` deltas keyed by ``index``: the first carries
id and name, later ones argument fragments (llama.cpp repeats id and name on every delta),
so only the arguments are concatenated. Anthropic sends ``input_json_delta`` pieces per
content block. Both end with one ``json.loads`` of the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from swarm_tui.providers.base import ToolCall, parse_arguments

__all__ = ["ToolCallAccumulator"]


@dataclass
class _Pending:
    id: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)


class ToolCallAccumulator:
    """Collects pieces per key (OpenAI index, Anthropic block index) in arrival order."""

    def __init__(self, id_prefix: str = "call") -> None:
        self._pending: dict[int, _Pending] = {}
        self._prefix = id_prefix

    def add(
        self, key: int, *, id: object = None, name: object = None, arguments: object = None
    ) -> None:
        pending = self._pending.setdefault(key, _Pending())
        if isinstance(id, str) and id and not pending.id:
            pending.id = id
        if isinstance(name, str) and name and not pending.name:
            pending.name = name
        if isinstance(arguments, str) and arguments:
            pending.parts.append(arguments)

    def has(self, key: int) -> bool:
        return key in self._pending

    def pop(self, key: int) -> ToolCall | None:
        """The finished call for ``key`` (Anthropic ``content_block_stop``)."""
        pending = self._pending.pop(key, None)
        return None if pending is None else self._finish(key, pending)

    def drain(self) -> list[ToolCall]:
        """Every call still pending, by key order (end of an OpenAI stream)."""
        calls = [self._finish(k, p) for k, p in sorted(self._pending.items())]
        self._pending.clear()
        return calls

    def _finish(self, key: int, pending: _Pending) -> ToolCall:
        arguments, problem = parse_arguments("".join(pending.parts))
        return ToolCall(
            pending.id or f"{self._prefix}_{key}", pending.name or "?", arguments, problem
        )
