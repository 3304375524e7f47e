"""kill -9 of the process that opens a worktree: the next open finds and finishes it.

No ledger: the worktree's own state file and git (kill -9 of a whole orchestrator on both
ledger backends is test_swarm_crash.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from swarm_tui.workspace.worktrees import find_state, open_worktree
from tests.workspace.gitrepo import make_repo, open_calc, sh

SETUP = (
    "mkdir -p .venv; echo run >> .venv/runs; echo $$ > ../setup.pid;"
    " test -f ../go || exec sleep 300"
)
SCRIPT = """
import asyncio, sys
from pathlib import Path
from tests.workspace.gitrepo import open_calc
from swarm_tui.workspace.worktrees import open_worktree

async def main() -> None:
    project = await open_calc(Path(sys.argv[1]), Path(sys.argv[2]), setup=sys.argv[3])
    await open_worktree(project, 4, "Fix add")

asyncio.run(main())
"""


async def test_killed_during_setup_then_reopened(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    data = tmp_path / "data"
    child = await asyncio.create_subprocess_exec(
        *[sys.executable, "-c", SCRIPT, str(repo), str(data), SETUP],
        cwd=Path(__file__).resolve().parents[2],
        start_new_session=True,
    )
    runs = data / "worktrees" / "calc" / "4-fix-add" / ".venv" / "runs"
    setup_pid = data / "worktrees" / "calc" / "setup.pid"
    for _ in range(3000):  # wait for the condition: setup has started
        if (setup_pid.exists() and setup_pid.read_text().strip()) or child.returncode is not None:
            break
        await asyncio.sleep(0.01)
    assert runs.exists(), "setup never started"
    os.killpg(child.pid, signal.SIGKILL)
    await child.wait()
    # The setup runs in a process group of its own: a kill -9 of its parent leaves it running
    # (this test stops it; the orchestrator will have to, see the report).
    os.killpg(int(setup_pid.read_text()), signal.SIGKILL)
    project = await open_calc(repo, data, setup=SETUP)
    state = find_state(project, 4)
    assert state is not None and not state.setup_done
    (data / "worktrees" / "calc" / "go").write_text("")
    again = await open_worktree(project, 4, "Fix add")
    assert again.reused and again.setup is not None and again.setup.passed and again.ready
    assert runs.read_text() == "run\nrun\n"  # setup ran again, since it never finished
    assert sh(repo, "branch", "--format=%(refname:short)").splitlines() == [
        "main",
        "swarm/4-fix-add",
    ]
    assert sh(repo, "status", "--porcelain") == ""


async def test_killed_before_the_worktree_was_made(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    project = await open_calc(repo, tmp_path / "data")
    state = (await open_worktree(project, 5, "Docs")).state
    # What a kill between writing the state file and `git worktree add` leaves behind:
    sh(repo, "worktree", "remove", state.worktree)
    sh(repo, "branch", "-D", state.branch)
    again = await open_worktree(project, 5, "Docs")
    assert not again.reused and Path(state.worktree).is_dir()
    assert sh(Path(state.worktree), "rev-parse", "HEAD") == state.start_commit
