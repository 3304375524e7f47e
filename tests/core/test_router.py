"""Smooth weighted round-robin over an agent's model mix, with blocked providers and pins."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from swarm_tui.core.router import Choice, Router, split_ref


def free(_provider: str) -> str | None:
    return None


def picks(router: Router, agent: str, n: int, blocked=free) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    for _ in range(n):
        choice = router.choose(agent, blocked=blocked)
        assert choice is not None
        out.append(f"{choice.provider}/{choice.model}")
    return out


def max_deviation(seq: list[str], mix: dict[str, float]) -> float:
    """Largest gap, over every prefix, between a model's count and its ideal share."""
    total = sum(mix.values())
    counts: Counter[str] = Counter()
    worst = 0.0
    for k, ref in enumerate(seq, 1):
        counts[ref] += 1
        for name, weight in mix.items():
            worst = max(worst, abs(counts[name] - k * weight / total))
    return worst


def test_three_to_one_over_eight_picks() -> None:
    mix = {"p1/m1": 3.0, "p2/m1": 1.0}
    seq = picks(Router({"a": mix}), "a", 8)
    assert Counter(seq) == {"p1/m1": 6, "p2/m1": 2}
    assert max_deviation(seq, mix) < 1
    # Smooth: the minority model is spread out, never picked twice running.
    assert all(not (x == y == "p2/m1") for x, y in itertools.pairwise(seq))
    assert seq[:4].count("p2/m1") == 1 and seq[4:].count("p2/m1") == 1


@pytest.mark.parametrize(
    "mix",
    [
        {"a/x": 5.0, "b/x": 1.0, "c/x": 1.0},
        {"a/x": 2.0, "b/x": 3.0},
        {"a/x": 1.0, "b/x": 1.0, "c/x": 1.0},
        {"a/x": 7.0, "b/x": 2.0, "c/x": 1.0},
        {"a/x": 0.5, "b/x": 1.5},
    ],
)
def test_every_prefix_follows_the_weights(mix: dict[str, float]) -> None:
    seq = picks(Router({"ag": mix}), "ag", 500)
    assert set(seq) == set(mix)
    assert max_deviation(seq, mix) < 1


def test_agents_rotate_independently() -> None:
    router = Router({"a": {"p1/m1": 1.0, "p2/m1": 1.0}, "b": {"p1/m1": 1.0, "p2/m1": 1.0}})
    assert picks(router, "a", 3) == ["p1/m1", "p2/m1", "p1/m1"]
    assert picks(router, "b", 2) == ["p1/m1", "p2/m1"]
    assert picks(router, "a", 1) == ["p2/m1"]


def test_reason_names_the_weight_and_share() -> None:
    router = Router({"a": {"p1/m1": 3.0, "p2/m1": 1.0}})
    choice = router.choose("a", blocked=free)
    assert choice == Choice("p1", "m1", "p1/m1: weight 3 (75% of the mix)")


def test_blocked_provider_is_skipped_with_its_reason() -> None:
    router = Router({"a": {"p1/m1": 3.0, "p2/m1": 1.0}})

    def blocked(provider: str) -> str | None:
        return "at its limit (4/4 running)" if provider == "p1" else None

    for _ in range(4):
        choice = router.choose("a", blocked=blocked)
        assert choice is not None and (choice.provider, choice.model) == ("p2", "m1")
        assert choice.reason.startswith("p2/m1: weight 1 (25% of the mix)")
        assert "p1/m1 at its limit (4/4 running)" in choice.reason


def test_mix_resumes_after_a_provider_comes_back() -> None:
    mix = {"p1/m1": 3.0, "p2/m1": 1.0}
    router = Router({"a": mix})
    down = {"p2"}
    seq = picks(router, "a", 4, blocked=lambda p: "unhealthy" if p in down else None)
    assert seq == ["p1/m1"] * 4
    down.clear()
    seq = picks(router, "a", 40)
    assert Counter(seq) == {"p1/m1": 30, "p2/m1": 10}


def test_all_blocked_gives_none() -> None:
    router = Router({"a": {"p1/m1": 3.0, "p2/m1": 1.0}})
    assert router.choose("a", blocked=lambda p: "down") is None
    # Nothing was counted for the refused pick: the rotation starts fresh afterwards.
    assert picks(router, "a", 4) == ["p1/m1", "p1/m1", "p2/m1", "p1/m1"]


def test_pin_wins_over_the_mix() -> None:
    router = Router({"a": {"p1/m1": 1.0}})
    choice = router.choose("a", blocked=free, pin="p2/org/model-7b")
    assert choice is not None
    assert (choice.provider, choice.model) == ("p2", "org/model-7b")
    assert "pinned" in choice.reason and "p2/org/model-7b" in choice.reason
    # The pin does not disturb the agent's own rotation.
    assert picks(router, "a", 2) == ["p1/m1", "p1/m1"]


def test_pin_on_a_blocked_provider_waits() -> None:
    router = Router({"a": {"p1/m1": 1.0, "p2/m1": 1.0}})
    blocked = {"p2": "circuit open"}
    assert router.choose("a", blocked=blocked.get, pin="p2/m1") is None


def test_split_ref() -> None:
    assert split_ref("ollama/qwen2.5:7b") == ("ollama", "qwen2.5:7b")
    assert split_ref("hf/org/name") == ("hf", "org/name")
    assert split_ref("bare") == ("bare", "")
