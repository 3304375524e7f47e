"""Workspace tools for API agents: list, read, search, write, edit, patch, check — confined
to the task's worktree.

Each tool is a plain async method taking the model's JSON arguments and answering a
:class:`ToolResult`: text for the model, ``is_error`` for a failure the model should read,
and ``refused`` when a path was refused (``..``, absolute, ``.git``, a symlink out), so the
caller records the refusal beside the call. Nothing here raises for bad input.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from swarm_tui.workspace.checks import checks_summary
from swarm_tui.workspace.commands import CommandResult
from swarm_tui.workspace.git import git
from swarm_tui.workspace.paths import Refused, confine
from swarm_tui.workspace.tool_specs import TOOL_SPECS

__all__ = ["ToolResult", "WorkspaceTools"]

READ_LIMIT = 200_000
WRITE_LIMIT = 2_000_000
LIST_LIMIT = 1000
SEARCH_LIMIT = 200
_PATCH_PATH = re.compile(r"^(?:diff --git a/(\S+) b/(\S+)|--- (?:a/)?(\S+)|\+\+\+ (?:b/)?(\S+))")


@dataclass(frozen=True, slots=True)
class ToolResult:
    text: str
    is_error: bool = False
    refused: Refused | None = None


T = TypeVar("T")


class _BadArgs(Exception):
    pass


def _arg(args: dict[str, object], key: str, kind: type[T], default: T | None = None) -> T:
    """The argument ``key`` of type ``kind`` (``default`` when left out), else why not."""
    value = args.get(key, default)
    if value is None:
        raise _BadArgs(f"missing argument {key!r}")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _BadArgs(f"argument {key!r} must be {kind.__name__}")
    return value


class WorkspaceTools:
    """The tools of one worktree; ``checks`` runs the project's checks there."""

    def __init__(
        self, root: Path, checks: Callable[[], Awaitable[list[CommandResult]]] | None = None
    ) -> None:
        self.root = root
        self._checks = checks

    async def call(self, name: str, args: dict[str, object]) -> ToolResult:
        """Run tool ``name`` (as listed in ``TOOL_SPECS``) with the model's arguments."""
        method = getattr(self, name, None) if name in {t.name for t in TOOL_SPECS} else None
        if method is None:
            return ToolResult(f"no workspace tool named {name!r}", is_error=True)
        try:
            result: ToolResult = await method(args)
        except _BadArgs as exc:
            return ToolResult(f"{name}: {exc}", is_error=True)
        except OSError as exc:
            return ToolResult(f"{name}: {exc.strerror or exc}", is_error=True)
        return result

    def _path(self, raw: object) -> Path | ToolResult:
        found = confine(self.root, str(raw))
        if isinstance(found, Refused):
            return ToolResult(str(found), is_error=True, refused=found)
        return found

    def _rel(self, path: Path) -> str:
        return os.path.relpath(path, os.path.realpath(self.root))

    async def list_files(self, args: dict[str, object]) -> ToolResult:
        top = self._path(_arg(args, "path", str, "."))
        if isinstance(top, ToolResult):
            return top
        if not top.is_dir():
            return ToolResult(f"{self._rel(top)} is not a folder", is_error=True)
        ignored = await self._ignored_folders()
        entries: list[str] = []
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(
                d for d in dirs if d != ".git" and self._rel(here / d) + "/" not in ignored
            )
            entries += [self._rel(here / d) + "/" for d in dirs]
            entries += [self._rel(here / f) for f in sorted(files) if f != ".git"]
            if len(entries) > LIST_LIMIT:
                break
        shown = sorted(entries)[:LIST_LIMIT]
        more = (
            f"\n[{len(entries) - LIST_LIMIT}+ more not shown]" if len(entries) > LIST_LIMIT else ""
        )
        return ToolResult("\n".join(shown) + more if shown else "(empty)")

    async def _ignored_folders(self) -> set[str]:
        """Folders git ignores (``.venv/``, ``node_modules/``): not walked; none outside git."""
        found = await git(
            self.root,
            "ls-files",
            "-z",
            "--others",
            "--ignored",
            "--exclude-standard",
            "--directory",
            check=False,
        )
        if found.code != 0:
            return set()
        return {entry for entry in found.out.split("\0") if entry.endswith("/")}

    async def read_file(self, args: dict[str, object]) -> ToolResult:
        path = self._path(_arg(args, "path", str))
        if isinstance(path, ToolResult):
            return path
        start = _arg(args, "start_line", int, 1)
        count = _arg(args, "max_lines", int, 2000)
        if not path.is_file():
            return ToolResult(f"{self._rel(path)}: no such file", is_error=True)
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            return ToolResult(f"{self._rel(path)} is a binary file", is_error=True)
        lines = data.decode(errors="replace").splitlines(keepends=True)
        chosen = "".join(lines[max(start, 1) - 1 : max(start, 1) - 1 + max(count, 1)])
        header = f"{self._rel(path)}: lines {start}-{min(len(lines), start + count - 1)}"
        body = chosen[:READ_LIMIT] + ("\n[cut]" if len(chosen) > READ_LIMIT else "")
        return ToolResult(f"{header} of {len(lines)}\n{body}")

    async def search(self, args: dict[str, object]) -> ToolResult:
        pattern = _arg(args, "pattern", str)
        where = self._path(_arg(args, "path", str, "."))
        if isinstance(where, ToolResult):
            return where
        mode = "-E" if _arg(args, "regex", bool, False) else "-F"
        found = await git(
            self.root,
            "grep",
            "-n",
            "-I",
            "--untracked",
            "--no-color",
            mode,
            "-e",
            pattern,
            "--",
            self._rel(where),
            check=False,
        )
        if found.code == 1:
            return ToolResult("no matches")
        if found.code != 0:
            return ToolResult(f"search failed: {found.err.strip()}", is_error=True)
        lines = found.out.splitlines()
        more = f"\n[{len(lines) - SEARCH_LIMIT} more matches]" if len(lines) > SEARCH_LIMIT else ""
        return ToolResult("\n".join(line[:400] for line in lines[:SEARCH_LIMIT]) + more)

    async def write_file(self, args: dict[str, object]) -> ToolResult:
        path = self._path(_arg(args, "path", str))
        content = _arg(args, "content", str)
        if isinstance(path, ToolResult):
            return path
        if len(content) > WRITE_LIMIT:
            return ToolResult(f"content is over {WRITE_LIMIT} characters", is_error=True)
        if path.is_dir():
            return ToolResult(f"{self._rel(path)} is a folder", is_error=True)
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        verb = "replaced" if existed else "created"
        return ToolResult(f"{verb} {self._rel(path)} ({len(content.encode())} bytes)")

    async def edit_file(self, args: dict[str, object]) -> ToolResult:
        path = self._path(_arg(args, "path", str))
        old, new = _arg(args, "old_text", str), _arg(args, "new_text", str)
        every = _arg(args, "replace_all", bool, False)
        if isinstance(path, ToolResult):
            return path
        if not path.is_file():
            return ToolResult(f"{self._rel(path)}: no such file", is_error=True)
        text = path.read_text(encoding="utf-8", errors="replace")
        count = text.count(old) if old else 0
        if count == 0:
            return ToolResult(f"old_text not found in {self._rel(path)}", is_error=True)
        if count > 1 and not every:
            message = f"old_text occurs {count} times in {self._rel(path)}; give more context"
            return ToolResult(message + " or set replace_all", is_error=True)
        path.write_text(text.replace(old, new), encoding="utf-8")
        return ToolResult(f"edited {self._rel(path)}: {count} replacement(s)")

    async def apply_patch(self, args: dict[str, object]) -> ToolResult:
        patch = _arg(args, "patch", str)
        for line in patch.splitlines():
            m = _PATCH_PATH.match(line)
            names = [g for g in m.groups() if g and g != "/dev/null"] if m else []
            for name in names:
                checked = self._path(name)
                if isinstance(checked, ToolResult):
                    return checked
        text = patch if patch.endswith("\n") else patch + "\n"
        tried = await git(self.root, "apply", "--check", "--recount", "-", stdin=text, check=False)
        if tried.code != 0:
            return ToolResult(f"patch does not apply: {tried.err.strip()}", is_error=True)
        done = await git(self.root, "apply", "--recount", "--verbose", "-", stdin=text, check=False)
        if done.code != 0:
            return ToolResult(f"patch failed: {done.err.strip()}", is_error=True)
        return ToolResult(done.err.strip() or "patch applied")

    async def run_checks(self, args: dict[str, object]) -> ToolResult:
        if self._checks is None:
            return ToolResult("no checks are configured for this project")
        results = await self._checks()
        return ToolResult(checks_summary(results), is_error=not all(r.passed for r in results))
