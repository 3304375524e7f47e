"""The one retry layer's settings: back-off and circuit breakers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from swarm_tui.config.base import Strict
from swarm_tui.config.errors import config_problem

__all__ = ["BreakerConfig", "RetryConfig"]


class RetryConfig(Strict):
    """How a failed attempt is retried (full-jitter exponential back-off)."""

    base_seconds: Annotated[float, Field(gt=0)] = 1.0
    """Back-off before the first retry is drawn from 0..base_seconds; it doubles per failure."""
    cap_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Longest single back-off (a server's Retry-After may ask for more, up to max_total)."""
    max_total_seconds: Annotated[float, Field(gt=0)] = 900.0
    """Longest a task keeps retrying one model, counted from its first failure; after that
    the next model of the agent's fallback chain takes over (or the task fails)."""

    @model_validator(mode="after")
    def _cap_within_total(self) -> RetryConfig:
        if self.base_seconds > self.cap_seconds:
            raise config_problem(
                ("base_seconds",), f"must not exceed cap_seconds ({self.cap_seconds:g})"
            )
        return self


class BreakerConfig(Strict):
    """A circuit breaker per ``provider/model``: after repeated failures, stop sending work."""

    failures: Annotated[int, Field(gt=0)] = 3
    """Consecutive failed attempts that open the breaker (an auth or spend-limit error opens
    it at once)."""
    cooldown_seconds: Annotated[float, Field(gt=0)] = 60.0
    """Seconds an open breaker waits before letting one trial attempt through (half-open)."""
