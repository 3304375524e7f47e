"""What happens after a failed attempt: retry, fall back, or fail."""

from __future__ import annotations

import random

from swarm_tui.config import AgentConfig, BreakerConfig, RetryConfig
from swarm_tui.core.breaker import OPEN, BreakerBoard
from swarm_tui.core.fallback import Resilience
from swarm_tui.core.retry import classify
from swarm_tui.providers.base import ProviderError

AGENT = AgentConfig(mix={"a/m": 3.0, "b/m": 1.0}, fallback=["c/m"])
RETRYABLE = classify(ProviderError("503", retryable=True, status=503, kind="server"))
AUTH = classify(ProviderError("401", retryable=False, status=401, kind="auth"))
BAD = classify(ProviderError("400", retryable=False, status=400, kind="bad_request"))


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def make(failures: int = 3, total: float = 100.0) -> tuple[Resilience, Clock]:
    clock = Clock()
    breakers = BreakerBoard(BreakerConfig(failures=failures), clock=clock)
    retry = RetryConfig(base_seconds=1.0, cap_seconds=4.0, max_total_seconds=total)
    return Resilience(retry, breakers, clock=clock, rng=random.Random(3)), clock


def test_chain_is_the_mix_heaviest_first_then_the_explicit_fallbacks() -> None:
    assert AGENT.chain() == ["a/m", "b/m", "c/m"]
    assert AgentConfig(mix={"x/1": 1.0, "y/1": 2.0}).chain() == ["y/1", "x/1"]


def test_retryable_failure_retries_the_same_model_with_backoff() -> None:
    res, _ = make()
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    assert d.again and d.pin is None and 0 <= d.wait <= 1.0
    assert d.note.startswith("retry 2 after a/m server error (HTTP 503)")
    assert res.note(1) == d.note
    res.dispatched(1)
    assert res.note(1) is None


def test_retry_after_is_the_minimum_wait() -> None:
    res, _ = make()
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=12.0)
    assert d.wait == 12.0


def test_final_failure_falls_back_to_the_next_model_without_waiting() -> None:
    res, _ = make()
    d = res.after_failure(1, AGENT, "a/m", AUTH, retry_after=None)
    assert (d.again, d.pin, d.wait) == (True, "b/m", 0.0)
    assert d.note == "fallback from a/m (auth failed (HTTP 401)) to b/m"
    assert res.breakers.state("a/m") == OPEN
    d = res.after_failure(1, AGENT, "b/m", BAD, retry_after=None)
    assert d.pin == "c/m"
    assert res.breakers.state("b/m") != OPEN  # a bad request is not the model's fault
    d = res.after_failure(1, AGENT, "c/m", BAD, retry_after=None)
    assert not d.again and d.note == "c/m bad request (HTTP 400); no fallback left"


def test_open_breaker_moves_on_and_other_tasks_keep_their_own_dead_list() -> None:
    res, _ = make(failures=2)
    res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    assert d.pin == "b/m" and "its breaker is open" in d.note
    d2 = res.after_failure(2, AGENT, "b/m", BAD, retry_after=None)
    assert d2.pin == "c/m"  # a/m is open, so skipped


def test_total_retry_time_cap_moves_to_the_fallback() -> None:
    res, clock = make(failures=100, total=10.0)
    res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    clock.now = 11.0
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    assert d.pin == "b/m" and "would pass 10s" in d.note


def test_a_model_out_of_attempts_hands_the_task_to_the_next_model_of_the_chain() -> None:
    res, _ = make(failures=100)
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None, spent={"a/m"})
    assert (d.again, d.pin, d.wait) == (True, "b/m", 0.0)
    assert d.note == "fallback from a/m (it used its attempts) to b/m"
    d = res.after_failure(1, AGENT, "b/m", RETRYABLE, retry_after=None, spent={"a/m", "b/m"})
    assert d.pin == "c/m"


def test_no_attempts_left_on_any_model_fails() -> None:
    res, _ = make(failures=100)
    spent = {"a/m", "b/m", "c/m"}
    d = res.after_failure(1, AGENT, "c/m", RETRYABLE, retry_after=None, spent=spent)
    assert not d.again and "no attempts left on it, no other model of the chain free" in d.note


def test_retryable_with_every_fallback_open_still_retries() -> None:
    res, _ = make(failures=1)
    for ref in ("b/m", "c/m"):
        res.breakers.failure(ref, "down", trip=True)
    d = res.after_failure(1, AGENT, "a/m", RETRYABLE, retry_after=None)
    assert d.again and d.pin is None and "no fallback free" in d.note
