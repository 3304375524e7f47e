"""Circuit breakers, one per ``provider/model``.

Closed: work flows; consecutive failures are counted. After ``failures`` of them (or at once
for a failure that cannot heal by itself: a bad key, a spent budget, a missing model) the
breaker opens and routing skips the model. After ``cooldown_seconds`` it goes half-open and
lets exactly one trial attempt through: success closes it, failure opens it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from swarm_tui.config import BreakerConfig
from swarm_tui.domain.events import BreakerChanged

__all__ = ["CLOSED", "HALF_OPEN", "OPEN", "Breaker", "BreakerBoard"]

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass
class Breaker:
    state: str = CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_running: bool = False
    last_error: str = ""


class BreakerBoard:
    """All breakers; ``on_change`` hears every state change (to publish and journal it)."""

    def __init__(
        self,
        config: BreakerConfig,
        *,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[BreakerChanged], None] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.on_change = on_change
        self._breakers: dict[str, Breaker] = {}

    def get(self, ref: str) -> Breaker:
        return self._breakers.setdefault(ref, Breaker())

    def state(self, ref: str) -> str:
        return self.get(ref).state

    def _move(self, ref: str, breaker: Breaker, state: str, reason: str) -> None:
        breaker.state = state
        if self.on_change is not None:
            self.on_change(BreakerChanged(ref, state, reason))

    def blocked(self, ref: str) -> str | None:
        """Why routing must skip ``ref`` now, or None. An open breaker whose cooldown passed
        goes half-open here and admits one trial."""
        b = self.get(ref)
        if b.state == OPEN:
            left = b.opened_at + self.config.cooldown_seconds - self.clock()
            if left > 0:
                return f"breaker open ({b.last_error}; half-open in {left:.0f}s)"
            self._move(ref, b, HALF_OPEN, f"cooldown of {self.config.cooldown_seconds:g}s passed")
        if b.state == HALF_OPEN and b.trial_running:
            return "breaker half-open: a trial attempt is running"
        return None

    def dispatched(self, ref: str) -> None:
        """An attempt on ``ref`` started (the half-open trial, if half-open)."""
        b = self.get(ref)
        if b.state == HALF_OPEN:
            b.trial_running = True

    def released(self, ref: str) -> None:
        """An attempt on ``ref`` ended without telling anything about its health (stopped)."""
        self.get(ref).trial_running = False

    def success(self, ref: str) -> None:
        b = self.get(ref)
        b.failures = 0
        b.trial_running = False
        if b.state != CLOSED:
            self._move(ref, b, CLOSED, "a trial attempt succeeded")

    def failure(self, ref: str, error: str, *, trip: bool = False) -> None:
        """Count a failure; ``trip`` opens the breaker at once (a failure that will not heal)."""
        b = self.get(ref)
        b.failures += 1
        b.trial_running = False
        b.last_error = error
        if b.state == HALF_OPEN:
            why = f"the half-open trial failed: {error}"
        elif trip and b.state == CLOSED:
            why = f"a failure that will not heal by itself: {error}"
        elif b.state == CLOSED and b.failures >= self.config.failures:
            why = f"{b.failures} failures in a row, the last: {error}"
        else:
            if b.state == OPEN:
                b.opened_at = self.clock()
            return
        b.opened_at = self.clock()
        self._move(ref, b, OPEN, why)
