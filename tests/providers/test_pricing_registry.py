from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.config import AgentConfig, ModelConfig, ProviderConfig, Settings
from swarm_tui.providers.base import Provider, Usage
from swarm_tui.providers.local import LocalProvider
from swarm_tui.providers.ollama import OllamaProvider
from swarm_tui.providers.openai_compat import OpenAICompatProvider
from swarm_tui.providers.registry import build_providers, price

PRICED = ModelConfig(input_per_mtok=3.0, output_per_mtok=15.0, cached_per_mtok=0.3)


def test_price_input_output() -> None:
    assert price(PRICED, Usage(1_000_000, 100_000)) == pytest.approx(3.0 + 1.5)


def test_cached_tokens_priced_at_cached_rate_not_twice() -> None:
    # 1000 input of which 400 cached: 600 * 3 + 400 * 0.3 + 200 * 15, per million.
    expected = (600 * 3.0 + 400 * 0.3 + 200 * 15.0) / 1e6
    assert price(PRICED, Usage(1000, 200, cached_tokens=400)) == pytest.approx(expected)


def test_cached_rate_unset_falls_back_to_input_rate() -> None:
    model = ModelConfig(input_per_mtok=2.0)
    assert price(model, Usage(1000, 0, cached_tokens=500)) == pytest.approx(1000 * 2.0 / 1e6)


def test_explicit_zero_cached_rate_is_honoured() -> None:
    model = ModelConfig(input_per_mtok=2.0, cached_per_mtok=0.0)
    assert price(model, Usage(1000, 0, cached_tokens=500)) == pytest.approx(500 * 2.0 / 1e6)


def test_reported_cost_wins_and_unknown_costs_nothing() -> None:
    assert price(PRICED, Usage(1_000_000, 1_000_000, cost_usd=0.0123)) == 0.0123
    assert price(PRICED, Usage(None, None, source="unknown")) == 0.0
    assert price(PRICED, Usage(10, 10, cached_tokens=50)) == pytest.approx(
        10 * 0.3 / 1e6 + 10 * 15.0 / 1e6
    )


def test_build_providers_by_kind(tmp_path: Path) -> None:
    settings = Settings(
        providers={
            "oa": ProviderConfig(
                kind="openai", base_url="http://x/v1", models={"m": ModelConfig()}
            ),
            "ol": ProviderConfig(kind="ollama", models={"m": ModelConfig()}),
            "loc": ProviderConfig(kind="local", models={"smollm2": ModelConfig(context=4096)}),
        },
        agents={"a": AgentConfig(mix={"oa/m": 1.0})},
        storage={"path": str(tmp_path / "data" / "ledger.db")},  # type: ignore[arg-type]
    )
    providers = build_providers(settings)
    assert isinstance(providers["oa"], OpenAICompatProvider)
    assert isinstance(providers["ol"], OllamaProvider)
    local = providers["loc"]
    assert isinstance(local, LocalProvider)
    assert local.server.log_path == tmp_path / "data" / "loc-model.log"
    assert local.server.n_ctx == 4096
    assert all(isinstance(p, Provider) and p.name == n for n, p in providers.items())
