"""The one streaming interface every provider speaks.

``Provider.stream(request)`` yields :class:`TextDelta`, :class:`ReasoningDelta` and
:class:`Usage` events and ends with exactly one :class:`Done`. A failure raises
:class:`ProviderError` (with ``retryable`` and any ``Retry-After`` the backend sent); there is
no retry inside a provider: the orchestrator owns the one retry layer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "ChatMessage",
    "Done",
    "Provider",
    "ProviderError",
    "ReasoningDelta",
    "StreamEvent",
    "StreamRequest",
    "TextDelta",
    "Usage",
]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Literal["system", "user", "assistant", "tool"]
    content: str


@dataclass(frozen=True, slots=True)
class StreamRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 512
    temperature: float | None = None
    options: dict[str, object] = field(default_factory=dict)
    """Backend-specific extras (Ollama: keep_alive, think, num_ctx...)."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts for the whole reply. ``source`` says where they came from."""

    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None = None
    cost_usd: float | None = None
    """Cost the backend itself reported (e.g. OpenRouter); None = price it from the table."""
    source: Literal["reported", "counted", "unknown"] = "reported"


@dataclass(frozen=True, slots=True)
class Done:
    finish_reason: str
    """``stop``, ``length``, ``tool_calls``... as the backend said it."""
    stats: dict[str, float] = field(default_factory=dict)
    """Optional timings the backend reported, e.g. Ollama's ``output_tokens_per_s``."""


StreamEvent = TextDelta | ReasoningDelta | Usage | Done


class ProviderError(Exception):
    """A request failed. ``retryable`` tells the orchestrator whether another try may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


@runtime_checkable
class Provider(Protocol):
    name: str

    def stream(self, request: StreamRequest) -> AsyncIterator[StreamEvent]:
        """Stream one chat reply."""
        ...

    async def start(self) -> None:
        """Make ready (open clients, start an embedded server). Idempotent."""
        ...

    async def close(self) -> None:
        """Release everything ``start`` took."""
        ...

    async def check(self) -> list[str]:
        """Problems a ``doctor`` run should report (unreachable, model missing, no key)."""
        ...
