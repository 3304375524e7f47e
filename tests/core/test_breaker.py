"""Circuit breakers and error classification."""

from __future__ import annotations

import random

from swarm_tui.config import BreakerConfig
from swarm_tui.core.breaker import CLOSED, HALF_OPEN, OPEN, BreakerBoard
from swarm_tui.core.retry import backoff_seconds, classify
from swarm_tui.domain.events import BreakerChanged
from swarm_tui.providers.base import ProviderError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def board(
    failures: int = 3, cooldown: float = 30.0
) -> tuple[BreakerBoard, Clock, list[BreakerChanged]]:
    clock = Clock()
    seen: list[BreakerChanged] = []
    b = BreakerBoard(
        BreakerConfig(failures=failures, cooldown_seconds=cooldown),
        clock=clock,
        on_change=seen.append,
    )
    return b, clock, seen


def test_opens_after_n_consecutive_failures_and_success_resets_the_count() -> None:
    b, _, seen = board(failures=3)
    b.failure("p/m", "503")
    b.failure("p/m", "503")
    b.success("p/m")
    b.failure("p/m", "503")
    b.failure("p/m", "503")
    assert b.state("p/m") == CLOSED and b.blocked("p/m") is None and seen == []
    b.failure("p/m", "503 again")
    assert b.state("p/m") == OPEN
    assert seen == [BreakerChanged("p/m", OPEN, "3 failures in a row, the last: 503 again")]
    why = b.blocked("p/m")
    assert why is not None and why.startswith("breaker open (503 again; half-open in 30s)")


def test_trip_opens_at_once_and_breakers_are_per_model() -> None:
    b, _, _ = board()
    b.failure("p/m", "auth failed", trip=True)
    assert b.state("p/m") == OPEN and b.state("p/other") == CLOSED


def test_half_open_admits_one_trial_then_closes_on_success() -> None:
    b, clock, seen = board(failures=1, cooldown=30.0)
    b.failure("p/m", "boom")
    clock.now += 29.0
    assert b.blocked("p/m") is not None
    clock.now += 1.0
    assert b.blocked("p/m") is None and b.state("p/m") == HALF_OPEN
    b.dispatched("p/m")
    assert b.blocked("p/m") == "breaker half-open: a trial attempt is running"
    b.success("p/m")
    assert b.state("p/m") == CLOSED
    assert [e.state for e in seen] == [OPEN, HALF_OPEN, CLOSED]


def test_failed_trial_reopens_and_restarts_the_cooldown() -> None:
    b, clock, seen = board(failures=1, cooldown=30.0)
    b.failure("p/m", "boom")
    clock.now += 30.0
    assert b.blocked("p/m") is None
    b.dispatched("p/m")
    b.failure("p/m", "still down")
    assert b.state("p/m") == OPEN and "half-open trial failed" in seen[-1].reason
    clock.now += 10.0
    assert b.blocked("p/m") is not None


def test_stopped_trial_is_released() -> None:
    b, clock, _ = board(failures=1, cooldown=1.0)
    b.failure("p/m", "x")
    clock.now += 1.0
    assert b.blocked("p/m") is None
    b.dispatched("p/m")
    b.released("p/m")
    assert b.blocked("p/m") is None


def test_classify() -> None:
    def err(kind: str | None, retryable: bool, status: int | None = None) -> ProviderError:
        return ProviderError("x", retryable=retryable, status=status, kind=kind)

    v = classify(err("rate_limit", True, 429))
    assert v.retryable and not v.trips and v.label == "rate limited (HTTP 429)"
    for kind in ("auth", "spend_limit", "not_found"):
        v = classify(err(kind, False))
        assert not v.retryable and v.trips, kind
    bad = classify(err("bad_request", False, 400))
    assert not bad.retryable and not bad.trips and not bad.counts
    assert classify(err(None, True)).retryable
    internal = classify(None)
    assert not internal.retryable and internal.label == "internal error"


def test_backoff_full_jitter_capped_and_retry_after_is_a_minimum() -> None:
    rng = random.Random(1)
    draws = [backoff_seconds(n, base=1.0, cap=8.0, rng=rng) for n in range(1, 200)]
    assert all(0 <= d <= 8.0 for d in draws)
    assert max(draws[:1]) <= 1.0
    assert backoff_seconds(1, retry_after=30.0, base=1.0, cap=8.0, rng=rng) == 30.0
