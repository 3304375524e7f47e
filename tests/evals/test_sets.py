"""Eval sets from TOML and JSONL: good ones load, bad ones say file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.evals.cases import EvalSetError
from swarm_tui.evals.sets import load_eval_set, parse_eval_set

GOOD = """
name = "basics"

[[case]]
id = "add"
prompt = "2 + 3?"
judge = "exact"
expected = "5"

[[case]]
id = "capital"
prompt = "Capital of France?"
role = "a"
judge = "contains"
expected = "Paris"

[[case]]
id = "json"
prompt = "Give {a:1}"
judge = "json_equal"
expected = { a = 1 }

[[case]]
id = "check"
prompt = "Say ok"
judge = "checker"
command = ["grep", "-q", "ok"]

[[case]]
id = "essay"
prompt = "Explain"
judge = "rubric"
rubric = "Clear and right"
"""


def test_a_toml_set_loads_with_every_judge() -> None:
    s = parse_eval_set(GOOD, "set.toml")
    assert s.name == "basics" and [c.id for c in s.cases] == [
        "add", "capital", "json", "check", "essay"
    ]  # fmt: skip
    kinds = [c.judge.kind for c in s.cases]
    assert kinds == ["exact", "contains", "json_equal", "checker", "rubric"]
    assert s.cases[1].role == "a" and s.cases[2].judge.expected == '{"a": 1}'
    assert s.cases[3].judge.argv == ("grep", "-q", "ok")
    assert s.cases[0].where == "set.toml:4 (case 1)"


def test_a_jsonl_set_loads_and_names_the_stem(tmp_path: Path) -> None:
    path = tmp_path / "quick.jsonl"
    path.write_text(
        '{"id": "a", "prompt": "1+1?", "judge": "exact", "expected": "2"}\n\n'
        '{"id": "b", "prompt": "hi", "judge": "regex", "expected": "^h"}\n'
    )
    s = load_eval_set(path)
    assert s.name == "quick" and [c.id for c in s.cases] == ["a", "b"]
    assert s.cases[1].where.endswith("quick.jsonl:3")


HEAD = '[[case]]\nid = "a"\nprompt = "p"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + 'judge = "fuzzy"\n', "set.toml:1 (case 1): judge must be one of"),
        (HEAD + 'judge = "exact"\n', "set.toml:1 (case 1): expected is required"),
        (HEAD + 'judge = "regex"\nexpected = "("\n', "expected: not a valid regex"),
        ('[[case]]\nid = "a"\nprompt = ""\njudge = "exact"\nexpected = "1"\n', "prompt must be"),
        (HEAD + 'judge = "exact"\nexpected = "1"\ncolour = 1\n', "unknown key 'colour'"),
        ('[[case]]\nid = "a b"\nprompt = "p"\njudge = "exact"\nexpected = "1"\n', "id must be"),
        (HEAD + 'judge = "checker"\ncommand = "rm -rf"\n', "command must be a non-empty list"),
        (HEAD + 'judge = "rubric"\n', "rubric is required"),
        (HEAD + 'judge = "exact"\nexpected = "1"\n'
         '[[case]]\nid = "a"\nprompt = "q"\njudge = "exact"\nexpected = "2"\n',
         "set.toml:6 (case 2): id 'a' is used twice (first at set.toml:1 (case 1))"),
        ("[[case]\n", "set.toml: line 1, column 7: not valid TOML"),
        ('cases = 1\n', "unknown top-level key 'cases'"),
        ("", "no cases"),
    ],
)  # fmt: skip
def test_bad_toml_sets_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(EvalSetError) as err:
        parse_eval_set(text, "set.toml")
    assert message in str(err.value)


def test_bad_jsonl_names_the_line() -> None:
    with pytest.raises(EvalSetError, match=r"s.jsonl:2: not valid JSON"):
        parse_eval_set(
            '{"id": "a", "prompt": "p", "judge": "exact", "expected": "1"}\n{oops\n', "s.jsonl"
        )
    with pytest.raises(EvalSetError, match=r"s.jsonl:1: timeout_s must be a positive number"):
        parse_eval_set(
            '{"id": "a", "prompt": "p", "judge": "checker", "command": ["true"], "timeout_s": -1}',
            "s.jsonl",
        )


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="no such eval set"):
        load_eval_set(tmp_path / "nope.toml")
