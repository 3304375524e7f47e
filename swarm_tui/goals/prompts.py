"""What a goal's tasks are asked: the planner, a step, a review gate and the synthesis (with
a code step's change summed up)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from swarm_tui.config import Settings
from swarm_tui.config.goals import placeholders
from swarm_tui.domain.workspaces import Review
from swarm_tui.goals.plan import PlanStep

__all__ = [
    "REVIEW_SCHEMA",
    "diff_summary",
    "planner_prompt",
    "review_prompt",
    "step_prompt",
    "synthesis_prompt",
]

REVIEW_SCHEMA: dict[str, object] = {
    "title": "review",
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 10},
        "reason": {"type": "string", "maxLength": 600},
    },
    "required": ["score", "reason"],
    "additionalProperties": False,
}
"""A review gate's answer: a score from 1 to 10 and why."""

_PLAN_RULES = """\
Split the goal into a few steps, each done by one role of the team. Reply with JSON only, \
following the schema: {"steps": [{"name", "role", "prompt", "depends_on", "mode", \
"acceptance"}]}. A name is short and unique (letters, digits, - or _); depends_on names \
earlier steps whose results the step needs (steps without a dependency between them run in \
parallel); mode is "single" (one model), "consensus" (several that must agree) or "review" \
(one answers, others score it); acceptance says what done means. Example: \
{"steps": [{"name": "draft", "role": "ROLE", "prompt": "Draft it.", "depends_on": [], \
"mode": "single", "acceptance": "a draft"}, {"name": "polish", "role": "ROLE", \
"prompt": "Polish the draft.", "depends_on": ["draft"], "mode": "single", \
"acceptance": "ready to ship"}]}"""


def planner_prompt(
    settings: Settings, request: str, errors: Sequence[str], last_reply: str | None
) -> str:
    roles = "\n".join(
        f"- {name}: {agent.role or 'no description'}" for name, agent in settings.agents.items()
    )
    first = next(iter(settings.agents))
    text = f"{_PLAN_RULES.replace('ROLE', first)}\n\n## Roles\n{roles}\n\n## Goal\n{request}"
    if errors:
        listed = "\n".join(f"- {e}" for e in errors)
        shown = (last_reply or "")[:2000]
        text += (
            f"\n\n## Your last plan was refused\n{listed}\n\nYour last reply was:\n{shown}\n\n"
            "Write the whole plan again with these fixed."
        )
    return text


def step_prompt(
    step: PlanStep,
    request: str,
    results: Mapping[str, str],
    feedback: tuple[int, str, str] | None = None,
) -> str:
    """A step's prompt: placeholders filled, else its dependencies' results before it; with
    ``feedback`` (score, reason, the previous answer) when a review sent it back."""
    text = step.prompt.replace("{goal}", request)
    named = placeholders(step.prompt)
    for ref in named:
        text = text.replace(f"{{result:{ref}}}", results.get(ref, ""))
    if not named:
        context = [f"## Goal\n{request}"] if "{goal}" not in step.prompt else []
        context += [f"## Result of step {d}\n{results.get(d, '')}" for d in step.depends_on]
        text = "\n\n".join([*context, f"## Your step: {step.name}\n{text}"])
    if step.acceptance:
        text += f"\n\nDone means: {step.acceptance}"
    if feedback is not None:
        score, reason, previous = feedback
        text += (
            f"\n\n## A review scored your previous answer {score}/10\n{reason}\n\n"
            f"## Your previous answer\n{previous}\n\nWrite an improved answer."
        )
    return text


def review_prompt(step: PlanStep, reviewed: PlanStep, request: str, work: str) -> str:
    """A review gate: the work of ``reviewed`` to score 1-10 with reasons."""
    criteria = reviewed.acceptance or "it does what the step asks, correctly and completely"
    own = step.prompt.replace("{goal}", request)
    for ref in placeholders(step.prompt):
        own = own.replace(f"{{result:{ref}}}", work if ref == reviewed.name else "")
    return (
        f"## Goal\n{request}\n\n## Step {reviewed.name} was asked\n{reviewed.prompt}\n\n"
        f"## Done means\n{criteria}\n\n## Its answer\n<<<\n{work}\n>>>\n\n## Your review\n{own}"
        "\n\nScore the answer from 1 (useless or wrong) to 10 (correct, complete, clear) and"
        ' say why. Reply with only JSON: {"score": <1-10>, "reason": "<why>"}'
    )


def synthesis_prompt(
    request: str,
    results: Sequence[tuple[str, str, str]],
    changes: Mapping[str, str] | None = None,
) -> str:
    """Every step's (name, role, result) in, the goal's answer out; ``changes``: a code
    step's diff summary (files with +/- counts, the checks' verdict) by step name."""
    changes = changes or {}
    parts = [f"## Goal\n{request}", "## Results of the steps"]
    for name, role, result in results:
        change = f"\n\nChange: {changes[name]}" if changes.get(name) else ""
        parts.append(f"### {name} ({role})\n{result}{change}")
    parts.append(
        "## Your task\nBring the results together into the goal's final answer: what was done,"
        " the result itself, and anything left open."
    )
    return "\n\n".join(parts)


def schema_json(schema: Mapping[str, object]) -> str:
    return json.dumps(schema, sort_keys=True)


def diff_summary(review: Review) -> str:
    """``app.py +3 -0, test_health.py +18 -0; checks 1/1 passed`` (from a task's review):
    the branch's change against the base (after the merge: as its last round recorded it)."""
    stat = [(f.path, f.added, f.removed) for f in review.files]
    if not stat and review.rounds:  # merged: the branch's change as its last round recorded it
        stat = list(review.rounds[-1].diffstat)
    files = ", ".join(f"{path} +{_count(a)} -{_count(r)}" for path, a, r in stat)
    passed = sum(1 for c in review.checks if c.passed)
    failed = [c.name for c in review.checks if not c.passed]
    if review.checks:
        checks = f"checks {passed}/{len(review.checks)} passed"
        checks += f" (failed: {', '.join(failed)})" if failed else ""
    else:
        checks = "no checks run"
    return f"{files or 'no files changed'}; {checks}"


def _count(n: int | None) -> str:
    return "?" if n is None else str(n)
