"""Goals (``[goals]``) and workflow templates (``[workflows.NAME]``).

A goal is planned by the ``planner`` agent into steps (or follows a template's fixed graph),
run, gated by review steps that score 1-10 against ``pass_mark``, and brought together by a
synthesis step. A template's prompts may say ``{goal}`` (the request) and ``{result:STEP}``
(a dependency's result). What can be checked without the agents (names, dependencies,
cycles, placeholders) is checked here; the roles are checked by the settings root.
"""

from __future__ import annotations

import graphlib
import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from swarm_tui.config.base import Strict
from swarm_tui.config.errors import Loc, config_problems

__all__ = ["STEP_NAME", "GoalsConfig", "StepTemplate", "WorkflowConfig", "placeholders"]

STEP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")
_PLACEHOLDER = re.compile(r"\{result:([^{}]*)\}")


def placeholders(prompt: str) -> list[str]:
    """The steps a prompt's ``{result:STEP}`` placeholders name, in order."""
    return _PLACEHOLDER.findall(prompt)


class GoalsConfig(Strict):
    """How goals are planned, gated and approved."""

    planner: str | None = None
    """Agent that writes the plan (structured output) and, unless ``synthesizer`` is set,
    the goal's final answer. Default: an agent named ``project-manager``, else the default
    agent."""
    synthesizer: str | None = None
    """Agent that writes the goal's answer from every step's result. Default: the planner."""
    auto_approve: bool = False
    """Run a valid plan at once. Off: a plan waits for ``swarm-tui goal approve ID`` (or
    ``--approve-plan`` on the command that starts the goal)."""
    pass_mark: Annotated[int, Field(ge=1, le=10)] = 8
    """Lowest review score (1-10) a gated step passes with."""
    max_rounds: Annotated[int, Field(ge=1, le=10)] = 2
    """Times a gated step may run (the first and the ones the review sent back) before the
    goal goes to you."""
    plan_retries: Annotated[int, Field(ge=0, le=10)] = 2
    """Times an invalid plan is asked for again, with the validation errors, before it goes
    to you."""
    max_steps: Annotated[int, Field(ge=1, le=50)] = 8
    """Most steps a plan may have."""
    budget_usd: Annotated[float, Field(ge=0)] = 0.0
    """Worst-case cost a plan may reach (every step on its role's dearest model, every
    review round): a plan over it is refused. 0: no limit (``[budget] task_usd`` still bounds
    each step)."""
    poll_seconds: Annotated[float, Field(gt=0)] = 1.0
    """How often a goal's progress is read when no event says so (other processes)."""


class StepTemplate(Strict):
    """One step of a workflow template."""

    name: Annotated[str, Field(pattern=STEP_NAME.pattern)]
    """The step's name, used by ``depends_on``, ``reviews`` and ``{result:NAME}``."""
    role: Annotated[str, Field(min_length=1)]
    """The agent that runs it."""
    prompt: Annotated[str, Field(min_length=1)] = "{goal}"
    """What the agent is asked; ``{goal}`` is the request, ``{result:STEP}`` a step's result.
    Without placeholders the results of its dependencies are given before it."""
    depends_on: list[str] = Field(default_factory=list)
    """Steps that must be done (and passed their review) first."""
    mode: Literal["single", "consensus", "review"] = "single"
    """How the task runs: one model, several that agree ([consensus]), or one that answers
    and others that score it."""
    project: str | None = None
    """The ``[projects.NAME]`` a code-changing step works on."""
    acceptance: str = ""
    """What done means for this step (given to the agent and to its review)."""
    reviews: str | None = None
    """This step is a review gate: it scores that step 1-10 with reasons; below the pass
    mark the step is sent back with the review."""


class WorkflowConfig(Strict):
    """A fixed graph of steps: ``swarm-tui goal --workflow NAME "..."`` skips the planner."""

    description: str = ""
    """What the workflow is for (shown by ``swarm-tui goals``)."""
    steps: Annotated[list[StepTemplate], Field(min_length=1)]
    """The steps, as ``[[workflows.NAME.steps]]`` tables."""
    pass_mark: Annotated[int, Field(ge=1, le=10)] | None = None
    """This workflow's pass mark (default: ``[goals] pass_mark``)."""
    max_rounds: Annotated[int, Field(ge=1, le=10)] | None = None
    """This workflow's rounds per gated step (default: ``[goals] max_rounds``)."""

    @model_validator(mode="after")
    def _graph(self) -> WorkflowConfig:
        problems: list[tuple[Loc, str]] = []
        names = [s.name for s in self.steps]
        for i, step in enumerate(self.steps):
            if step.name in names[:i]:
                problems.append((("steps", i, "name"), f"step {step.name!r} is named twice"))
            others = [n for n in names if n != step.name]
            for j, dep in enumerate(step.depends_on):
                if dep not in others:
                    problems.append(
                        (("steps", i, "depends_on", j), f"no other step is named {dep!r}")
                    )
            if step.reviews is not None and step.reviews not in step.depends_on:
                message = f"must name one of this step's depends_on ({', '.join(step.depends_on)})"
                problems.append((("steps", i, "reviews"), message))
            for ref in placeholders(step.prompt):
                if ref not in step.depends_on:
                    message = f"{{result:{ref}}}: {ref!r} is not in this step's depends_on"
                    problems.append((("steps", i, "prompt"), message))
        if not problems:
            sorter = graphlib.TopologicalSorter({s.name: s.depends_on for s in self.steps})
            try:
                sorter.prepare()
            except graphlib.CycleError as exc:
                cycle = " -> ".join(reversed(exc.args[1]))
                problems.append((("steps",), f"dependency cycle: {cycle}"))
        if problems:
            raise config_problems(problems)
        return self
