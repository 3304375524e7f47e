"""USD cost of one reply from the configured price table."""

from __future__ import annotations

from swarm_tui.config import ModelConfig
from swarm_tui.providers.base import Usage

__all__ = ["price"]

_MTOK = 1_000_000


def price(model: ModelConfig, usage: Usage) -> float:
    """Cost of ``usage`` on ``model``: the backend's own figure when it sent one.

    ``input_tokens`` include the cached ones (OpenAI semantics), so cached tokens are taken
    out of the input count and priced at ``cached_per_mtok``. A model whose config does not
    set ``cached_per_mtok`` prices cached tokens like any input (never under-count a budget).
    Unknown counts cost 0.
    """
    if usage.cost_usd is not None:
        return max(0.0, usage.cost_usd)
    inputs = max(0, usage.input_tokens or 0)
    cached = min(max(0, usage.cached_tokens or 0), inputs)
    outputs = max(0, usage.output_tokens or 0)
    cached_rate = (
        model.cached_per_mtok
        if "cached_per_mtok" in model.model_fields_set
        else model.input_per_mtok
    )
    return (
        (inputs - cached) * model.input_per_mtok
        + cached * cached_rate
        + outputs * model.output_per_mtok
    ) / _MTOK
