"""A goal's plan: steps with a role, a prompt, dependencies, a mode, a project, what done
means and (for a review gate) the step it scores.

The planner answers in structured output following :func:`plan_schema` (its roles an enum
of the configured agents); :func:`parse_plan` validates the reply with pydantic and lists
every problem, which go back to the planner on a retry. :func:`refusal` is the second
check: a cycle, an unknown role or a step whose worst case is over the budget refuses the
plan with the reason (no retry: the planner's answer was well formed but cannot run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from swarm_tui.config import Settings
from swarm_tui.config.goals import STEP_NAME, WorkflowConfig
from swarm_tui.core.budget import usd, worst_case
from swarm_tui.core.graph import CycleError, topo_order
from swarm_tui.core.router import split_ref

__all__ = [
    "Plan",
    "PlanStep",
    "ordered_plan_schema",
    "parse_plan",
    "plan_from_workflow",
    "plan_schema",
    "plan_worst_case",
    "refusal",
    "step_worst_case",
]

CONTEXT_BYTES = 4000
"""Results of earlier steps a step is assumed to be given, for its worst case."""
NAME_CHARS = 40
PROMPT_CHARS = 600


class PlanStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=f"^{STEP_NAME.pattern}$")]
    role: Annotated[str, Field(min_length=1)]
    prompt: Annotated[str, Field(min_length=1)]
    depends_on: list[str] = Field(default_factory=list)
    mode: Literal["single", "consensus", "review"] = "single"
    project: str | None = None
    acceptance: str = ""
    reviews: str | None = None


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    steps: Annotated[list[PlanStep], Field(min_length=1)]

    @model_validator(mode="after")
    def _references(self) -> Plan:
        names = [s.name for s in self.steps]
        problems: list[str] = []
        for i, step in enumerate(self.steps):
            if step.name in names[:i]:
                problems.append(f"steps.{i}.name: {step.name!r} is used by an earlier step")
            for dep in step.depends_on:
                if dep not in names:
                    problems.append(f"steps.{i}.depends_on: no step is named {dep!r}")
            if step.reviews is not None and step.reviews not in names:
                problems.append(f"steps.{i}.reviews: no step is named {step.reviews!r}")
            if step.reviews == step.name:
                problems.append(f"steps.{i}.reviews: a step cannot review itself")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def step(self, name: str) -> PlanStep:
        return next(s for s in self.steps if s.name == name)

    def needs(self, step: PlanStep) -> list[str]:
        """What ``step`` waits for: its dependencies and the step it reviews."""
        extra = [step.reviews] if step.reviews and step.reviews not in step.depends_on else []
        return [*step.depends_on, *extra]

    def gates(self, name: str) -> list[PlanStep]:
        """The review steps that score step ``name``."""
        return [s for s in self.steps if s.reviews == name]

    def to_json(self) -> str:
        return self.model_dump_json()


def plan_schema(roles: Sequence[str], max_steps: int) -> dict[str, object]:
    """The JSON Schema the planner answers in: roles limited to ``roles``; sizes bounded so
    a grammar-constrained small model ends its reply."""
    step: dict[str, object] = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": NAME_CHARS},
            "role": {"type": "string", "enum": list(roles)},
            "prompt": {"type": "string", "minLength": 1, "maxLength": PROMPT_CHARS},
            "depends_on": {
                "type": "array",
                "items": {"type": "string", "maxLength": NAME_CHARS},
                "maxItems": max_steps,
            },
            "mode": {"type": "string", "enum": ["single", "consensus", "review"]},
            "acceptance": {"type": "string", "maxLength": 200},
        },
        "required": ["name", "role", "prompt", "depends_on", "mode", "acceptance"],
        "additionalProperties": False,
    }
    return {
        "title": "plan",
        "type": "object",
        "properties": {
            "steps": {"type": "array", "items": step, "minItems": 1, "maxItems": max_steps}
        },
        "required": ["steps"],
        "additionalProperties": False,
    }


def ordered_plan_schema(roles: Sequence[str], max_steps: int) -> dict[str, object]:
    """:func:`plan_schema` for a grammar-constrained small model (the embedded llama.cpp
    server turns the schema into a grammar): the steps are named ``step1``, ``step2``... in
    order and may depend only on earlier ones, so every plan the grammar lets through is
    acyclic and its references resolve."""
    general = plan_schema(roles, max_steps)
    steps = general["properties"]["steps"]  # type: ignore[index]
    item: dict[str, object] = steps["items"]

    def nth(i: int) -> dict[str, object]:
        step: dict[str, Any] = json.loads(json.dumps(item))
        step["properties"]["name"] = {"const": f"step{i}"}
        earlier = [f"step{j}" for j in range(1, i)]
        deps: dict[str, object] = {"type": "array", "maxItems": len(earlier)}
        deps["items"] = {"type": "string", "enum": earlier} if earlier else {"type": "string"}
        step["properties"]["depends_on"] = deps
        return step

    tuples = [
        {"type": "array", "prefixItems": [nth(i) for i in range(1, n + 1)], "items": False}
        for n in range(1, max_steps + 1)
    ]
    general["properties"] = {"steps": {"anyOf": tuples}}
    return general


def parse_plan(text: str, max_steps: int) -> tuple[Plan | None, list[str]]:
    """The plan in a reply, or every problem with it (each a line the planner can act on)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    try:
        raw = json.loads(body)
    except ValueError as exc:
        shown = body if len(body) <= 120 else body[:120] + "..."
        return None, [f"the reply is not JSON ({exc}): {shown!r}"]
    try:
        plan = Plan.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "plan"
            problems.append(f"{where}: {err['msg']}")
        return None, problems
    if len(plan.steps) > max_steps:
        return None, [f"steps: {len(plan.steps)} steps; at most {max_steps}"]
    return plan, []


def step_worst_case(settings: Settings, step: PlanStep, max_rounds: int, context: int) -> float:
    """Most ``step`` can cost: its role's dearest model, every round, every consensus model;
    ``context`` bytes of results given to it besides its prompt."""
    agent = settings.agents.get(step.role)
    if agent is None:
        return 0.0
    dearest = 0.0
    prompt_bytes = len(step.prompt.encode()) + len(agent.system_prompt.encode()) + context
    for ref in agent.chain():
        provider, model = split_ref(ref)
        config = settings.providers[provider].models[model]
        cost = worst_case(config, prompt_bytes, 2, settings.budget.prompt_bytes_per_token)
        dearest = max(dearest, cost)
    calls = 1 if step.mode == "single" else settings.consensus.for_role(step.role).n + 1
    return dearest * calls * max_rounds


def plan_worst_case(settings: Settings, plan: Plan, max_rounds: int) -> float:
    """Most the plan can cost: every step on its role's dearest model, every round of a
    gated step (the gate's too), each given ``CONTEXT_BYTES`` of results."""
    total = 0.0
    for step in plan.steps:
        rounds = max_rounds if plan.gates(step.name) or step.reviews else 1
        total += step_worst_case(settings, step, rounds, CONTEXT_BYTES)
    return total


def refusal(
    settings: Settings, plan: Plan, max_rounds: int, task_usd: float | None = None
) -> str | None:
    """Why ``plan`` cannot run (a cycle, an unknown role, a step over budget), else None.
    ``task_usd``: the per-task limit as it is now (raised at runtime with
    ``Spending.set_limit``); None: the config's."""
    names = [s.name for s in plan.steps]
    try:
        topo_order(names, {s.name: plan.needs(s) for s in plan.steps})
    except CycleError as exc:
        return f"the plan has a {exc}"
    problems = []
    for step in plan.steps:
        if step.role not in settings.agents:
            known = ", ".join(settings.agents)
            problems.append(f"step {step.name!r}: unknown role {step.role!r} (agents: {known})")
        if step.project is not None and step.project not in settings.projects:
            problems.append(f"step {step.name!r}: unknown project {step.project!r}")
    if problems:
        return "; ".join(problems)
    limit = settings.budget.task_usd if task_usd is None else task_usd
    for step in plan.steps:
        cost = step_worst_case(settings, step, 1, CONTEXT_BYTES)
        if limit and cost > limit:
            return (
                f"step {step.name!r}: its worst case {usd(cost)} is over"
                f" [budget] task_usd {usd(limit)}"
            )
    total = plan_worst_case(settings, plan, max_rounds)
    goal_limit = settings.goals.budget_usd
    if goal_limit and total > goal_limit:
        return f"the plan's worst case {usd(total)} is over [goals] budget_usd {usd(goal_limit)}"
    return None


def plan_from_workflow(workflow: WorkflowConfig) -> Plan:
    """A template's fixed graph as a plan (validated by the config already)."""
    return Plan(
        steps=[
            PlanStep(
                name=s.name,
                role=s.role,
                prompt=s.prompt,
                depends_on=list(s.depends_on),
                mode=s.mode,
                project=s.project,
                acceptance=s.acceptance,
                reviews=s.reviews,
            )
            for s in workflow.steps
        ]
    )
