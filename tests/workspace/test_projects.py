"""[projects.NAME]: parsed with defaults, and a repository that cannot be used is reported
with the file, the line and the key.

No ledger: config and git alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarm_tui.config import ConfigError, load_settings
from swarm_tui.workspace.project import open_project
from tests.workspace.gitrepo import make_repo, open_calc, sh


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body)
    return path


def test_defaults_and_shorthand_checks(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        '[projects.api]\nrepo = "~/code/api"\nchecks = ["pytest -q", {run = "ruff check .",'
        " timeout_s = 60}]\n",
    )
    project = load_settings(path).projects["api"]
    assert project.merge == "review"
    assert project.base is None
    assert [(c.run, c.timeout_s) for c in project.checks] == [
        ("pytest -q", 600.0),
        ("ruff check .", 60.0),
    ]
    assert project.root("api", tmp_path / "data") == tmp_path / "data" / "worktrees" / "api"


def test_a_bad_merge_policy_names_the_key(tmp_path: Path) -> None:
    path = _config(tmp_path, '[projects.api]\nrepo = "/x"\nmerge = "yolo"\n')
    with pytest.raises(ConfigError, match=r"line 3: projects\.api\.merge: Input should be"):
        load_settings(path)


async def test_a_missing_repository_names_file_line_and_key(tmp_path: Path) -> None:
    path = _config(tmp_path, f'[projects.api]\nrepo = "{tmp_path / "nowhere"}"\n')
    with pytest.raises(ConfigError) as caught:
        await open_project(load_settings(path), "api", tmp_path)
    assert str(caught.value) == (
        f"{path}: line 2: projects.api.repo: {tmp_path / 'nowhere'} does not exist;"
        " expected a git repository"
    )


async def test_a_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    path = _config(tmp_path, f'[projects.api]\nrepo = "{plain}"\n')
    with pytest.raises(ConfigError, match=r"line 2: projects\.api\.repo: .* is not a git repo"):
        await open_project(load_settings(path), "api", tmp_path)


async def test_a_base_branch_the_repository_lacks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    path = _config(tmp_path, f'[projects.api]\nrepo = "{repo}"\n\nbase = "develop"\n')
    with pytest.raises(ConfigError) as caught:
        await open_project(load_settings(path), "api", tmp_path)
    assert "line 4: projects.api.base: the repository has no branch 'develop'" in str(caught.value)
    assert "(branches: main)" in str(caught.value)


async def test_the_base_defaults_to_the_checked_out_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    sh(repo, "checkout", "-q", "-b", "dev")
    opened = await open_calc(repo, tmp_path / "data")
    assert opened.base == "dev"
    assert opened.root == tmp_path / "data" / "worktrees" / "calc"


async def test_an_unknown_project(tmp_path: Path) -> None:
    path = _config(tmp_path, "[ui]\nbell = false\n")
    with pytest.raises(ConfigError, match="no project 'api' in \\[projects\\]"):
        await open_project(load_settings(path), "api", tmp_path)
