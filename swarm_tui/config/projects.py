"""Projects (``[projects.NAME]``): the git repositories coding tasks work on.

A coding task names its project; each attempt works in its own git worktree of the
repository, on its own branch, and the project's checks judge the result. What can be
checked without git (types, ranges, names) is checked here; the repository itself (does it
exist, is it a git repository, does the base branch exist) is checked when a project is
opened (``swarm_tui.workspace.project``), with the same file/line/key messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from swarm_tui.config.base import NAME, Strict
from swarm_tui.config.errors import config_problems

__all__ = ["CheckConfig", "ProjectConfig", "Projects", "expand_path"]


def expand_path(raw: str) -> Path:
    """``~`` and ``$VARS`` expanded."""
    return Path(os.path.expandvars(raw)).expanduser()


class CheckConfig(Strict):
    """One check: a shell command run in the worktree; exit status 0 passes."""

    run: Annotated[str, Field(min_length=1)]
    """The command, run by ``/bin/sh -c`` in the worktree (e.g. ``"uv run pytest -q"``)."""
    name: str = ""
    """Shown in reviews and reports (default: the command)."""
    timeout_s: Annotated[float, Field(gt=0)] = 600.0
    """Seconds the command may take; a longer run is killed (its whole process group) and
    the check fails."""

    @property
    def label(self) -> str:
        """The name, else the command."""
        return self.name or self.run


def _check_shorthand(value: object) -> object:
    """``checks = ["pytest -q"]``: a plain string is a check with the default timeout."""
    if isinstance(value, list):
        return [{"run": v} if isinstance(v, str) else v for v in value]
    return value


class ProjectConfig(Strict):
    """A git repository the swarm's coding tasks change, through worktrees and reviews."""

    repo: Annotated[str, Field(min_length=1)]
    """The repository's folder (``~`` and ``$VARS`` expand). Required. Your own checkout is
    never checked out, reset or stashed by the swarm; merges move the base branch only."""
    base: str | None = None
    """The branch tasks start from and merge into (default: the branch the repository has
    checked out when the project is opened)."""
    setup: str = ""
    """Shell command run once in each new worktree before the agent starts (e.g.
    ``"uv sync"``); empty: none."""
    setup_timeout_s: Annotated[float, Field(gt=0)] = 900.0
    """Seconds ``setup`` may take before it is killed (and the worktree is not used)."""
    checks: Annotated[list[CheckConfig], BeforeValidator(_check_shorthand)] = Field(
        default_factory=list
    )
    """Commands that judge an attempt, in order, e.g. ``["uv run pytest -q", {run = "ruff
    check .", timeout_s = 60}]``; all must exit 0. Empty: nothing is checked."""
    worktree_root: str | None = None
    """Folder for this project's worktrees (default: ``worktrees/NAME`` beside the ledger,
    outside the repository)."""
    merge: Literal["review", "auto"] = "review"
    """``review``: a finished task waits for you (``swarm-tui review``); ``auto``: it merges
    by itself when every check passed."""
    fix_rounds: Annotated[int, Field(ge=0, le=20)] = 0
    """When a check fails, how many times its output goes back to the same agent (the same
    CLI session where the CLI resumes) for another try before the task waits for review."""
    merge_style: Literal["fast-forward", "merge-commit"] = "fast-forward"
    """``fast-forward``: the base moves to the task's commit when it has not moved since the
    task started, else a merge commit; ``merge-commit``: always a merge commit."""

    @field_validator("base")
    @classmethod
    def _base_name(cls, v: str | None) -> str | None:
        if v is not None and (not v or v.startswith("-") or any(c in v for c in " ~^:?*[\\")):
            raise ValueError("must be a branch name such as main")
        return v

    def root(self, name: str, data_dir: Path) -> Path:
        """Where this project's worktrees live: ``worktree_root``, else beside the ledger."""
        if self.worktree_root is not None:
            return expand_path(self.worktree_root)
        return data_dir / "worktrees" / name

    def repo_path(self) -> Path:
        """``repo`` expanded."""
        return expand_path(self.repo)


def _names(projects: dict[str, ProjectConfig]) -> dict[str, ProjectConfig]:
    bad = [name for name in projects if not NAME.fullmatch(name)]
    if bad:
        message = "a project name must be letters, digits, '_', '-' or '.' (no '/')"
        raise config_problems([((name,), message) for name in bad])
    return projects


Projects = Annotated[dict[str, ProjectConfig], AfterValidator(_names)]
"""``[projects.NAME]`` tables by name (the name becomes a folder name)."""
