"""Incremental Server-Sent Events parser (the WHATWG event-stream rules, minus reconnection).

Feed it lines without their line ending (``httpx.Response.aiter_lines`` gives exactly that);
it yields one :class:`SSEEvent` per blank-line-terminated event. Comment lines (``:...``) are
skipped, several ``data:`` lines join with ``\\n``, and an event cut off by the end of the
stream is discarded, as the spec says. ``event:`` names are kept (Anthropic uses them).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

__all__ = ["SSEEvent", "SSEParser", "aiter_sse"]


@dataclass(frozen=True, slots=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None


class SSEParser:
    """Turns lines into events; keeps the partial event between calls."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self.last_id: str | None = None

    def feed(self, line: str) -> SSEEvent | None:
        """Take one line (no trailing newline); return an event when a blank line ends one."""
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        if self._id is not None:
            self.last_id = self._id
        if not self._data:
            self._event = ""
            return None
        data = "\n".join(self._data)
        event = SSEEvent(data=data, event=self._event or "message", id=self.last_id)
        self._data = []
        self._event = ""
        return event

    @property
    def pending(self) -> bool:
        """True when an event has started but no blank line has ended it yet."""
        return bool(self._data)


async def aiter_sse(lines: AsyncIterable[str]) -> AsyncIterator[SSEEvent]:
    """Events from an async stream of lines."""
    parser = SSEParser()
    async for line in lines:
        event = parser.feed(line)
        if event is not None:
            yield event
