"""Routing beyond the plain mix: windows, the shipped roles, tags, swaps, hosts, performance,
escalation and budget skips."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from swarm_tui.config import RoutingConfig, load_settings
from swarm_tui.core.performance import Performance
from swarm_tui.core.router import RouteInputs, Router
from swarm_tui.core.routing_inputs import RoutingInputs, host_of
from swarm_tui.hw.model import GpuSample, GpuStatus, HardwareSample, OllamaModel, OllamaStatus

EXAMPLE = Path(__file__).resolve().parents[2] / "config.toml.example"


def free(_provider: str) -> str | None:
    return None


def picks(router: Router, agent: str, n: int, inputs: RouteInputs | None = None) -> list[str]:
    out = []
    for _ in range(n):
        choice = router.choose(agent, blocked=free, inputs=inputs)
        assert choice is not None
        out.append(f"{choice.provider}/{choice.model}")
    return out


def test_every_window_of_fifty_in_a_thousand_follows_0_4_0_4_0_2() -> None:
    mix = {"a/x": 0.4, "b/x": 0.4, "c/x": 0.2}
    seq = picks(Router({"r": mix}), "r", 1000)
    worst = 0.0
    for start in range(len(seq) - 50 + 1):
        counts = Counter(seq[start : start + 50])
        for ref, weight in mix.items():
            worst = max(worst, abs(counts[ref] / 50 - weight))
    assert worst <= 0.03  # within 3 points in every one of the 951 windows


def test_the_ten_shipped_roles_route_as_their_mixes_say() -> None:
    settings = load_settings(EXAMPLE)
    router = Router({n: a.mix for n, a in settings.agents.items()})
    assert len(settings.agents) == 10
    for name, agent in settings.agents.items():
        total = sum(agent.mix.values())
        n = 200
        counts = Counter(picks(router, name, n))
        assert set(counts) == set(agent.mix), name
        for ref, weight in agent.mix.items():
            assert abs(counts[ref] - n * weight / total) <= 1, (name, ref, counts)


def test_tags_boost_the_models_that_carry_them() -> None:
    router = Router({"r": {"a/x": 1.0, "b/x": 1.0}})
    inputs = RouteInputs(tags=("python",), model_tags={"b/x": ["python"]}, tag_boost=4.0)
    counts = Counter(picks(router, "r", 100, inputs))
    assert counts == {"b/x": 80, "a/x": 20}
    choice = router.choose("r", blocked=free, inputs=inputs)
    assert choice is not None and "x4 for tag python" in choice.reason


def test_budget_skips_what_it_cannot_cover_with_the_reason() -> None:
    router = Router({"r": {"cheap/x": 0.5, "dear/x": 0.5}})
    afford = {"dear/x": "worst case $0.1300 > run budget left $0.0100"}.get
    inputs = RouteInputs(afford=afford)
    assert set(picks(router, "r", 10, inputs)) == {"cheap/x"}
    choice = router.choose("r", blocked=free, inputs=inputs)
    assert choice is not None and "dear/x worst case $0.1300" in choice.reason


def test_reason_in_words_names_weight_breaker_and_limit() -> None:
    router = Router({"r": {"a/sonnet": 0.2, "b/qwen": 0.5, "c/copilot": 0.3}})
    choice = router.choose(
        "r",
        blocked=lambda p: "at its limit (2/2)" if p == "c" else None,
        model_blocked=lambda ref: "breaker open (rate limited)" if ref == "b/qwen" else None,
    )
    assert choice is not None
    assert choice.reason == (
        "a/sonnet: weight 0.2 (20% of the mix); b/qwen breaker open (rate limited);"
        " c/copilot at its limit (2/2)"
    )


def _sample(loaded: list[str], vram: float, reachable: bool = True) -> HardwareSample:
    models = tuple(OllamaModel(n, 10, 10) for n in loaded)
    gpu = GpuStatus(
        available=True, gpus=(GpuSample(0, "g", vram_used_bytes=int(vram), vram_total_bytes=100),)
    )
    ollama = OllamaStatus(reachable, "http://127.0.0.1:11434", "refused", models=models)
    return HardwareSample(time=0.0, gpu=gpu, ollama=ollama)


def test_loaded_ollama_models_win_over_a_swap_when_vram_is_full() -> None:
    settings = load_settings(EXAMPLE)
    inputs = RoutingInputs(settings)
    router = Router({"r": {"ollama/qwen3:8b": 0.5, "ollama/llama3.1:8b": 0.5}})
    inputs.sample = _sample(["llama3.1:8b"], 92.0)
    route = RouteInputs(swap=inputs.swap)
    assert set(picks(router, "r", 6, route)) == {"ollama/llama3.1:8b"}
    choice = router.choose("r", blocked=free, inputs=route)
    assert choice is not None and "qwen3:8b not loaded, would force a swap (VRAM 92%" in (
        choice.reason
    )
    inputs.sample = _sample(["llama3.1:8b"], 30.0)  # room to load: no swap, the mix holds
    assert Counter(picks(router, "r", 6, route)) == {"ollama/qwen3:8b": 3, "ollama/llama3.1:8b": 3}


def test_unreachable_ollama_host_and_host_limits() -> None:
    settings = load_settings(EXAMPLE)
    inputs = RoutingInputs(settings)
    inputs.sample = _sample([], 10.0, reachable=False)
    assert inputs.unreachable("ollama") == "host unreachable (refused)"
    assert inputs.unreachable("groq") is None
    assert host_of("http://127.0.0.1:11434") == "127.0.0.1:11434"
    assert host_of("https://api.groq.com/openai/v1") == "api.groq.com:443"
    assert inputs.host_blocked("ollama", Counter({"ollama": 1})) is None
    why = inputs.host_blocked("ollama", Counter({"ollama": 2}))
    assert why == "host 127.0.0.1:11434 at its limit (2/2)"


def test_performance_shifts_weight_within_bounds() -> None:
    perf = Performance(RoutingConfig(performance_min=0.5, performance_max=1.5))
    for _ in range(10):
        perf.record("bad/x", False, 100.0)
        perf.record("good/x", True, 100.0)
    assert perf.factor("bad/x")[0] == 0.5  # clamped at the floor
    assert perf.factor("good/x")[0] == 1.0
    assert perf.factor("new/x") == (1.0, "")  # too few samples: no shift
    for _ in range(20):
        perf.record_quality("good/x", 0.5)
    factor, note = perf.factor("good/x")
    assert factor == 0.5 and "quality 0.50" in note
    router = Router({"r": {"bad/x": 1.0, "good/x": 1.0}})
    perf2 = Performance(RoutingConfig())
    for _ in range(10):
        perf2.record("bad/x", False, 100.0)
        perf2.record("good/x", True, 100.0)
    counts = Counter(picks(router, "r", 30, RouteInputs(factor=perf2.factor)))
    assert counts == {"good/x": 20, "bad/x": 10}


def test_escalation_keeps_to_stronger_models() -> None:
    settings = load_settings(EXAMPLE)
    inputs = RoutingInputs(settings)
    assert inputs.stronger("claude-code/sonnet", "ollama/qwen2.5-coder:7b")  # explicit order
    assert inputs.stronger("anthropic/claude-opus-4-1", "anthropic/claude-sonnet-4-5")  # price
    router = Router({n: a.mix for n, a in settings.agents.items()})
    route = RouteInputs(stronger_than="ollama/qwen2.5-coder:7b", stronger=inputs.stronger)
    seq = picks(router, "backend", 20, route)
    assert "ollama/qwen2.5-coder:7b" not in seq
    choice = router.choose("backend", blocked=free, inputs=route)
    assert choice is not None and "escalated from ollama/qwen2.5-coder:7b" in choice.reason
    top = RouteInputs(stronger_than="claude-code/sonnet", stronger=inputs.stronger)
    choice = router.choose("backend", blocked=free, inputs=top)
    assert choice is not None and "no model stronger than claude-code/sonnet" in choice.reason


@pytest.mark.parametrize("bad", ["baseline", "strength", "role"])
def test_routing_and_budget_references_are_checked(bad: str, tmp_path: Path) -> None:
    from swarm_tui.config import ConfigError

    text = EXAMPLE.read_text(encoding="utf-8")
    if bad == "baseline":
        text = text.replace('baseline = "anthropic/claude-sonnet-4-5"', 'baseline = "x/y"')
    elif bad == "strength":
        text = text.replace('"dashscope/qwen3-coder-plus", "claude', '"dashscope/nope", "claude')
    else:
        text = text.replace("code-reviewer = 2.0", "nobody = 2.0")
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown|not listed"):
        load_settings(path)
