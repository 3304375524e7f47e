"""Turn an agent's model mix into a concrete provider model for each attempt.

Smooth weighted round-robin: over any window the realised split follows the weights closely,
not just on average. Before the pick, models that cannot take the attempt are skipped, each
with its reason: an open breaker or unreachable host, a provider or host at its limit, a worst
case the budget cannot cover, an Ollama model whose loading would force a swap while a loaded
one is free. The remaining weights are then shifted by the task's tags and by measured
performance (within the bounds the config sets), and an escalated attempt keeps to models
stronger than the one that failed. The reason in words goes onto the attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["Choice", "RouteInputs", "Router", "split_ref"]

Why = Callable[[str], str | None]
"""``ref -> why it cannot be used now``, or None."""


def split_ref(ref: str) -> tuple[str, str]:
    """``"provider/model"`` -> (provider, model); the model part may contain '/'."""
    provider, _, model = ref.partition("/")
    return provider, model


@dataclass(frozen=True, slots=True)
class Choice:
    provider: str
    model: str
    reason: str


@dataclass
class RouteInputs:
    """What the orchestrator knows beyond the mix; every part is optional."""

    tags: Sequence[str] = ()
    """The task's tags."""
    model_tags: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Strengths per ``provider/model``."""
    tag_boost: float = 1.0
    afford: Why | None = None
    """Budget: why the remaining budget cannot cover the model's worst case."""
    swap: Why | None = None
    """Why picking the model would force an Ollama swap (only honoured while another
    model of the mix is free)."""
    factor: Callable[[str], tuple[float, str]] | None = None
    """Performance: a weight factor (already within its bounds) and a note."""
    stronger_than: str | None = None
    """Escalation: keep to models stronger than this one, when the mix has any."""
    stronger: Callable[[str, str], bool] | None = None
    """``stronger(a, b)``: is ``a`` stronger than ``b``."""


class Router:
    def __init__(
        self,
        mixes: Mapping[str, Mapping[str, float]],
        fallbacks: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._mixes = {agent: dict(mix) for agent, mix in mixes.items()}
        self._fallbacks = {agent: list(refs) for agent, refs in (fallbacks or {}).items()}
        self._current: dict[str, dict[str, float]] = {agent: {} for agent in mixes}

    def mix(self, agent: str) -> dict[str, float]:
        return dict(self._mixes[agent])

    def choose(
        self,
        agent: str,
        *,
        blocked: Callable[[str], str | None],
        pin: str | None = None,
        model_blocked: Why | None = None,
        pin_reason: str = "pinned by reassign",
        inputs: RouteInputs | None = None,
    ) -> Choice | None:
        """Pick a model for ``agent``. ``blocked(provider)`` returns why a provider cannot
        take work now, or None; ``model_blocked(ref)`` the same for one ``provider/model``
        (an open circuit breaker). A ``pin`` (reassign, fallback) wins when it is free."""
        inp = inputs or RouteInputs()

        def why_not(ref: str) -> str | None:
            why = blocked(split_ref(ref)[0])
            if why is None and model_blocked is not None:
                why = model_blocked(ref)
            if why is None and inp.afford is not None:
                why = inp.afford(ref)
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
            return self._fallback(agent, mix, why_not, skipped)
        notes: list[str] = []
        open_refs = self._avoid_swaps(open_refs, inp, skipped)
        open_refs = self._escalate(open_refs, inp, notes)
        weights = self._shift(open_refs, inp)
        current = self._current[agent]
        open_total = sum(w for w, _ in weights.values())
        for ref, (weight, _) in weights.items():
            current[ref] = current.get(ref, 0.0) + weight
        pick = max(weights, key=lambda r: current[r])
        current[pick] -= open_total
        share = mix[pick] / total
        parts = [f"{pick}: weight {mix[pick]:g} ({share:.0%} of the mix)"]
        parts.extend(weights[pick][1])
        parts.extend(notes)
        parts.extend(skipped)
        provider, model = split_ref(pick)
        return Choice(provider, model, "; ".join(parts))

    def _fallback(
        self, agent: str, mix: Mapping[str, float], why_not: Why, skipped: list[str]
    ) -> Choice | None:
        for ref in self._fallbacks.get(agent, []):
            if ref not in mix and why_not(ref) is None:
                provider, model = split_ref(ref)
                why = "; ".join(skipped)
                return Choice(
                    provider, model, f"{ref}: fallback, no model of the mix is free ({why})"
                )
        return None

    @staticmethod
    def _avoid_swaps(
        refs: dict[str, float], inp: RouteInputs, skipped: list[str]
    ) -> dict[str, float]:
        if inp.swap is None:
            return refs
        swaps = {ref: why for ref in refs if (why := inp.swap(ref)) is not None}
        if not swaps or len(swaps) == len(refs):
            return refs
        skipped.extend(f"{ref} {why}" for ref, why in swaps.items())
        return {ref: w for ref, w in refs.items() if ref not in swaps}

    @staticmethod
    def _escalate(refs: dict[str, float], inp: RouteInputs, notes: list[str]) -> dict[str, float]:
        base, stronger = inp.stronger_than, inp.stronger
        if base is None or stronger is None:
            return refs
        up = {ref: w for ref, w in refs.items() if ref != base and stronger(ref, base)}
        if not up:
            notes.append(f"no model stronger than {base} is free")
            return refs
        notes.append(f"escalated from {base}")
        return up

    @staticmethod
    def _shift(refs: dict[str, float], inp: RouteInputs) -> dict[str, tuple[float, list[str]]]:
        """Each open model's weight after tags and performance, with the notes saying why."""
        out: dict[str, tuple[float, list[str]]] = {}
        wanted = set(inp.tags)
        for ref, weight in refs.items():
            notes: list[str] = []
            matched = sorted(wanted & set(inp.model_tags.get(ref, ())))
            if matched and inp.tag_boost != 1.0:
                weight *= inp.tag_boost
                notes.append(f"x{inp.tag_boost:g} for tag {', '.join(matched)}")
            if inp.factor is not None:
                factor, note = inp.factor(ref)
                if factor != 1.0:
                    weight *= factor
                    notes.append(note)
            out[ref] = (weight, notes)
        return out
