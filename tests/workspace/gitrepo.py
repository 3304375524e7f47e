"""A real git repository for workspace tests: a small Python project whose test fails.

``calc.add`` subtracts; ``test_calc.py`` says it must add. The check is that project's
own pytest run, so fixing ``calc.py`` turns it green.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from swarm_tui.config import Settings, default_settings
from swarm_tui.config.projects import ProjectConfig
from swarm_tui.workspace.project import Project, open_project

CALC_BROKEN = "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"
CALC_FIXED = CALC_BROKEN.replace("a - b", "a + b")
TESTS = (
    "from calc import add, mul\n\n\n"
    "def test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_mul():\n    assert mul(2, 3) == 6\n"
)
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def sh(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` the way a user would; its output."""
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.rstrip()


def make_repo(path: Path) -> Path:
    """``path`` as a git repository on ``main`` with the small project committed."""
    path.mkdir(parents=True)
    sh(path, "init", "-q", "-b", "main")
    (path / "calc.py").write_text(CALC_BROKEN)
    (path / "test_calc.py").write_text(TESTS)
    (path / "README.md").write_text("# calc\n\nline two\nline three\n")
    (path / ".gitignore").write_text("__pycache__/\n.venv/\n")
    sh(path, "add", "-A")
    sh(path, "commit", "-q", "-m", "a small project")
    return path


def project_settings(repo: Path, **project: object) -> Settings:
    config = ProjectConfig.model_validate({"repo": str(repo), **project})
    return default_settings().model_copy(update={"projects": {"calc": config}})


async def open_calc(repo: Path, data: Path, **project: object) -> Project:
    """Project ``calc`` over ``repo``, worktrees under ``data`` (the ledger's folder)."""
    return await open_project(project_settings(repo, **project), "calc", data)
