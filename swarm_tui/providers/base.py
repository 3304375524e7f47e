"""The one streaming interface every provider speaks.

``Provider.stream(request)`` yields :class:`TextDelta`, :class:`ReasoningDelta`,
:class:`ToolCall`, :class:`ToolResult` (agent CLIs run their own tools), :class:`Session`
(agent CLIs' resumable session ids) and :class:`Usage` events and ends with exactly one
:class:`Done`. Tool calls come out of every provider in one shape: OpenAI's argument pieces
accumulated by index, Ollama's argument objects, Anthropic's ``input_json_delta`` pieces and
Gemini's ``functionCall`` parts all become ``ToolCall(id, name, arguments: dict)``. A failure raises
:class:`ProviderError` (with ``retryable`` and any ``Retry-After`` the backend sent); there is
no retry inside a provider: the orchestrator owns the one retry layer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from swarm_tui.domain.children import ChildProcess

__all__ = [
    "ChatMessage",
    "ChildWatch",
    "Done",
    "ImagePart",
    "OutputSchema",
    "Provider",
    "ProviderError",
    "ReasoningDelta",
    "Session",
    "StreamEvent",
    "StreamRequest",
    "TextDelta",
    "ToolCall",
    "ToolResult",
    "ToolSpec",
    "Usage",
    "decoded_size",
    "parse_arguments",
    "size_words",
]


def decoded_size(data: str) -> int:
    """The size in bytes of base64 ``data`` once decoded."""
    data = data.strip()
    return len(data) * 3 // 4 - data[-2:].count("=") if data else 0


def size_words(n: int) -> str:
    """``4033 bytes``; ``12 KB`` from 10,000 bytes on."""
    return f"{n} bytes" if n < 10_000 else f"{n / 1024:.0f} KB"


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image a message carries (a tool's result): its MIME type and base64 data."""

    mime_type: str
    data: str

    @property
    def size(self) -> int:
        return decoded_size(self.data)

    def note(self) -> str:
        """The line a model that takes no images reads in the image's place."""
        return (
            f"[image: {self.mime_type}, {size_words(self.size)}; not shown: this model does not"
            " take images (vision = true on the model sends them)]"
        )


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One message. An assistant turn may carry the tool calls it made; a ``tool`` message
    answers one of them (``tool_call_id``, ``tool_name``; ``is_error`` when the tool failed)
    and may carry the images the tool returned. Each provider puts these in its own wire
    shape: images as images to a model that takes them, else as a note naming each one."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    tool_name: str | None = None
    is_error: bool = False
    images: tuple[ImagePart, ...] = ()

    def text_with_notes(self) -> str:
        """The content with a note for each image (for a model that takes none)."""
        return "\n".join(p for p in [self.content, *(i.note() for i in self.images)] if p)


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call: a name, what it does, and a JSON Schema for its input."""

    name: str
    description: str = ""
    parameters: dict[str, object] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


@dataclass(frozen=True, slots=True)
class OutputSchema:
    """Structured output: the reply must be JSON following ``schema`` (a JSON Schema object).

    Each backend is asked its own way: OpenAI-compatible ``response_format`` ``json_schema``,
    the embedded llama.cpp server's ``json_object`` with a schema (a grammar constrains the
    tokens), Ollama ``format``, Gemini ``responseMimeType``/``responseSchema``, Anthropic a
    tool named ``name`` that the model is forced to call (its input comes back as the text).
    """

    name: str
    schema: dict[str, object]


class ChildWatch(Protocol):
    """Told of each process an agent CLI provider starts for a request, and when it has
    exited (the orchestrator records it in the ledger, so a restarted orchestrator can stop
    a CLI that outlived a killed one). Its methods never raise."""

    async def started(self, child: ChildProcess) -> None: ...

    async def ended(self, child: ChildProcess) -> None: ...


@dataclass(frozen=True, slots=True)
class StreamRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 512
    temperature: float | None = None
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str | None = None
    """None/``auto``: the model decides; ``required``; ``none``; or a tool's name to force it."""
    workdir: str | None = None
    """Where an agent CLI runs (the task's working directory); HTTP providers ignore it."""
    resume: str | None = None
    """An agent CLI session id to resume; HTTP providers ignore it."""
    options: dict[str, object] = field(default_factory=dict)
    """Backend-specific extras (Ollama: keep_alive, think, num_ctx...)."""
    output: OutputSchema | None = None
    """Ask for JSON in this schema (structured output); None: free text."""
    watch: ChildWatch | None = field(default=None, compare=False, repr=False)
    """Told of the CLI processes an agent CLI provider starts; HTTP providers ignore it."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call the model asked for, whatever the backend's wire shape."""

    id: str
    """The backend's call id, or a generated one (Ollama and Gemini send none)."""
    name: str
    arguments: dict[str, object]
    invalid: str | None = None
    """Why the arguments could not be read (then ``arguments`` is empty); None when fine."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool an agent CLI ran by itself, and how it went (shown, not acted on)."""

    id: str
    output: str
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class Session:
    """An agent CLI's session id: store it so the task can be resumed."""

    session_id: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts for the whole reply. ``source`` says where they came from.

    One meaning for every backend (OpenAI's): ``input_tokens`` include the cached ones
    (``cached_tokens`` = prompt-cache reads, ``cache_write_tokens`` = tokens written to the
    cache). Backends that count them apart (Anthropic) are normalised by their provider.
    """

    input_tokens: int | None
    output_tokens: int | None
    cached_tokens: int | None = None
    cost_usd: float | None = None
    """Cost the backend itself reported (e.g. OpenRouter); None = price it from the table."""
    source: Literal["reported", "counted", "estimated", "unknown"] = "reported"
    """``estimated``: the stream ended before the backend's final report; part of the counts
    is an estimate (see core.usage_estimate)."""
    cache_write_tokens: int | None = None
    premium_requests: float | None = None
    """GitHub Copilot bills premium requests, not tokens."""


@dataclass(frozen=True, slots=True)
class Done:
    finish_reason: str
    """``stop``, ``length``, ``tool_calls``... as the backend said it."""
    stats: dict[str, float] = field(default_factory=dict)
    """Optional timings the backend reported, e.g. Ollama's ``output_tokens_per_s``."""


StreamEvent = TextDelta | ReasoningDelta | ToolCall | ToolResult | Session | Usage | Done


def parse_arguments(text: str) -> tuple[dict[str, object], str | None]:
    """Accumulated JSON arguments as a dict; ``""`` is ``{}``. Returns (arguments, problem)."""
    if not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
        shown = text if len(text) <= 80 else text[:80] + "..."
        return {}, f"arguments are not valid JSON ({exc}): {shown!r}"
    if not isinstance(value, dict):
        return {}, f"arguments must be a JSON object, got {type(value).__name__}"
    return value, None


class ProviderError(Exception):
    """A request failed. ``retryable`` tells the orchestrator whether another try may help."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.kind = kind
        """What went wrong, when known: ``rate_limit``, ``overloaded``, ``server``,
        ``timeout``, ``network``, ``cut`` (stream ended early), ``malformed``, ``auth``,
        ``spend_limit``, ``bad_request``, ``not_found``, ``cli`` (an agent CLI failed)."""


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
