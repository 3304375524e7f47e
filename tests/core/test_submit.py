"""plan_batch: every problem of a submission in one message, and a batch ordered deps-first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from swarm_tui.core.submit import MAX_PRIORITY, PlannedBatch, SubmitError, plan_batch
from swarm_tui.domain.models import TaskMode, TaskSpec
from swarm_tui.store.ledger import Ledger

AGENTS = ("coder", "reviewer")


def plan(
    specs: Sequence[TaskSpec],
    *,
    ids: set[int] | None = None,
    keys: Mapping[str, int] | None = None,
    labels: Sequence[str] | None = None,
) -> PlannedBatch:
    return plan_batch(
        specs,
        agents=AGENTS,
        default_agent="coder",
        existing_ids=ids or set(),
        existing_keys=keys or {},
        labels=labels,
    )


def problems(specs: Sequence[TaskSpec], **kwargs: object) -> list[str]:
    with pytest.raises(SubmitError) as info:
        plan(specs, **kwargs)  # type: ignore[arg-type]
    return str(info.value).splitlines()


def test_plain_spec_uses_the_default_agent() -> None:
    batch = plan([TaskSpec(prompt="Write a haiku", priority=4, tags=("poetry",), key="h")])
    (item,) = batch.items
    assert batch.order == [0]
    assert item.role == "coder" and item.title == "Write a haiku" and item.prompt == "Write a haiku"
    assert (item.priority, item.mode, item.tags, item.key) == (4, "single", ("poetry",), "h")
    assert (item.after_ids, item.after_batch) == ((), ())


def test_explicit_role_and_mode_are_kept() -> None:
    (item,) = plan([TaskSpec(prompt="p", role="reviewer", mode=TaskMode.CONSENSUS)]).items
    assert item.role == "reviewer" and item.mode == "consensus"


def test_empty_batch() -> None:
    batch = plan([])
    assert batch.items == [] and batch.order == []


def test_unknown_role() -> None:
    (msg,) = problems([TaskSpec(prompt="p", role="poet")])
    assert msg.startswith("task 1: ") and "'poet'" in msg and "coder, reviewer" in msg


def test_empty_prompt() -> None:
    (msg,) = problems([TaskSpec(prompt="ok"), TaskSpec(prompt="  \n\t ")])
    assert msg == "task 2: prompt is empty"


def test_missing_dependency_id() -> None:
    (msg,) = problems([TaskSpec(prompt="p", after=(7, 99))], ids={7})
    assert msg == "task 1: after #99: no such task in the ledger"


def test_unknown_key() -> None:
    (msg,) = problems([TaskSpec(prompt="p", after=("nope",))], keys={"yes": 1})
    assert msg == "task 1: after 'nope': no task with that key"


def test_duplicate_keys() -> None:
    (msg,) = problems([TaskSpec(prompt="a", key="k"), TaskSpec(prompt="b", key="k")])
    assert msg == "task 2: key 'k' is used twice in this batch"


def test_self_dependency() -> None:
    (msg,) = problems([TaskSpec(prompt="a", key="me", after=("me",))])
    assert msg == "task 1: depends on itself"


def test_priority_out_of_range() -> None:
    edge = [
        TaskSpec(prompt="a", priority=MAX_PRIORITY),
        TaskSpec(prompt="b", priority=-MAX_PRIORITY),
    ]
    assert [item.priority for item in plan(edge).items] == [MAX_PRIORITY, -MAX_PRIORITY]
    (msg,) = problems([TaskSpec(prompt="a", priority=MAX_PRIORITY + 1)])
    assert msg.startswith("task 1: priority must be within")


def test_mode_must_be_a_task_mode() -> None:
    (msg,) = problems([TaskSpec(prompt="a", mode="fast")])  # type: ignore[arg-type]
    assert msg.startswith("task 1: mode must be one of single, consensus, review")


def test_every_problem_is_listed_once_with_its_label() -> None:
    labels = ["f.toml:1 (task 1)", "f.toml:5 (task 2)", "f.toml:9 (task 3)"]
    specs = [
        TaskSpec(prompt="a", role="ghost"),
        TaskSpec(prompt=" ", after=(404,)),
        TaskSpec(prompt="c", after=("missing",)),
    ]
    msgs = problems(specs, labels=labels)
    assert len(msgs) == 4
    assert msgs[0].startswith("f.toml:1 (task 1): unknown role 'ghost'")
    assert msgs[1] == "f.toml:5 (task 2): prompt is empty"
    assert msgs[2] == "f.toml:5 (task 2): after #404: no such task in the ledger"
    assert msgs[3] == "f.toml:9 (task 3): after 'missing': no task with that key"


def test_cycle_through_keys_lists_the_labels() -> None:
    labels = [
        "tasks.toml:1 (task 1)",
        "tasks.toml:4 (task 2)",
        "tasks.toml:7 (task 3)",
        "tasks.toml:9 (task 4)",
    ]
    specs = [
        TaskSpec(prompt="free", key="free"),
        TaskSpec(prompt="x", key="x", after=("z",)),
        TaskSpec(prompt="y", key="y", after=("x", "free")),
        TaskSpec(prompt="z", key="z", after=("y",)),
    ]
    with pytest.raises(SubmitError) as info:
        plan(specs, labels=labels)
    msg = str(info.value)
    assert msg.startswith("dependency cycle: ")
    assert "tasks.toml:1 (task 1)" not in msg
    assert msg == (
        "dependency cycle: tasks.toml:4 (task 2) -> tasks.toml:9 (task 4)"
        " -> tasks.toml:7 (task 3) -> tasks.toml:4 (task 2)"
    )


def test_cycle_is_listed_with_the_other_problems() -> None:
    specs = [
        TaskSpec(prompt="a", key="a", after=("b",), role="ghost"),
        TaskSpec(prompt="b", key="b", after=("a",)),
    ]
    with pytest.raises(SubmitError) as info:
        plan(specs)
    msg = str(info.value)
    assert "unknown role 'ghost'" in msg
    assert "cycle" in msg


def test_dependencies_later_in_the_list_are_moved_first() -> None:
    specs = [
        TaskSpec(prompt="deploy", key="deploy", after=("build", "test")),
        TaskSpec(prompt="test", key="test", after=("build",)),
        TaskSpec(prompt="build", key="build"),
        TaskSpec(prompt="docs"),
    ]
    batch = plan(specs)
    assert batch.order == [2, 1, 0, 3]
    assert [item.key for item in batch.items] == ["build", "test", "deploy", None]
    for pos, index in enumerate(batch.order):
        assert batch.items[pos].prompt == specs[index].prompt
    by_key = {item.key: item for item in batch.items}
    assert by_key["build"].after_batch == ()
    assert by_key["test"].after_batch == (0,)
    assert by_key["deploy"].after_batch == (0, 1)
    for pos, item in enumerate(batch.items):
        assert all(i < pos for i in item.after_batch)


def test_ledger_ids_and_keys_become_after_ids() -> None:
    specs = [TaskSpec(prompt="p", after=(12, "old", 3, "new")), TaskSpec(prompt="q", key="new")]
    batch = plan(specs, ids={3, 12}, keys={"old": 40, "new": 41})
    assert batch.order == [1, 0]
    item = batch.items[1]
    assert item.after_ids == (3, 12, 40)  # "new" is the batch's own task, not ledger #41
    assert item.after_batch == (0,)


def test_title_from_the_prompt() -> None:
    long_line = "word " * 30
    specs = [
        TaskSpec(prompt="\n\n  First line here\nsecond line"),
        TaskSpec(prompt=long_line + "\nmore"),
        TaskSpec(prompt="x" * 60),
        TaskSpec(prompt="ignored", title="  Given title "),
    ]
    titles = [item.title for item in plan(specs).items]
    assert titles[0] == "First line here"
    assert len(titles[1]) == 60 and titles[1].endswith("...")
    assert titles[1][:57] == long_line.strip()[:57]
    assert titles[2] == "x" * 60
    assert titles[3] == "Given title"


def test_title_from_the_prompt_has_no_trailing_spaces() -> None:
    (item,) = plan([TaskSpec(prompt="First line   \nsecond")]).items
    assert item.title == "First line"


async def test_planned_batch_inserts_with_the_right_dependencies(ledger: Ledger) -> None:
    [(old_id, _)] = await ledger.insert_tasks(
        plan([TaskSpec(prompt="old", key="old")]).items, now=1.0
    )
    specs = [
        TaskSpec(prompt="c", key="c", after=("b", "old")),
        TaskSpec(prompt="b", key="b", after=("a",)),
        TaskSpec(prompt="a", key="a"),
    ]
    batch = plan(specs, ids={old_id}, keys=await ledger.existing_keys(["old"]))
    made = await ledger.insert_tasks(batch.items, now=2.0)
    ids = {batch.items[pos].key: task_id for pos, (task_id, _) in enumerate(made)}
    c = await ledger.task_by_key("c")
    b = await ledger.task_by_key("b")
    assert c is not None and b is not None
    assert c.after == tuple(sorted((ids["b"], old_id)))
    assert b.after == (ids["a"],)


def test_a_task_names_its_project_or_takes_its_roles_default() -> None:
    batch = plan_batch(
        [TaskSpec(prompt="a", project="api"), TaskSpec(prompt="b", role="reviewer")],
        agents=AGENTS,
        default_agent="coder",
        existing_ids=set(),
        existing_keys={},
        projects=["api", "web"],
        agent_projects={"reviewer": "web"},
    )
    assert [i.project for i in batch.items] == ["api", "web"]
    assert plan([TaskSpec(prompt="c")]).items[0].project is None


def test_an_unknown_project_is_named_with_the_known_ones() -> None:
    with pytest.raises(SubmitError) as info:
        plan_batch(
            [TaskSpec(prompt="a", project="nope"), TaskSpec(prompt="b", role="reviewer")],
            agents=AGENTS,
            default_agent="coder",
            existing_ids=set(),
            existing_keys={},
            projects=["api"],
            agent_projects={"reviewer": "gone"},
        )
    assert str(info.value).splitlines() == [
        "task 1: unknown project 'nope' (projects: api)",
        "task 2: unknown project 'gone' (the default of agent 'reviewer') (projects: api)",
    ]


def test_a_project_refuses_review_mode_and_a_roles_default_skips_consensus() -> None:
    specs = [
        TaskSpec(prompt="a", project="api", mode=TaskMode.REVIEW),
        TaskSpec(prompt="b", role="reviewer", mode=TaskMode.CONSENSUS),
    ]
    with pytest.raises(SubmitError) as info:
        plan_batch(
            specs,
            agents=AGENTS,
            default_agent="coder",
            existing_ids=set(),
            existing_keys={},
            projects=["api"],
            agent_projects={"reviewer": "api"},
        )
    assert str(info.value).splitlines() == [
        "task 1: project 'api' needs mode single or consensus (review over code is not built yet)"
    ]
    batch = plan_batch(
        specs[1:],
        agents=AGENTS,
        default_agent="coder",
        existing_ids=set(),
        existing_keys={},
        projects=["api"],
        agent_projects={"reviewer": "api"},
    )
    assert batch.items[0].project is None
