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
mode = "single"              # optional; single | consensus | review
project = "api"              # optional; a [projects.NAME]: the task works in a git worktree
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from swarm_tui.config.toml_lines import decode_error_at, position, table_lines
from swarm_tui.domain.models import TaskMode, TaskSpec

__all__ = ["TaskFileError", "load_task_file", "parse_task_file"]

_KEYS = {"key", "title", "prompt", "role", "priority", "after", "tags", "mode", "project"}


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


def _spec(entry: Any, where: str) -> TaskSpec:
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
    try:
        task_mode = TaskMode(mode)
    except ValueError:
        modes = ", ".join(m.value for m in TaskMode)
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
    """Specs and a label per spec (``file:line (task N)``) for later messages."""
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
    specs: list[TaskSpec] = []
    labels: list[str] = []
    for i, entry in enumerate(entries):
        line = f":{lines[i]}" if i < len(lines) else ""
        label = f"{path}{line} (task {i + 1})"
        specs.append(_spec(entry, label))
        labels.append(label)
    return specs, labels


def load_task_file(path: Path) -> tuple[list[TaskSpec], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskFileError(f"{path}: no such task file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskFileError(f"{path}: cannot read: {exc}") from None
    return parse_task_file(text, str(path))
