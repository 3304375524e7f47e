"""Budgets in USD: per run, per day (UTC), per agent (role) and per task.

Before an attempt starts its worst case (``max_tokens`` x output price + an upper bound of
the prompt x the highest input rate) is *reserved*; when the attempt ends the reservation is
released and what it really cost is read back from the ledger (settled). A new attempt is
admitted only when, in every scope, settled + reserved + its worst case stays within the
limit, so the limit holds with any number of attempts in flight, retries and fallbacks
included (each of those is an attempt with its own reservation). The one assumption: a
backend does not bill more than the worst case (it honours ``max_tokens``).

This in-memory view routes (which model fits?) without a round trip; the exact check is the
ledger's (``store/holds.py``): each claim carries its hold, which the claiming transaction
admits against settled spend and every live hold of every process and host. ``day`` and
``task:ID`` are swarm-wide (every run, every host); ``run`` and ``role:NAME`` are this run's.
The holds other runs keep are read back with the settled spend (``Spent.held_elsewhere``) and
counted in the ``day`` line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from swarm_tui.config import BudgetConfig, ModelConfig
from swarm_tui.domain.budget_words import MARGIN, scope_label, usd, why_not_text
from swarm_tui.store.spend import Spent

__all__ = ["MARGIN", "Budget", "Hold", "Line", "usd", "worst_case"]

_MTOK = 1_000_000
PER_MESSAGE_TOKENS = 8
"""Template tokens around each chat message (role markers), added to the prompt bound."""


def worst_case(
    model: ModelConfig, prompt_bytes: int, messages: int, bytes_per_token: float
) -> float:
    """Most one call on ``model`` can cost: every reply token and every prompt token at the
    dearest input rate (cache writes can cost more than plain input)."""
    prompt = math.ceil(prompt_bytes / bytes_per_token) + PER_MESSAGE_TOKENS * messages
    rates = [model.input_per_mtok, model.cached_per_mtok]
    if "cache_write_per_mtok" in model.model_fields_set:
        rates.append(model.cache_write_per_mtok)
    return (prompt * max(rates) + model.max_tokens * model.output_per_mtok) / _MTOK


@dataclass(frozen=True, slots=True)
class Hold:
    """One reservation: an attempt about to start or running."""

    agent: str
    task_id: int
    amount: float


@dataclass(frozen=True, slots=True)
class Line:
    """One scope's figures: ``run``, ``day``, ``role:NAME`` or ``task:ID``."""

    scope: str
    spent: float
    reserved: float
    limit: float

    @property
    def percent(self) -> float:
        return 100.0 * self.spent / self.limit if self.limit else 0.0

    @property
    def label(self) -> str:
        return scope_label(self.scope)


class Budget:
    def __init__(self, config: BudgetConfig) -> None:
        self.config = config
        self.spent = Spent()
        self._holds: dict[object, Hold] = {}

    # ------------------------------------------------------------------ scopes
    def lines(self, agent: str | None = None, task: tuple[int, float] | None = None) -> list[Line]:
        """Scopes with a limit that apply to ``agent`` / ``task`` (id, settled spend); with
        neither: run, day and every limited agent."""
        c, holds = self.config, list(self._holds.values())
        every = sum(h.amount for h in holds)
        out: list[Line] = []
        if c.run_usd:
            out.append(Line("run", self.spent.run, every, c.run_usd))
        if c.daily_usd:  # swarm-wide: every other run's holds count too
            out.append(Line("day", self.spent.day, every + self.spent.held_elsewhere, c.daily_usd))
        agents = [agent] if agent is not None else list(c.role_usd)
        for name in agents:
            if c.role_usd.get(name):
                held = sum(h.amount for h in holds if h.agent == name)
                out.append(
                    Line(f"role:{name}", self.spent.by_agent.get(name, 0.0), held, c.role_usd[name])
                )
        if task is not None and c.task_usd:
            held = sum(h.amount for h in holds if h.task_id == task[0])
            out.append(Line(f"task:{task[0]}", task[1], held, c.task_usd))
        return out

    def why_not(self, agent: str, task: tuple[int, float], amount: float) -> str | None:
        """Why a worst case of ``amount`` cannot be admitted now (None: it can)."""
        for line in self.lines(agent, task):
            left = line.limit - MARGIN - line.spent - line.reserved
            if amount > left:
                return why_not_text(line.scope, amount, left)
        return None

    def limits(self, agent: str, task_id: int) -> dict[str, float]:
        """The limits a hold of ``agent`` for task ``task_id`` must fit in the ledger (scope ->
        USD, in the order :meth:`lines` checks them; the limits as raised at runtime)."""
        c = self.config
        scopes = {
            "run": c.run_usd,
            "day": c.daily_usd,
            f"role:{agent}": c.role_usd.get(agent, 0.0),
            f"task:{task_id}": c.task_usd,
        }
        return {scope: limit for scope, limit in scopes.items() if limit}

    # ------------------------------------------------------------------ holds
    def reserve(self, key: object, agent: str, task_id: int, amount: float) -> None:
        self._holds[key] = Hold(agent, task_id, amount)

    def rekey(self, old: object, new: object) -> None:
        if old in self._holds:
            self._holds[new] = self._holds.pop(old)

    def release(self, key: object) -> Hold | None:
        return self._holds.pop(key, None)

    @property
    def reserved(self) -> float:
        return sum(h.amount for h in self._holds.values())

    def holding(self) -> bool:
        return bool(self._holds)
