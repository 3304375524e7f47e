"""Evals of live work: shadow samples against the ``[budget] baseline`` model."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from swarm_tui.config.base import Strict

__all__ = ["EvalConfig"]


class EvalConfig(Strict):
    """Shadow samples: a share of real tasks also goes to the baseline model, and a blind
    judge (the baseline model, answers in both orders) compares the two answers. ``report``
    then states the saving beside the quality measured this way."""

    shadow_rate: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Share of succeeded tasks (0..1) sampled, e.g. 0.05; 0 turns shadow samples off.
    Needs ``[budget] baseline``. The draw is by task id, so every process agrees on it."""
    shadow_budget_usd: Annotated[float, Field(ge=0)] = 0.0
    """The samples' own budget cap in USD (baseline answers and judging together); no sample
    is taken once its worst case would pass it. 0 with a rate set: no samples."""
    shadow_min_chars: Annotated[int, Field(ge=0)] = 0
    """Tasks whose answer is shorter than this are not sampled (nothing to compare)."""
    cascade_confidence: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Evals: a ``cascade:A>B`` without ``@T`` asks each stage but the last for its answer
    with a confidence 0..1 (structured output) and escalates below this; 0 (a threshold no
    answer is under): off, a cascade escalates on a failed check (or a low rubric score)."""
