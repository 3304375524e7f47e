"""One model offered by a provider, with its prices."""

from __future__ import annotations

from typing import Annotated

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
    context: Annotated[int, Field(gt=0)] | None = None
    """Context window in tokens, when known (Ollama: sent as ``options.num_ctx``)."""
