"""Turn an agent's model mix into a concrete provider model for each attempt.

Smooth weighted round-robin: over any window the realised split follows the weights closely,
not just on average. A model whose provider cannot take work now (at its limit, unhealthy)
is skipped for this pick, and the reason says so. Routing by tags, health history, budget
and measured performance grows here (see the routing issue).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    def __init__(self, mixes: Mapping[str, Mapping[str, float]]) -> None:
        self._mixes = {agent: dict(mix) for agent, mix in mixes.items()}
        self._current: dict[str, dict[str, float]] = {agent: {} for agent in mixes}

    def choose(
        self,
        agent: str,
        *,
        blocked: Callable[[str], str | None],
        pin: str | None = None,
    ) -> Choice | None:
        """Pick a model for ``agent``. ``blocked(provider)`` returns why a provider cannot
        take work now, or None. A ``pin`` (reassign) wins when its provider is free."""
        if pin is not None:
            provider, model = split_ref(pin)
            why = blocked(provider)
            if why is not None:
                return None
            return Choice(provider, model, f"{pin}: pinned by reassign")
        mix = self._mixes[agent]
        total = sum(mix.values())
        open_refs: dict[str, float] = {}
        skipped: list[str] = []
        for ref, weight in mix.items():
            why = blocked(split_ref(ref)[0])
            if why is None:
                open_refs[ref] = weight
            else:
                skipped.append(f"{ref} {why}")
        if not open_refs:
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
