"""The one retry layer's arithmetic: classify a failure, and how long to back off.

Back-off is full jitter (uniform in 0..min(cap, base * 2^n)), never shorter than the
server's ``Retry-After``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from swarm_tui.providers.base import ProviderError

__all__ = ["Verdict", "backoff_seconds", "classify"]

_TRIPS = frozenset({"auth", "spend_limit", "not_found"})
_LABELS = {
    "rate_limit": "rate limited",
    "overloaded": "overloaded",
    "server": "server error",
    "timeout": "timed out",
    "network": "connection failed",
    "cut": "stream cut",
    "malformed": "malformed reply",
    "auth": "auth failed",
    "spend_limit": "spend limit reached",
    "bad_request": "bad request",
    "not_found": "model not found",
    "cli": "agent CLI failed",
    "internal": "internal error",
    "tool": "tool trouble",
}
_NOT_THE_MODEL = frozenset({"bad_request", "tool"})
"""Failures that say nothing about the model's health: never counted against its breaker."""


@dataclass(frozen=True, slots=True)
class Verdict:
    retryable: bool
    """Another try on the same model may succeed."""
    trips: bool
    """The model will not heal by itself: open its breaker at once."""
    counts: bool
    """Counts toward the breaker (a bad request is the caller's fault, tool trouble the
    tool's: neither is the model's)."""
    label: str
    """Short words for the ledger and the screen: "rate limited", "auth failed"..."""


def classify(error: ProviderError | None) -> Verdict:
    """What a failure means for retries, breakers and fallbacks. None = an internal error."""
    if error is None:
        return Verdict(False, False, True, _LABELS["internal"])
    kind = error.kind or ("server" if error.retryable else "bad_request")
    status = f" (HTTP {error.status})" if error.status else ""
    label = _LABELS.get(kind, kind) + status
    if kind in _TRIPS:
        return Verdict(False, True, True, label)
    if not error.retryable:
        return Verdict(False, False, kind not in _NOT_THE_MODEL, label)
    return Verdict(True, False, kind not in _NOT_THE_MODEL, label)


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
