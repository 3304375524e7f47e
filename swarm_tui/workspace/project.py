"""Opening a ``[projects.NAME]``: the repository checked, the base branch resolved.

Problems are the configuration's, so they are reported like one: the file, the line, the
key and what was expected (a folder that does not exist, a folder that is not a git
repository, a base branch the repository does not have).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from swarm_tui.config import ConfigError, ProjectConfig, Settings
from swarm_tui.config.errors import find_key_line
from swarm_tui.workspace.git import git

__all__ = ["Project", "open_project", "project_problem"]


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    repo: Path
    """The repository's top folder (the user's own checkout, or a bare repository)."""
    base: str
    """The branch tasks start from and merge into."""
    root: Path
    """Where this project's worktrees and their state files live."""
    config: ProjectConfig


def project_problem(settings: Settings, name: str, key: str, message: str) -> ConfigError:
    """``config.toml: line N: projects.NAME.KEY: message``."""
    source = settings.source
    line: int | None = None
    if source != "<built-in default>":
        try:
            line = find_key_line(Path(source).read_text(encoding="utf-8"), ("projects", name, key))
        except OSError:
            line = None
    at = f"line {line}: " if line else ""
    return ConfigError(f"{source}: {at}projects.{name}.{key}: {message}")


async def open_project(settings: Settings, name: str, data_dir: Path) -> Project:
    """Check project ``name``'s repository and base branch; :class:`ConfigError` if unusable."""
    config = settings.projects.get(name)
    if config is None:
        known = ", ".join(sorted(settings.projects)) or "none are configured"
        raise ConfigError(f"{settings.source}: no project {name!r} in [projects] (known: {known})")
    repo = config.repo_path()
    if not repo.is_dir():
        what = "is not a folder" if repo.exists() else "does not exist"
        raise project_problem(settings, name, "repo", f"{repo} {what}; expected a git repository")
    top = await git(repo, "rev-parse", "--show-toplevel", check=False)
    bare = await git(repo, "rev-parse", "--is-bare-repository", check=False)
    if top.code != 0 and bare.out.strip() != "true":
        message = f"{repo} is not a git repository (run git init there, or fix the path)"
        raise project_problem(settings, name, "repo", message)
    top_dir = Path(top.out.strip()) if top.code == 0 else repo
    base = config.base or await _current_branch(settings, name, top_dir)
    if (
        await git(
            top_dir,
            "rev-parse",
            "--verify",
            "--quiet",
            f"refs/heads/{base}^{{commit}}",
            check=False,
        )
    ).code != 0:
        branches = await git(top_dir, "branch", "--format=%(refname:short)", check=False)
        listed = ", ".join(branches.out.split()[:10]) or "none yet: make a first commit"
        key = "base" if config.base else "repo"
        message = f"the repository has no branch {base!r} (branches: {listed})"
        raise project_problem(settings, name, key, message)
    return Project(name, top_dir, base, config.root(name, data_dir), config)


async def _current_branch(settings: Settings, name: str, repo: Path) -> str:
    head = await git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if head.code != 0:
        message = f'{repo} has no branch checked out (detached HEAD); set base = "main" or similar'
        raise project_problem(settings, name, "base", message)
    return head.out.strip()
