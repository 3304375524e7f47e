"""Intervals, percentiles, the Pareto front and the mechanical checks."""

from __future__ import annotations

import pytest

from swarm_tui.evals.cases import Judge
from swarm_tui.evals.checks import check_answer
from swarm_tui.evals.stats import bootstrap_mean, pareto_front, percentile, wilson


def test_wilson_matches_the_published_interval() -> None:
    low, high = wilson(8, 10)  # textbook: 0.4902 .. 0.9433
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_bootstrap_interval_holds_the_mean_and_is_repeatable() -> None:
    scores = [3.0, 5.0, 7.0, 9.0, 6.0, 4.0, 8.0]
    low, high = bootstrap_mean(scores)
    assert low < sum(scores) / len(scores) < high and low >= 3.0 and high <= 9.0
    assert bootstrap_mean(scores) == (low, high)
    assert bootstrap_mean([5.0]) == (5.0, 5.0)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([], 50) is None


def test_pareto_front_keeps_only_unbeaten_points() -> None:
    points = [("cheap", 0.01, 0.6), ("mid", 0.05, 0.8), ("bad", 0.06, 0.7), ("top", 0.2, 0.9),
              ("same-cost-worse", 0.01, 0.5)]  # fmt: skip
    assert pareto_front(points) == ["cheap", "mid", "top"]


async def test_mechanical_checks() -> None:
    assert await check_answer(Judge("exact", expected="Paris"), "paris.")
    assert not await check_answer(Judge("exact", expected="Paris", casefold=False), "paris")
    assert await check_answer(Judge("contains", expected="paris"), "It is Paris, of course")
    assert await check_answer(Judge("regex", expected=r"^\s*42\b"), "42 is it")
    assert await check_answer(Judge("json_equal", expected='{"a": 1}'), '```json\n{"a":1.0}\n```')
    assert not await check_answer(Judge("json_equal", expected='{"a": 1}'), "a is 1")
    assert await check_answer(Judge("checker", argv=("grep", "-q", "ok")), "it is ok")
    assert not await check_answer(Judge("checker", argv=("grep", "-q", "ok")), "no")
    with pytest.raises(ValueError, match="judge model"):
        await check_answer(Judge("rubric", rubric="x"), "answer")
