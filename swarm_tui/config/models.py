"""One model offered by a provider, with its prices."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from swarm_tui.config.base import Strict

__all__ = ["ModelConfig"]


class ModelConfig(Strict):
    """One model offered by a provider, with its prices."""

    input_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million input (prompt) tokens."""
    output_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million output (completion) tokens."""
    cached_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million cached input tokens (prompt-cache reads)."""
    cache_write_per_mtok: Annotated[float, Field(ge=0)] = 0.0
    """USD per million input tokens written to the prompt cache (Anthropic cache creation).
    Unset: priced like ordinary input."""
    max_tokens: Annotated[int, Field(gt=0)] = 512
    """Most tokens one reply may generate; also the worst case a budget reserves."""
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    """Sampling temperature sent with every request to this model (0 = always its most
    likely token, reproducible runs). Unset: the backend's own default."""
    context: Annotated[int, Field(gt=0)] | None = None
    """Context window in tokens, when known (Ollama: sent as ``options.num_ctx``)."""
    token_limit_field: Literal["max_tokens", "max_completion_tokens"] | None = None
    """For kind ``openai``: the request field that carries ``max_tokens``. Unset: chosen by
    model name: ``max_completion_tokens`` for OpenAI's reasoning models (``o1``, ``o3``,
    ``o4-mini``..., the ``gpt-5`` family), which reject ``max_tokens``; ``max_tokens`` for
    every other name (what OpenAI-compatible servers read). Set it for a deployment whose
    name hides the model (Azure)."""
    vision: bool = False
    """The model takes images: images that MCP tools return are sent to it in its
    provider's wire format (Anthropic image blocks, Gemini ``inlineData``, Ollama
    ``images``, an OpenAI-compatible user message with ``image_url`` data URLs). Off: it
    reads a note naming each image's type and size instead (a text-only model would
    refuse the request)."""
