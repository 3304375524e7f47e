"""What happens after a failed attempt: retry the model, fall back, or give up.

- A retryable failure (rate limit, 5xx, 529, timeout, reset, cut stream) is retried after a
  full-jitter back-off (at least the server's Retry-After), as long as the model's breaker
  is closed and the task has not been retrying that model for longer than
  ``retry.max_total_seconds``.
- Otherwise (a final failure: bad key, spend limit, bad request; an open breaker; the time
  cap; the model has used its ``max_attempts`` on this task) the task moves to the next
  model of the agent's fallback chain that is not open, not failed for good on this task and
  not out of attempts, with no wait. Each model of the chain has its own attempt budget, so a
  fallback the user listed is always reached before the task fails.
- With no such model a retryable failure on a model with attempts left still waits and
  retries (routing skips open breakers until they half-open); otherwise the task fails.

The note for the next attempt (why it runs where it runs) goes into its routing reason.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from swarm_tui.config import AgentConfig, RetryConfig
from swarm_tui.core.breaker import OPEN, BreakerBoard
from swarm_tui.core.retry import Verdict, backoff_seconds

__all__ = ["Decision", "Resilience"]


@dataclass(frozen=True, slots=True)
class Decision:
    again: bool
    """The task goes back to the queue (False: it fails)."""
    wait: float = 0.0
    pin: str | None = None
    """The fallback model the next attempt must use."""
    note: str = ""
    """Why: for the event, the task's state change and the next attempt's routing reason."""


class Resilience:
    def __init__(
        self,
        retry: RetryConfig,
        breakers: BreakerBoard,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.retry = retry
        self.breakers = breakers
        self.clock = clock
        self.rng = rng or random.Random()
        self._first_failure: dict[tuple[int, str], float] = {}
        self._streak: dict[tuple[int, str], int] = {}
        self._dead: dict[int, set[str]] = {}
        self._notes: dict[int, str] = {}

    def note(self, task_id: int) -> str | None:
        """Why the task's next attempt runs (set by the last decision), if any."""
        return self._notes.get(task_id)

    def dispatched(self, task_id: int) -> None:
        self._notes.pop(task_id, None)

    def succeeded(self, task_id: int, ref: str) -> None:
        self.breakers.success(ref)
        self.forget(task_id)

    def forget(self, task_id: int) -> None:
        for key in [k for k in self._first_failure if k[0] == task_id]:
            self._first_failure.pop(key, None)
            self._streak.pop(key, None)
        self._dead.pop(task_id, None)
        self._notes.pop(task_id, None)

    def after_failure(
        self,
        task_id: int,
        agent: AgentConfig,
        ref: str,
        verdict: Verdict,
        *,
        retry_after: float | None,
        spent: Collection[str] = (),
    ) -> Decision:
        """Decide after ``ref`` failed on ``task_id``. ``spent``: the models that have used
        their attempt budget on this task (``ref`` among them when this failure used its
        last attempt)."""
        now = self.clock()
        if verdict.counts or verdict.trips:
            self.breakers.failure(ref, verdict.label, trip=verdict.trips)
        key = (task_id, ref)
        first = self._first_failure.setdefault(key, now)
        streak = self._streak[key] = self._streak.get(key, 0) + 1
        if not verdict.retryable:
            self._dead.setdefault(task_id, set()).add(ref)
        attempts_left = ref not in spent
        wait = backoff_seconds(
            streak,
            retry_after=retry_after,
            base=self.retry.base_seconds,
            cap=self.retry.cap_seconds,
            rng=self.rng,
        )
        over_time = now - first + wait > self.retry.max_total_seconds
        is_open = self.breakers.state(ref) == OPEN
        if verdict.retryable and attempts_left and not is_open and not over_time:
            note = f"retry {streak + 1} after {ref} {verdict.label} (back-off {wait:.1f}s)"
            return self._set(task_id, Decision(True, wait, None, note))
        why = (
            verdict.label
            if not verdict.retryable
            else "its breaker is open"
            if is_open
            else "it used its attempts"
            if not attempts_left
            else f"retrying it would pass {self.retry.max_total_seconds:g}s"
        )
        target = self._next(task_id, agent, ref, spent)
        if target is not None:
            note = f"fallback from {ref} ({why}) to {target}"
            return self._set(task_id, Decision(True, 0.0, target, note))
        if verdict.retryable and attempts_left:
            note = f"retry after {ref} {verdict.label}; no fallback free (back-off {wait:.1f}s)"
            return self._set(task_id, Decision(True, wait, None, note))
        self.forget(task_id)
        if not attempts_left:
            why = "no attempts left on it, no other model of the chain free"
            return Decision(False, note=f"{ref} {verdict.label}; {why}")
        return Decision(False, note=f"{ref} {verdict.label}; no fallback left")

    def _set(self, task_id: int, decision: Decision) -> Decision:
        self._notes[task_id] = decision.note
        return decision

    def _next(
        self, task_id: int, agent: AgentConfig, failed: str, spent: Collection[str]
    ) -> str | None:
        dead = self._dead.get(task_id, set()) | set(spent)
        chain = agent.chain()
        start = chain.index(failed) + 1 if failed in chain else 0
        for ref in chain[start:] + chain[:start]:
            if ref == failed or ref in dead:
                continue
            if self.breakers.state(ref) != OPEN:
                return ref
        return None
