"""``[goals]`` and ``[workflows.NAME]`` in config.toml: a good template loads; mistakes are
reported with the file, the line, the key and what was expected (no traceback).

No ledger: config alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.config import ConfigError, load_settings

BASE = """\
[providers.local]
kind = "local"
[providers.local.models.smollm2]
max_tokens = 64

[agents.backend]
mix = { "local/smollm2" = 1.0 }
[agents.code-reviewer]
mix = { "local/smollm2" = 1.0 }

[goals]
planner = "backend"
pass_mark = 7

[workflows.feature]
description = "implement, then review"
[[workflows.feature.steps]]
name = "implement"
role = "backend"
prompt = "Implement: {goal}"
[[workflows.feature.steps]]
name = "review"
role = "code-reviewer"
depends_on = ["implement"]
reviews = "implement"
prompt = "Review this: {result:implement}"
"""


def _message(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "Traceback" not in message
    return message


def test_a_workflow_template_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(BASE, encoding="utf-8")
    settings = load_settings(path)
    assert settings.goals.pass_mark == 7 and settings.goals.planner == "backend"
    steps = settings.workflows["feature"].steps
    assert [s.name for s in steps] == ["implement", "review"] and steps[1].reviews == "implement"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('role = "code-reviewer"', 'role = "tester"', "unknown agent 'tester'"),
        ('planner = "backend"', 'planner = "boss"', "goals.planner: unknown agent 'boss'"),
        ('depends_on = ["implement"]', 'depends_on = ["build"]', "no other step is named 'build'"),
        ('reviews = "implement"', 'reviews = "nothing"', "must name one of this step's depends_on"),
        ("{result:implement}", "{result:tests}", "'tests' is not in this step's depends_on"),
        ("pass_mark = 7", "pass_mark = 11", "goals.pass_mark: "),
        ('name = "review"', 'name = "implement"', "step 'implement' is named twice"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert BASE.count(old) == 1
    message = _message(tmp_path, BASE.replace(old, new))
    assert expected in message, message
    assert "line " in message, message


def test_a_cycle_is_named(tmp_path: Path) -> None:
    text = BASE.replace('prompt = "Implement: {goal}"', 'prompt = "x"\ndepends_on = ["review"]')
    message = _message(tmp_path, text)
    assert "dependency cycle: " in message and "workflows.feature.steps" in message, message
