"""Task files: specs with file:line labels, and a specific TaskFileError for every bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarm_tui.core.taskfile import TaskFileError, load_task_file, parse_task_file
from swarm_tui.domain.models import TaskMode, TaskSpec

VALID = """\
# a comment first
[[task]]
key = "api"
title = "Design the API"
prompt = "Write an OpenAPI sketch."
role = "backend"
priority = 5
after = ["spec", 12]
tags = ["python", " http "]
mode = "consensus"

[[task]]
prompt = \"\"\"Second task,
on two lines.\"\"\"
after = "api"
"""


def error(text: str, path: str = "jobs.toml") -> str:
    with pytest.raises(TaskFileError) as info:
        parse_task_file(text, path)
    msg = str(info.value)
    assert msg.startswith(path)
    return msg


def test_valid_file() -> None:
    specs, labels = parse_task_file(VALID, "jobs.toml")
    assert specs == [
        TaskSpec(
            prompt="Write an OpenAPI sketch.",
            title="Design the API",
            role="backend",
            priority=5,
            after=("spec", 12),
            mode=TaskMode.CONSENSUS,
            tags=("python", "http"),
            key="api",
        ),
        TaskSpec(prompt="Second task,\non two lines.", after=("api",)),
    ]
    assert labels == ["jobs.toml:2 (task 1)", "jobs.toml:12 (task 2)"]


def test_load_valid_file(tmp_path: Path) -> None:
    path = tmp_path / "tasks.toml"
    path.write_text(VALID, encoding="utf-8")
    specs, labels = load_task_file(path)
    assert len(specs) == 2 and labels[0] == f"{path}:2 (task 1)"


def test_empty_role_and_key_mean_none() -> None:
    (spec,), _ = parse_task_file('[[task]]\nprompt = "p"\nrole = ""\nkey = ""\n', "f")
    assert spec.role is None and spec.key is None


def test_invalid_toml_names_the_line() -> None:
    msg = error('[[task]]\nprompt = "ok"\npriority = = 3\n')
    assert "not valid TOML" in msg and "line 3" in msg


def test_unknown_key_names_it_and_the_expected_ones() -> None:
    msg = error('[[task]]\nprompt = "a"\n\n[[task]]\nprompt = "b"\nprio = 3\n')
    assert msg.startswith("jobs.toml:4 (task 2): unknown key 'prio'")
    assert "expected: after, key, mode, priority, project, prompt, role, tags, title" in msg


@pytest.mark.parametrize("body", ['title = "t"', 'prompt = ""', 'prompt = "  \\n "', "prompt = 3"])
def test_missing_or_empty_prompt(body: str) -> None:
    msg = error(f"[[task]]\n{body}\n")
    assert msg == "jobs.toml:1 (task 1): prompt is required and must be non-empty text"


@pytest.mark.parametrize(
    ("value", "shown"), [('"high"', "'high'"), ("true", "True"), ("1.5", "1.5")]
)
def test_bad_priority_type(value: str, shown: str) -> None:
    msg = error(f'[[task]]\nprompt = "p"\npriority = {value}\n')
    assert msg == f"jobs.toml:1 (task 1): priority must be an integer, got {shown}"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("[-1]", "-1"),
        ("[0]", "0"),
        ("[true]", "True"),
        ('[""]', "''"),
        ("[1.5]", "1.5"),
        ("[[1]]", "[1]"),
        ("{ a = 1 }", "{'a': 1}"),
    ],
)
def test_bad_after_entries(value: str, shown: str) -> None:
    msg = error(f'[[task]]\nprompt = "p"\nafter = {value}\n')
    assert msg.startswith("jobs.toml:1 (task 1): after must be a list of task keys (strings)")
    assert "positive integers" in msg and msg.endswith(f"got {shown}")


def test_bad_tags() -> None:
    msg = error('[[task]]\nprompt = "p"\ntags = ["ok", 3]\n')
    assert msg == "jobs.toml:1 (task 1): tags must be a list of strings, got 3"


@pytest.mark.parametrize("name", ["key", "title", "role"])
def test_text_fields_must_be_strings(name: str) -> None:
    msg = error(f'[[task]]\nprompt = "p"\n{name} = 12\n')
    assert msg == f"jobs.toml:1 (task 1): {name} must be a string, got 12"


@pytest.mark.parametrize(("value", "shown"), [('"fast"', "'fast'"), ("1", "1"), ("[]", "[]")])
def test_bad_mode(value: str, shown: str) -> None:
    msg = error(f'[[task]]\nprompt = "p"\nmode = {value}\n')
    assert msg == (
        f"jobs.toml:1 (task 1): mode must be one of single, consensus, review, goal, got {shown}"
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "task = []\n", 'task = "x"\n'])
def test_no_tasks(text: str) -> None:
    assert "no tasks" in error(text)


def test_single_table_instead_of_array_is_refused() -> None:
    assert "no tasks" in error('[task]\nprompt = "p"\n')


def test_task_entries_must_be_tables() -> None:
    msg = error("task = [1, 2]\n")
    assert "must be a [[task]] table" in msg


def test_unknown_top_level_key() -> None:
    msg = error('model = "x"\n[[task]]\nprompt = "p"\n')
    assert msg == "jobs.toml: unknown top-level key 'model': tasks go in [[task]] tables"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(TaskFileError) as info:
        load_task_file(path)
    assert str(info.value) == f"{path}: no such task file"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[[task]]\nprompt = "café"\n'.encode("latin-1"))
    with pytest.raises(TaskFileError) as info:
        load_task_file(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: cannot read") and "utf-8" in msg


def test_a_folder_is_not_a_task_file(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError) as info:
        load_task_file(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: cannot read")


@pytest.mark.parametrize("nested", ["[" * 3000 + "]" * 3000, "{a = " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_values_are_a_task_file_error(nested: str) -> None:
    error(f'[[task]]\nprompt = "p"\nafter = {nested}\n')


def test_task_header_inside_a_prompt_does_not_shift_labels() -> None:
    text = '[[task]]\nprompt = """\n[[task]]\n"""\n\n[[task]]\nprompt = "b"\n'
    _, labels = parse_task_file(text, "f")
    assert labels == ["f:1 (task 1)", "f:6 (task 2)"]


FRAGMENTS = [
    "[[task]]",
    "[[ task ]]",
    "[task]",
    'prompt = "do it"',
    'prompt = ""',
    "prompt = 1",
    'title = "t"',
    "title = []",
    'role = "r"',
    'key = "k"',
    "priority = 3",
    "priority = 1e3",
    'priority = "x"',
    'after = ["k", 1]',
    "after = [0]",
    "after = {}",
    'tags = ["a"]',
    "tags = [[]]",
    'mode = "review"',
    "mode = [1]",
    'mode = { x = "y" }',
    'other = "x"',
    "task = 3",
    '"""',
    "= =",
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_raises_only_task_file_errors(text: str) -> None:
    try:
        specs, labels = parse_task_file(text, "f.toml")
    except TaskFileError as exc:
        assert str(exc).startswith("f.toml")
    else:
        assert len(specs) == len(labels) >= 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12))
def test_task_like_text_raises_only_task_file_errors(lines: list[str]) -> None:
    try:
        specs, labels = parse_task_file("\n".join(lines), "f.toml")
    except TaskFileError as exc:
        assert str(exc).startswith("f.toml")
    else:
        assert len(specs) == len(labels) >= 1
        assert all(spec.prompt.strip() for spec in specs)
