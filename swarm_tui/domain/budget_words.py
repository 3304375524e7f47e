"""How budgets are put in words, shared by the orchestrator's in-memory check
(``core/budget.py``) and the ledger's exact one (``store/holds.py``): the same amounts, the
same labels, the same why-not text wherever an attempt is refused."""

from __future__ import annotations

__all__ = ["MARGIN", "scope_label", "usd", "why_not_text"]

MARGIN = 1e-9
"""USD kept unspent in every scope so float rounding never lets a sum pass a limit."""


def usd(amount: float) -> str:
    """``$12.50``, ``$0.0042``: cents for dollars, more digits for fractions of a cent."""
    return f"${amount:.2f}" if abs(amount) >= 1 else f"${amount:.4f}"


def scope_label(scope: str) -> str:
    """``run``, ``daily``, ``coder's``, ``task #7's`` for ``run``, ``day``, ``role:coder``,
    ``task:7``."""
    kind, _, name = scope.partition(":")
    return {"run": "run", "day": "daily", "role": f"{name}'s", "task": f"task #{name}'s"}[kind]


def why_not_text(scope: str, amount: float, left: float) -> str:
    """``worst case $X > daily budget left $Y``."""
    return f"worst case {usd(amount)} > {scope_label(scope)} budget left {usd(max(left, 0))}"
