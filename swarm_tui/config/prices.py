"""Shipped default prices, each dated: used for a paid model whose config sets no prices.

A model's own ``input_per_mtok`` / ``output_per_mtok`` in config.toml always win; so does a
cost the backend reports itself (OpenRouter's ``usage.cost``, Claude Code's
``total_cost_usd``). Prices are list prices in USD per million tokens as published by the
vendor on the date given; they change, so check them and set your own in config.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DEFAULT_PRICES", "PAID_KINDS", "DefaultPrice", "default_price"]

PAID_KINDS = frozenset({"openai", "anthropic", "gemini", "qwen-code", "gemini-cli", "codex"})
"""Kinds whose models cost money per token (local, Ollama and flat-rate CLIs do not)."""


@dataclass(frozen=True, slots=True)
class DefaultPrice:
    input: float
    output: float
    cached: float
    cache_write: float
    dated: str
    """When the vendor's list price was checked (YYYY-MM)."""

    def as_config(self) -> dict[str, float]:
        return {
            "input_per_mtok": self.input,
            "output_per_mtok": self.output,
            "cached_per_mtok": self.cached,
            "cache_write_per_mtok": self.cache_write,
        }


def _p(inp: float, out: float, cached: float | None = None, write: float | None = None,
       dated: str = "2025-10") -> DefaultPrice:  # fmt: skip
    return DefaultPrice(inp, out, inp / 10 if cached is None else cached,
                        inp if write is None else write, dated)  # fmt: skip


DEFAULT_PRICES: dict[str, DefaultPrice] = {
    # Anthropic (cache reads 10% of input, cache writes 125%)
    "claude-opus-4.1": _p(15.0, 75.0, 1.5, 18.75),
    "claude-opus-4": _p(15.0, 75.0, 1.5, 18.75),
    "claude-sonnet-4.5": _p(3.0, 15.0, 0.3, 3.75),
    "claude-sonnet-4": _p(3.0, 15.0, 0.3, 3.75),
    "claude-haiku-4.5": _p(1.0, 5.0, 0.1, 1.25),
    "claude-3.5-haiku": _p(0.8, 4.0, 0.08, 1.0),
    # Google Gemini (prompts up to 200k tokens)
    "gemini-2.5-pro": _p(1.25, 10.0, 0.31),
    "gemini-2.5-flash": _p(0.30, 2.50, 0.075),
    "gemini-2.5-flash-lite": _p(0.10, 0.40, 0.025),
    # OpenAI
    "gpt-5": _p(1.25, 10.0, 0.125),
    "gpt-5-mini": _p(0.25, 2.0, 0.025),
    "gpt-5-nano": _p(0.05, 0.40, 0.005),
    "gpt-4.1": _p(2.0, 8.0, 0.5),
    "gpt-4.1-mini": _p(0.40, 1.60, 0.10),
    "gpt-4o": _p(2.50, 10.0, 1.25),
    "gpt-4o-mini": _p(0.15, 0.60, 0.075),
    "o3": _p(2.0, 8.0, 0.5),
    "o4-mini": _p(1.10, 4.40, 0.275),
    # Qwen on DashScope (international)
    "qwen3-coder-plus": _p(1.0, 5.0),
    "qwen-plus": _p(0.40, 1.20),
    "qwen-max": _p(1.60, 6.40),
    "qwen-turbo": _p(0.05, 0.20),
    # Groq-hosted open models
    "llama-3.3-70b-versatile": _p(0.59, 0.79, 0.59),
    "llama-3.1-8b-instant": _p(0.05, 0.08, 0.05),
}

_DATE_SUFFIX = re.compile(r"-(20\d{6}|\d{4}-\d{2}-\d{2}|latest)$")


def default_price(model: str) -> DefaultPrice | None:
    """The dated default for a model name as providers spell it: ``anthropic/claude-sonnet-4.5``,
    ``claude-sonnet-4-5-20250929``, ``models/gemini-2.5-flash`` and ``gpt-4o`` all match."""
    name = model.lower().rsplit("/", 1)[-1]
    name = _DATE_SUFFIX.sub("", name)
    candidates = [name, re.sub(r"(\d)-(\d)", r"\1.\2", name)]
    for candidate in candidates:
        if candidate in DEFAULT_PRICES:
            return DEFAULT_PRICES[candidate]
    return None
