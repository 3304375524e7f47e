"""Routing settings: tags per model, host limits, performance bounds, swaps, escalation."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from swarm_tui.config.base import Strict
from swarm_tui.config.errors import config_problem

__all__ = ["RoutingConfig"]


class RoutingConfig(Strict):
    """How routing weighs tags, load, GPU memory and measured performance."""

    model_tags: dict[str, list[str]] = Field(default_factory=dict)
    """Strengths per ``"provider/model"``; a task carrying one of them prefers those models
    (their weight is multiplied by ``tag_boost``)."""
    tag_boost: Annotated[float, Field(ge=1)] = 4.0
    """Weight multiplier for a model (or the agent itself) carrying one of the task's tags."""
    host_limits: dict[str, Annotated[int, Field(gt=0)]] = Field(default_factory=dict)
    """Requests in flight at once per host (``host:port`` of a provider's base_url), across
    every provider on it, e.g. two Ollama providers on one GPU box."""
    swap_pressure: Annotated[float, Field(ge=0, le=1)] = 0.7
    """VRAM use (0..1) above which an Ollama model that is not loaded is skipped while a
    loaded one of the mix is free (loading it would force a swap)."""
    performance_window: Annotated[int, Field(gt=0)] = 20
    """Attempts per model behind its rolling success rate, latency and quality."""
    performance_min_samples: Annotated[int, Field(gt=0)] = 5
    """Attempts a model needs before its performance shifts its weight."""
    performance_min: Annotated[float, Field(gt=0, le=1)] = 0.5
    """Lowest factor performance may apply to a model's weight (1 turns shifting down off)."""
    performance_max: Annotated[float, Field(ge=1)] = 1.5
    """Highest factor performance may apply to a model's weight (1 turns shifting up off)."""
    escalate_on_failure: bool = False
    """A task retried after a failure runs on a stronger model of its agent's mix (when there
    is one); a rejected task (votes, reviews) always may."""
    strength_order: list[str] = Field(default_factory=list)
    """``"provider/model"`` references, weakest first, that define "stronger" for
    escalation. Models not listed rank by output price (then input price)."""

    @model_validator(mode="after")
    def _bounds(self) -> RoutingConfig:
        if self.performance_min_samples > self.performance_window:
            raise config_problem(
                ("performance_min_samples",),
                f"must not exceed performance_window ({self.performance_window})",
            )
        return self
