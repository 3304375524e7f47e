"""The plan's model, schemas and refusals, without a run.

No ledger."""

from __future__ import annotations

import json

from swarm_tui.goals.plan import (
    Plan,
    ordered_plan_schema,
    parse_plan,
    plan_schema,
    plan_worst_case,
    refusal,
)
from tests.goals.standin import ROLES, settings_for

STEP = {"role": "backend", "prompt": "p", "depends_on": [], "mode": "single", "acceptance": ""}


def test_the_schema_limits_roles_and_modes_to_what_exists() -> None:
    schema = plan_schema(ROLES, 5)
    step = schema["properties"]["steps"]["items"]  # type: ignore[index]
    assert step["properties"]["role"]["enum"] == list(ROLES)
    assert step["properties"]["mode"]["enum"] == ["single", "consensus", "review"]
    assert schema["properties"]["steps"]["maxItems"] == 5  # type: ignore[index]


def test_the_ordered_schema_lets_a_step_depend_on_earlier_steps_only() -> None:
    schema = ordered_plan_schema(ROLES, 3)
    tuples = schema["properties"]["steps"]["anyOf"]  # type: ignore[index]
    assert [len(t["prefixItems"]) for t in tuples] == [1, 2, 3]
    third = tuples[2]["prefixItems"][2]["properties"]
    assert third["name"] == {"const": "step3"}
    assert third["depends_on"]["items"]["enum"] == ["step1", "step2"]
    assert tuples[0]["prefixItems"][0]["properties"]["depends_on"]["maxItems"] == 0


def test_parse_reads_a_fenced_reply_and_lists_every_problem() -> None:
    good = {"steps": [{"name": "a", **STEP}]}
    plan, problems = parse_plan("```json\n" + json.dumps(good) + "\n```", 5)
    assert plan is not None and problems == []
    bad = {"steps": [{"name": "a", **STEP}, {"name": "a", **STEP, "depends_on": ["z"]}]}
    plan, problems = parse_plan(json.dumps(bad), 5)
    assert plan is None
    assert "steps.1.name: 'a' is used by an earlier step" in problems[0]
    assert "steps.1.depends_on: no step is named 'z'" in problems[0]
    plan, problems = parse_plan(json.dumps({"steps": [{"name": "a", **STEP}] * 1}), 0)
    assert plan is None and problems == ["steps: 1 steps; at most 0"]


def test_a_step_over_the_task_budget_is_refused_with_its_worst_case() -> None:
    settings = settings_for("http://127.0.0.1:9")
    plan = Plan.model_validate({"steps": [{"name": "a", **STEP}]})
    assert refusal(settings, plan, 2) is None
    tight = settings.model_copy(
        update={"budget": settings.budget.model_copy(update={"task_usd": 1e-6})}
    )
    why = refusal(tight, plan, 2)
    assert why is not None and why.startswith("step 'a': its worst case $")
    assert why.endswith("is over [budget] task_usd $0.0000")


def test_review_rounds_multiply_the_worst_case() -> None:
    settings = settings_for("http://127.0.0.1:9")
    single = Plan.model_validate({"steps": [{"name": "a", **STEP}]})
    review = {"name": "r", **STEP, "reviews": "a", "depends_on": ["a"]}
    gated = Plan.model_validate({"steps": [{"name": "a", **STEP}, review]})
    one = plan_worst_case(settings, single, 3)
    assert plan_worst_case(settings, gated, 3) > 3 * one
