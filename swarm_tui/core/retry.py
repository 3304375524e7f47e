"""Back-off between attempts: full jitter, capped, and ``Retry-After`` honoured."""

from __future__ import annotations

import random

__all__ = ["backoff_seconds"]


def backoff_seconds(
    failures: int,
    *,
    retry_after: float | None = None,
    base: float = 1.0,
    cap: float = 60.0,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt ``failures + 1``; a server's Retry-After wins when longer."""
    exponent = max(0, failures - 1)
    ceiling = cap if exponent >= 64 else min(cap, base * 2**exponent)
    wait = (rng or random).uniform(0, ceiling)
    if retry_after is not None and retry_after > wait:
        return min(retry_after, 3600.0)
    return wait
