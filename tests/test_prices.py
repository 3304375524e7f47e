"""Shipped default prices: dated, matched by the names providers use, and never over config."""

from __future__ import annotations

import re

import pytest

from swarm_tui.config import ProviderConfig
from swarm_tui.config.prices import DEFAULT_PRICES, default_price


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("claude-sonnet-4.5", "claude-sonnet-4.5"),
        ("anthropic/claude-sonnet-4.5", "claude-sonnet-4.5"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("GPT-4o", "gpt-4o"),
        ("gpt-4o-latest", "gpt-4o"),
    ],
)
def test_names_as_providers_spell_them_match(name: str, expected: str) -> None:
    assert default_price(name) is DEFAULT_PRICES[expected]


def test_unknown_and_local_models_have_no_default() -> None:
    assert default_price("qwen2.5-coder:7b") is None
    assert default_price("my-finetune") is None


def test_every_default_is_dated_and_sane() -> None:
    for name, price in DEFAULT_PRICES.items():
        assert re.fullmatch(r"20\d\d-\d\d", price.dated), name
        assert 0 < price.input <= price.output, name
        assert 0 <= price.cached <= price.input, name


def test_a_paid_model_without_prices_gets_the_default() -> None:
    config = ProviderConfig.model_validate(
        {"kind": "anthropic", "api_key_env": "ANTHROPIC_API_KEY",
         "models": {"claude-haiku-4.5": {"max_tokens": 100}}}
    )  # fmt: skip
    model = config.models["claude-haiku-4.5"]
    assert (model.input_per_mtok, model.output_per_mtok, model.max_tokens) == (1.0, 5.0, 100)
    assert model.cached_per_mtok == pytest.approx(0.1)


def test_config_prices_win_and_free_kinds_stay_free() -> None:
    explicit = ProviderConfig.model_validate(
        {"kind": "anthropic", "api_key_env": "ANTHROPIC_API_KEY",
         "models": {"claude-haiku-4.5": {"input_per_mtok": 0.0, "output_per_mtok": 0.0}}}
    )  # fmt: skip
    assert explicit.models["claude-haiku-4.5"].output_per_mtok == 0.0
    ollama = ProviderConfig.model_validate({"kind": "ollama", "models": {"gpt-4o": {}}})
    assert ollama.models["gpt-4o"].output_per_mtok == 0.0
