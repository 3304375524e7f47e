"""Task files: TOML with one ``[[task]]`` table per task.

```toml
[[task]]
key = "api"                  # optional; makes re-submitting the file idempotent
title = "Design the API"     # optional; defaults to the prompt's first line
prompt = "Write an OpenAPI sketch for a todo service."
role = "backend"             # optional; the default agent takes it otherwise
priority = 5                 # optional; higher runs first
after = ["spec", 12]         # optional; keys in this file or the ledger, or task ids
tags = ["python"]            # optional; strengths routing should prefer
mode = "single"              # optional; single | consensus | review | goal
project = "api"              # optional; a [projects.NAME]: the task works in a git worktree
```

``mode = "goal"`` asks for a goal instead of one task (see swarm_tui.goals): its prompt is
the request; ``workflow`` names a ``[workflows.NAME]`` template (else the planner plans it);
``key`` keeps a second submission of the file from starting it again. Role, priority,
after and tags do not apply to a goal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarm_tui.config.toml_lines import decode_error_at, position, table_lines
from swarm_tui.domain.goals import GoalSpec
from swarm_tui.domain.models import TaskMode, TaskSpec

__all__ = [
    "TaskFile",
    "TaskFileError",
    "load_task_file",
    "parse_task_file",
    "read_task_file",
    "task_file",
]

_KEYS = {
    "key",
    "title",
    "prompt",
    "role",
    "priority",
    "after",
    "tags",
    "mode",
    "workflow",
    "project",
}
_GOAL_KEYS = {"key", "title", "prompt", "mode", "workflow"}


@dataclass(frozen=True, slots=True)
class TaskFile:
    """What a task file asks for: tasks (with a label each) and goals."""

    specs: list[TaskSpec]
    labels: list[str]
    goals: list[GoalSpec] = field(default_factory=list)


class TaskFileError(ValueError):
    """A task file that cannot be used; the message names the file, line and key."""


def _str_list(value: Any, where: str, key: str, *, ids: bool = False) -> tuple[Any, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif ids and isinstance(item, int) and not isinstance(item, bool) and item > 0:
            out.append(item)
        else:
            what = "task keys (strings) or task ids (positive integers)" if ids else "strings"
            raise TaskFileError(f"{where}: {key} must be a list of {what}, got {item!r}")
    return tuple(out)


def _goal(entry: dict[str, Any], where: str) -> GoalSpec:
    wrong = sorted(set(entry) - _GOAL_KEYS)
    if wrong:
        raise TaskFileError(
            f'{where}: {wrong[0]!r} does not apply to a goal (mode = "goal" takes:'
            f" {', '.join(sorted(_GOAL_KEYS))})"
        )
    for name in ("key", "workflow"):
        if name in entry and not (isinstance(entry[name], str) and entry[name].strip()):
            raise TaskFileError(f"{where}: {name} must be a non-empty string")
    return GoalSpec(entry["prompt"].strip(), entry.get("workflow"), entry.get("key"))


def _spec(entry: Any, where: str) -> TaskSpec | GoalSpec:
    if not isinstance(entry, dict):
        raise TaskFileError(f"{where}: each task must be a [[task]] table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise TaskFileError(
            f"{where}: unknown key {unknown[0]!r} (expected: {', '.join(sorted(_KEYS))})"
        )
    prompt = entry.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise TaskFileError(f"{where}: prompt is required and must be non-empty text")
    for name in ("key", "title", "role", "project"):
        if name in entry and not isinstance(entry[name], str):
            raise TaskFileError(f"{where}: {name} must be a string, got {entry[name]!r}")
    priority = entry.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TaskFileError(f"{where}: priority must be an integer, got {priority!r}")
    mode = entry.get("mode", "single")
    if mode == "goal":
        return _goal(entry, where)
    if "workflow" in entry:
        raise TaskFileError(f'{where}: workflow applies to mode = "goal" only')
    try:
        task_mode = TaskMode(mode)
    except ValueError:
        modes = ", ".join([*(m.value for m in TaskMode), "goal"])
        raise TaskFileError(f"{where}: mode must be one of {modes}, got {mode!r}") from None
    return TaskSpec(
        prompt=prompt,
        title=entry.get("title", ""),
        role=entry.get("role") or None,
        priority=priority,
        after=_str_list(entry.get("after", []), where, "after", ids=True),
        mode=task_mode,
        tags=_str_list(entry.get("tags", []), where, "tags"),
        key=entry.get("key") or None,
        project=entry.get("project") or None,
    )


def parse_task_file(text: str, path: str) -> tuple[list[TaskSpec], list[str]]:
    """Specs and a label per spec (``file:line (task N)``) for later messages; goals (``mode
    = "goal"``) are read by :func:`read_task_file`."""
    read = read_task_file(text, path)
    return read.specs, read.labels


def read_task_file(text: str, path: str) -> TaskFile:
    """The tasks, with a label per task (``file:line (task N)``), and the goals."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, at_line, at_column = decode_error_at(exc, text)
        where = position(at_line, at_column)
        raise TaskFileError(f"{path}: {where}not valid TOML: {reason}") from None
    except RecursionError:
        raise TaskFileError(f"{path}: not valid TOML: values nested too deeply") from None
    extra = sorted(set(data) - {"task"})
    if extra:
        raise TaskFileError(
            f"{path}: unknown top-level key {extra[0]!r}: tasks go in [[task]] tables"
        )
    entries = data.get("task", [])
    if not isinstance(entries, list) or not entries:
        raise TaskFileError(f"{path}: no tasks: add at least one [[task]] table with a prompt")
    lines = table_lines(text, ["task"])
    out = TaskFile([], [])
    for i, entry in enumerate(entries):
        line = f":{lines[i]}" if i < len(lines) else ""
        label = f"{path}{line} (task {i + 1})"
        spec = _spec(entry, label)
        if isinstance(spec, GoalSpec):
            out.goals.append(spec)
        else:
            out.specs.append(spec)
            out.labels.append(label)
    return out


def load_task_file(path: Path) -> tuple[list[TaskSpec], list[str]]:
    read = task_file(path)
    return read.specs, read.labels


def task_file(path: Path) -> TaskFile:
    """:func:`read_task_file` of the file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskFileError(f"{path}: no such task file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(f"{path}: cannot read: {exc}") from None
    return read_task_file(text, str(path))
