"""What API agents are told about the workspace tools: names, descriptions, JSON schemas.

Offered under the server name ``workspace`` (``workspace__read_file`` and so on, through
:func:`swarm_tui.domain.toolnames.namespaced`), so the existing per-agent allow-lists,
approvals and tool records apply to them as to any MCP tool.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SERVER", "TOOL_SPECS", "ToolSpecDef"]

SERVER = "workspace"


@dataclass(frozen=True, slots=True)
class ToolSpecDef:
    name: str
    description: str
    schema: dict[str, object]


def _obj(props: dict[str, object], required: list[str]) -> dict[str, object]:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


_PATH = {"type": "string", "description": "Path relative to the worktree, e.g. src/app.py"}

TOOL_SPECS: tuple[ToolSpecDef, ...] = (
    ToolSpecDef(
        "list_files",
        "List files and folders of the task's worktree (folders end with '/').",
        _obj({"path": {**_PATH, "default": "."}}, []),
    ),
    ToolSpecDef(
        "read_file",
        "Read a text file of the worktree, optionally from a line, a number of lines.",
        _obj(
            {
                "path": _PATH,
                "start_line": {"type": "integer", "minimum": 1, "default": 1},
                "max_lines": {"type": "integer", "minimum": 1, "default": 2000},
            },
            ["path"],
        ),
    ),
    ToolSpecDef(
        "search",
        "Search the worktree's files (tracked and new, not ignored) for text; answers"
        " path:line: text.",
        _obj(
            {
                "pattern": {"type": "string", "minLength": 1},
                "path": {**_PATH, "default": "."},
                "regex": {
                    "type": "boolean",
                    "default": False,
                    "description": "Treat pattern as an extended regular expression",
                },
            },
            ["pattern"],
        ),
    ),
    ToolSpecDef(
        "write_file",
        "Create or replace a text file in the worktree (folders are made as needed).",
        _obj({"path": _PATH, "content": {"type": "string"}}, ["path", "content"]),
    ),
    ToolSpecDef(
        "edit_file",
        "Replace exact text in a file of the worktree; old_text must occur once unless"
        " replace_all is true.",
        _obj(
            {
                "path": _PATH,
                "old_text": {"type": "string", "minLength": 1},
                "new_text": {"type": "string"},
                "replace_all": {"type": "boolean", "default": False},
            },
            ["path", "old_text", "new_text"],
        ),
    ),
    ToolSpecDef(
        "apply_patch",
        "Apply a unified diff (as git diff writes it) to the worktree; all or nothing.",
        _obj({"patch": {"type": "string", "minLength": 1}}, ["patch"]),
    ),
    ToolSpecDef(
        "run_checks",
        "Run the project's checks (tests, linters) in the worktree; answers each verdict"
        " and a failing check's output.",
        _obj({}, []),
    ),
)
