"""The one TOML line locator (config/toml_lines.py): keys, arrays of tables and decode errors,
as the config, task file and theme messages use it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from swarm_tui.config.errors import ConfigError
from swarm_tui.config.loading import load_settings
from swarm_tui.config.toml_lines import decode_error_at, position, table_lines
from swarm_tui.core.taskfile import TaskFileError, parse_task_file
from swarm_tui.tui.theming import ThemeError, parse_theme_file

TASKS = '''\
[[task]]
prompt = """
[[task]]
"""
[[ task ]]  # spaces and a comment
prompt = 'b'
[[task.note]]
text = "a sub-table of the second task, not a task"
[[ "task" ]]
prompt = "c"
'''


def test_table_lines_finds_each_entry_of_an_array_of_tables() -> None:
    assert table_lines(TASKS, ["task"]) == [1, 5, 9]
    assert table_lines(TASKS, ["task", "note"]) == [7]
    assert table_lines(TASKS, ["job"]) == []


def test_the_task_file_labels_come_from_the_locator() -> None:
    text = TASKS.replace("[[task.note]]\n", "#\n")
    text = text.replace('text = "a sub-table of the second task, not a task"', "#")
    _specs, labels = parse_task_file(text, "f.toml")
    assert labels == ["f.toml:1 (task 1)", "f.toml:5 (task 2)", "f.toml:9 (task 3)"]


def decode_error(text: str) -> tomllib.TOMLDecodeError:
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    return info.value


def test_decode_error_at_a_line_and_column() -> None:
    reason, line, column = decode_error_at(decode_error('a = 1\nb = "x\n'), 'a = 1\nb = "x\n')
    assert (line, column) == (2, 7) and "(at line" not in reason
    assert position(line, column) == "line 2, column 7: "


def test_decode_error_at_the_end_of_the_document_points_at_the_last_line() -> None:
    text = "a = 1\nb = [1,\n"
    reason, line, column = decode_error_at(decode_error(text), text)
    assert (line, column) == (2, None) and not reason.endswith("document)")
    assert position(line, column) == "line 2: " and position(None, None) == ""


BROKEN = 'x = 1\ny = "open\n'


def test_config_task_file_and_theme_name_the_same_line_for_a_decode_error(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN)
    with pytest.raises(ConfigError) as config_error:
        load_settings(config)
    assert ": line 2, column " in str(config_error.value)
    with pytest.raises(TaskFileError) as task_error:
        parse_task_file(BROKEN, "t.toml")
    assert str(task_error.value).startswith("t.toml: line 2, column ")
    theme = tmp_path / "theme.toml"
    theme.write_text(BROKEN)
    with pytest.raises(ThemeError) as theme_error:
        parse_theme_file(theme)
    assert theme_error.value.line == 2 and "(column " in str(theme_error.value)
