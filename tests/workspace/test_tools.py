"""The workspace tools an API agent gets: they work inside the worktree, and refuse `..`,
absolute paths, .git and symlinks that lead out, with the reason as data.

No ledger: files alone (refusals recorded in the ledger: test_api_agent_tools.py, both
backends)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swarm_tui.domain.toolnames import namespaced
from swarm_tui.workspace.checks import run_checks
from swarm_tui.workspace.tool_specs import SERVER, TOOL_SPECS
from swarm_tui.workspace.tools import WorkspaceTools
from swarm_tui.workspace.worktrees import open_worktree
from tests.workspace.gitrepo import CALC_BROKEN, PYTEST, make_repo, open_calc


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "wt"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("def health():\n    return 'ok'\n")
    (tmp_path / "secret.txt").write_text("outside\n")
    (root / "out").symlink_to(tmp_path)  # a folder link that leads out
    (root / "key").symlink_to(tmp_path / "secret.txt")
    (root / "inner").symlink_to(root / "src")  # a link that stays inside
    return root


@pytest.mark.parametrize(
    ("tool", "args", "reason"),
    [
        ("read_file", {"path": "../secret.txt"}, "'..' is refused"),
        ("read_file", {"path": "src/../../secret.txt"}, "'..' is refused"),
        ("read_file", {"path": "/etc/passwd"}, "absolute paths are refused"),
        ("read_file", {"path": "key"}, "outside the worktree through a symlink"),
        ("write_file", {"path": "out/new.txt", "content": "x"}, "through a symlink"),
        ("write_file", {"path": ".git/config", "content": "x"}, "the .git folder"),
        ("edit_file", {"path": "key", "old_text": "o", "new_text": "x"}, "through a symlink"),
        ("list_files", {"path": "out"}, "through a symlink"),
        ("search", {"pattern": "outside", "path": "out"}, "through a symlink"),
    ],
)
async def test_escapes_are_refused_with_the_reason(
    tree: Path, tool: str, args: dict[str, object], reason: str
) -> None:
    result = await WorkspaceTools(tree).call(tool, args)
    assert result.is_error and result.refused is not None
    assert reason in result.refused.reason and reason in result.text
    assert (tree.parent / "secret.txt").read_text() == "outside\n"
    assert not (tree.parent / "new.txt").exists()


async def test_a_patch_reaching_out_is_refused(tree: Path) -> None:
    patch = "--- a/../secret.txt\n+++ b/../secret.txt\n@@ -1 +1 @@\n-outside\n+changed\n"
    result = await WorkspaceTools(tree).call("apply_patch", {"patch": patch})
    assert result.refused is not None and "'..' is refused" in result.refused.reason
    assert (tree.parent / "secret.txt").read_text() == "outside\n"


async def test_read_write_edit_list_inside(tree: Path) -> None:
    tools = WorkspaceTools(tree)
    wrote = await tools.call("write_file", {"path": "api/health.py", "content": "A = 1\nB = 2\n"})
    assert not wrote.is_error and wrote.text == "created api/health.py (12 bytes)"
    edited = await tools.call(
        "edit_file", {"path": "api/health.py", "old_text": "B = 2", "new_text": "B = 3"}
    )
    assert edited.text == "edited api/health.py: 1 replacement(s)"
    read = await tools.call("read_file", {"path": "inner/app.py", "start_line": 2})
    assert read.text == "inner/app.py: lines 2-2 of 2\n    return 'ok'\n"
    missing = await tools.call(
        "edit_file", {"path": "api/health.py", "old_text": "C", "new_text": ""}
    )
    assert missing.is_error and missing.refused is None
    listed = (await tools.call("list_files", {})).text.splitlines()
    assert {"api/", "api/health.py", "src/app.py", "key"} <= set(listed)
    assert (tree / "api" / "health.py").read_text() == "A = 1\nB = 3\n"
    bad = await tools.call("read_file", {"path": 7})
    assert bad.is_error and "must be str" in bad.text


async def test_search_patch_and_checks_in_a_real_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data", checks=[PYTEST])
    state = (await open_worktree(project, 1, "fix")).state
    root = Path(state.worktree)
    tools = WorkspaceTools(root, lambda: run_checks(project, state))
    (root / ".venv" / "lib").mkdir(parents=True)  # ignored by the project's .gitignore
    (root / ".venv" / "lib" / "big.py").write_text("a - b\n")
    listed = (await tools.call("list_files", {})).text.splitlines()
    assert "calc.py" in listed and not any(e.startswith(".venv/") for e in listed)
    found = await tools.call("search", {"pattern": "a - b"})
    assert found.text == "calc.py:2:    return a - b"
    failing = await tools.call("run_checks", {})
    assert failing.is_error and "failed (exit 1)" in failing.text and "test_add" in failing.text
    patch = (
        "--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,3 @@\n def add(a, b):\n"
        "-    return a - b\n+    return a + b\n \n"
    )
    applied = await tools.call("apply_patch", {"patch": patch})
    assert not applied.is_error, applied.text
    assert (root / "calc.py").read_text() == CALC_BROKEN.replace("a - b", "a + b")
    passing = await tools.call("run_checks", {})
    assert not passing.is_error and "1 of 1 checks passed" in passing.text
    stale = await tools.call("apply_patch", {"patch": patch})
    assert stale.is_error and "does not apply" in stale.text


def test_every_spec_has_a_tool_and_a_valid_offered_name() -> None:
    for spec in TOOL_SPECS:
        assert callable(getattr(WorkspaceTools, spec.name))
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", namespaced(SERVER, spec.name))
        assert spec.schema["type"] == "object"
