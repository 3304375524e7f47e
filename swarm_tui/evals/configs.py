"""What an eval compares: configurations named on the command line (``--against``).

- ``provider/model``: one model, in the case's role (its system prompt), no fallbacks;
- ``ROLE``: a configured agent's model mix, as routing picks from it;
- ``consensus:ROLE``: ROLE's tasks in consensus mode (the ``[consensus]`` settings);
- ``cascade:REF>REF[>REF...]``: the first (cheap) model answers; a case whose check fails
  (or whose rubric score is below the cascade threshold) is escalated to the next;
- ``cascade:REF>REF@0.7`` (or ``[eval] cascade_confidence``): every stage but the last is
  asked for structured output, its answer with a confidence 0..1, and a case is escalated
  exactly when the confidence the model reports is below 0.7 (what a live cascade can know:
  the check is not consulted to escalate, only to score the answer kept).

Every configuration runs as ordinary tasks of agents the eval adds to the settings it runs
with: ``ROLE@provider/model`` is ROLE with a mix of that one model and no fallbacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from swarm_tui.config import Settings
from swarm_tui.domain.models import TaskMode
from swarm_tui.evals.cases import EvalSetError

__all__ = ["Configuration", "Stage", "eval_settings", "parse_configurations", "pinned_agent"]

Kind = Literal["model", "mix", "consensus", "cascade"]


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of a configuration: a model (``ref``) or an agent's mix (``agent``)."""

    ref: str | None = None
    agent: str | None = None
    mode: TaskMode = TaskMode.SINGLE


@dataclass(frozen=True, slots=True)
class Configuration:
    name: str
    kind: Kind
    stages: tuple[Stage, ...]
    confidence: float | None = None
    """A cascade that escalates on the confidence its models report below this (0..1)."""

    def agent(self, stage: Stage, role: str) -> str:
        """The agent that runs ``stage`` of a case in ``role``."""
        return stage.agent if stage.agent is not None else pinned_agent(role, stage.ref or "")


def pinned_agent(role: str, ref: str) -> str:
    return f"{role}@{ref}"


def _model(settings: Settings, ref: str, name: str) -> str:
    provider, _, model = ref.partition("/")
    config = settings.providers.get(provider)
    if config is None or not model:
        known = ", ".join(settings.providers) or "none"
        raise EvalSetError(
            f"--against {name}: {ref!r} is not provider/model of a configured provider"
            f" (providers: {known})"
        )
    if model not in config.models:
        raise EvalSetError(
            f"--against {name}: provider {provider!r} has no model {model!r}"
            f" (models: {', '.join(config.models) or 'none'})"
        )
    return ref


def _role(settings: Settings, role: str, name: str) -> str:
    if role not in settings.agents:
        raise EvalSetError(
            f"--against {name}: unknown role {role!r} (agents: {', '.join(settings.agents)})"
        )
    return role


def _threshold(name: str, default: float | None) -> tuple[str, float | None]:
    """A cascade's models and its confidence threshold (``@0.7`` after the last model, else
    ``default``)."""
    body = name.removeprefix("cascade:")
    head, at, tail = body.rpartition("@")
    if not at or not tail or tail.strip("0123456789.") or "/" in tail:
        return body, default  # no threshold (or a model name with an @)
    try:
        threshold = float(tail)
    except ValueError:
        threshold = -1.0
    if not 0 <= threshold <= 1:
        raise EvalSetError(
            f"--against {name}: @{tail}: expected a confidence threshold from 0 to 1"
            " (cascade:A>B@0.7)"
        )
    return head, threshold


def parse_configuration(settings: Settings, text: str) -> Configuration:
    name = text.strip()
    if not name:
        raise EvalSetError("--against: an empty configuration name")
    if name.startswith("consensus:"):
        role = _role(settings, name.removeprefix("consensus:"), name)
        return Configuration(name, "consensus", (Stage(agent=role, mode=TaskMode.CONSENSUS),))
    if name.startswith("cascade:"):
        body, threshold = _threshold(name, settings.eval.cascade_confidence or None)
        refs = [r.strip() for r in body.split(">")]
        if len(refs) < 2:
            raise EvalSetError(f"--against {name}: a cascade needs two models or more: A>B")
        return Configuration(
            name, "cascade", tuple(Stage(ref=_model(settings, r, name)) for r in refs),
            threshold,
        )  # fmt: skip
    if name in settings.agents:
        return Configuration(name, "mix", (Stage(agent=name),))
    if "/" in name:
        return Configuration(name, "model", (Stage(ref=_model(settings, name, name)),))
    raise EvalSetError(
        f"--against {name}: not a provider/model, a role ({', '.join(settings.agents)}),"
        " consensus:ROLE or cascade:A>B"
    )


def parse_configurations(settings: Settings, text: Sequence[str]) -> list[Configuration]:
    """Configurations from ``--against A,B,...`` (each item may itself hold commas)."""
    names = [n for item in text for n in item.split(",") if n.strip()]
    if not names:
        raise EvalSetError("--against: name at least one configuration")
    if len(set(names)) != len(names):
        raise EvalSetError("--against: a configuration is named twice")
    return [parse_configuration(settings, n) for n in names]


def eval_settings(
    settings: Settings, configs: Iterable[Configuration], roles: Iterable[str],
    judge: str | None = None,
) -> Settings:  # fmt: skip
    """``settings`` with the agents the configurations (and the judge) run as: for every
    model stage and case role, ``ROLE@provider/model``, ROLE's settings with that one model."""
    agents = dict(settings.agents)
    wanted = {(role, s.ref) for c in configs for s in c.stages if s.ref for role in roles}
    if judge is not None:
        wanted.add((settings.default_agent, judge))
    for role, ref in sorted(wanted):
        agents[pinned_agent(role, ref)] = settings.agents[role].model_copy(
            update={"mix": {ref: 1.0}, "fallback": []}
        )
    return settings.model_copy(update={"agents": agents})
