"""Turn an agent's model mix into a concrete provider model for each attempt.

Smooth weighted round-robin: over any window the realised split follows the weights closely,
not just on average. A model whose provider cannot take work now (at its limit, unhealthy)
is skipped for this pick, and the reason says so. Routing by tags, health history, budget
and measured performance grows here (see the routing issue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

__all__ = ["Choice", "Router", "split_ref"]


def split_ref(ref: str) -> tuple[str, str]:
    """``"provider/model"`` -> (provider, model); the model part may contain '/'."""
    provider, _, model = ref.partition("/")
    return provider, model


@dataclass(frozen=True, slots=True)
class Choice:
    provider: str
    model: str
    reason: str


class Router:
    def __init__(
        self,
        mixes: Mapping[str, Mapping[str, float]],
        fallbacks: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._mixes = {agent: dict(mix) for agent, mix in mixes.items()}
        self._fallbacks = {agent: list(refs) for agent, refs in (fallbacks or {}).items()}
        self._current: dict[str, dict[str, float]] = {agent: {} for agent in mixes}

    def choose(
        self,
        agent: str,
        *,
        blocked: Callable[[str], str | None],
        pin: str | None = None,
        model_blocked: Callable[[str], str | None] | None = None,
        pin_reason: str = "pinned by reassign",
    ) -> Choice | None:
        """Pick a model for ``agent``. ``blocked(provider)`` returns why a provider cannot
        take work now, or None; ``model_blocked(ref)`` the same for one ``provider/model``
        (an open circuit breaker). A ``pin`` (reassign, fallback) wins when it is free."""

        def why_not(ref: str) -> str | None:
            why = blocked(split_ref(ref)[0])
            if why is None and model_blocked is not None:
                why = model_blocked(ref)
            return why

        if pin is not None:
            provider, model = split_ref(pin)
            if why_not(pin) is not None:
                return None
            return Choice(provider, model, f"{pin}: {pin_reason}")
        mix = self._mixes[agent]
        total = sum(mix.values())
        open_refs: dict[str, float] = {}
        skipped: list[str] = []
        for ref, weight in mix.items():
            why = why_not(ref)
            if why is None:
                open_refs[ref] = weight
            else:
                skipped.append(f"{ref} {why}")
        if not open_refs:
            for ref in self._fallbacks.get(agent, []):
                if ref not in mix and why_not(ref) is None:
                    provider, model = split_ref(ref)
                    why = "; ".join(skipped)
                    return Choice(
                        provider, model, f"{ref}: fallback, no model of the mix is free ({why})"
                    )
            return None
        current = self._current[agent]
        open_total = sum(open_refs.values())
        for ref, weight in open_refs.items():
            current[ref] = current.get(ref, 0.0) + weight
        pick = max(open_refs, key=lambda r: current[r])
        current[pick] -= open_total
        share = mix[pick] / total
        parts = [f"{pick}: weight {mix[pick]:g} ({share:.0%} of the mix)"]
        parts.extend(skipped)
        provider, model = split_ref(pick)
        return Choice(provider, model, "; ".join(parts))
