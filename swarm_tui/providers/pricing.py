"""USD cost of one reply from the configured price table."""

from __future__ import annotations

from swarm_tui.config import ModelConfig
from swarm_tui.providers.base import Usage

__all__ = ["price"]

_MTOK = 1_000_000


def price(model: ModelConfig, usage: Usage) -> float:
    """Cost of ``usage`` on ``model``: the backend's own figure when it sent one.

    ``input_tokens`` include the cached ones (OpenAI semantics; providers whose backend
    counts them apart, like Anthropic, add them back), so cache reads are taken out of the
    input count and priced at ``cached_per_mtok``, cache writes at ``cache_write_per_mtok``.
    A model whose config does not set a cache rate prices those tokens like any input (never
    under-count a budget). Unknown counts cost 0.
    """
    if usage.cost_usd is not None:
        return max(0.0, usage.cost_usd)
    inputs = max(0, usage.input_tokens or 0)
    cached = min(max(0, usage.cached_tokens or 0), inputs)
    written = min(max(0, usage.cache_write_tokens or 0), inputs - cached)
    outputs = max(0, usage.output_tokens or 0)
    return (
        (inputs - cached - written) * model.input_per_mtok
        + cached * _rate(model, "cached_per_mtok")
        + written * _rate(model, "cache_write_per_mtok")
        + outputs * model.output_per_mtok
    ) / _MTOK


def _rate(model: ModelConfig, name: str) -> float:
    value = getattr(model, name)
    return float(value) if name in model.model_fields_set else model.input_per_mtok
