"""``mode = "goal"`` in a task file: read as a goal (request, workflow, key), with keys that
do not apply refused by name.

No ledger: the task file's reading alone."""

from __future__ import annotations

import pytest

from swarm_tui.core.taskfile import TaskFileError, parse_task_file, read_task_file
from swarm_tui.domain.goals import GoalSpec

TEXT = """\
[[task]]
prompt = "a plain task"

[[task]]
mode = "goal"
prompt = "add a health endpoint"
workflow = "feature"
key = "health"

[[task]]
mode = "goal"
prompt = "write the launch post"
"""


def test_goals_and_tasks_are_read_apart() -> None:
    read = read_task_file(TEXT, "t.toml")
    assert [s.prompt for s in read.specs] == ["a plain task"]
    assert read.labels == ["t.toml:1 (task 1)"]
    assert read.goals == [
        GoalSpec("add a health endpoint", "feature", "health"),
        GoalSpec("write the launch post", None, None),
    ]
    specs, labels = parse_task_file(TEXT, "t.toml")  # the tasks alone, as before
    assert len(specs) == 1 and labels == read.labels


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('role = "backend"', "'role' does not apply to a goal"),
        ("after = [1]", "'after' does not apply to a goal"),
        ('workflow = ""', "workflow must be a non-empty string"),
    ],
)
def test_goal_entries_refuse_what_does_not_apply(line: str, expected: str) -> None:
    text = f'[[task]]\nmode = "goal"\nprompt = "x"\n{line}\n'
    with pytest.raises(TaskFileError, match=expected) as info:
        read_task_file(text, "t.toml")
    assert str(info.value).startswith("t.toml:1 (task 1): ")


def test_workflow_on_a_task_is_refused() -> None:
    with pytest.raises(TaskFileError, match='workflow applies to mode = "goal" only'):
        read_task_file('[[task]]\nprompt = "x"\nworkflow = "feature"\n', "t.toml")
