"""kill -9 of a real headless orchestrator (and the processes it ran) during an agent's edit
and during the checks: after a restart the branch is intact, the task runs again in the same
worktree (reset: the dead attempt's uncommitted leftovers are discarded, its commits kept),
nothing leaks into another task's worktree, and the user's checkout is untouched. On both
ledger backends (the restarted run finds the dead attempt and its workspace row in the
ledger; on PostgreSQL through ``$SWARM_TUI_DB_URL``); the kill during the checks stays on
SQLite (its ledger part, the dead attempt found again, is the edit's; it is the slower one)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from tests.backends import Backend
from tests.conftest import SQLITE_BACKEND
from tests.e2e.crash import start_run
from tests.workspace.gitrepo import CALC_BROKEN, CALC_FIXED, PYTEST, make_repo, sh
from tests.workspace.swarm import make_agent, write_config

pytestmark = pytest.mark.slow


async def _kill_tree_when(
    proc: asyncio.subprocess.Process, mark: Path, durable: Callable[[], bool] = lambda: True
) -> None:
    """SIGKILL the orchestrator and every process under it once ``mark`` exists and
    ``durable()`` holds (a machine that dies takes the agent CLI and the checks with it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while not (mark.exists() and durable()):
        if proc.returncode is not None:
            out = (await proc.stdout.read()).decode() if proc.stdout else ""
            raise AssertionError(f"the run ended before {mark.name}: {out}")
        assert loop.time() < deadline, f"timed out waiting for {mark}"
        await asyncio.sleep(0.05)
    tree = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    for child in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.send_signal(signal.SIGKILL)
    await proc.wait()
    _gone, alive = psutil.wait_procs(tree, timeout=30)
    assert not alive


async def _finish(proc: asyncio.subprocess.Process) -> str:
    """The run's output once it ended by itself (exit 0); a run still going after 180 s is
    killed and what it said, and what still runs under it, told."""
    assert proc.stdout is not None
    said: list[bytes] = []

    async def pump() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            said.append(line)

    reader = asyncio.create_task(pump())
    try:
        await asyncio.wait_for(asyncio.shield(reader), 180)
    except TimeoutError:
        alive = psutil.pid_exists(proc.pid)
        under = (
            [p.cmdline()[:3] for p in psutil.Process(proc.pid).children(recursive=True)]
            if alive
            else []
        )
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        reader.cancel()
        told = b"".join(said).decode()[-3000:]
        raise AssertionError(
            f"the restarted run did not end (alive {alive}, under it {under}): {told}"
        ) from None
    await proc.wait()
    out = b"".join(said).decode()
    assert proc.returncode == 0, out
    return out


def _rows(backend: Backend, db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    found = backend.query(db, sql, args)
    assert isinstance(found, list)
    return found


def _setup(tmp_path: Path, script: dict[str, list[dict[str, object]]], **project: object):  # type: ignore[no-untyped-def]
    repo = make_repo(tmp_path / "repo")
    (repo / "mine.txt").write_text("uncommitted, the user's\n")
    agent = make_agent(tmp_path)
    agent.play(script)
    config = write_config(tmp_path / "config.toml", repo, agent, **project)
    return repo, agent, config


async def test_kill_9_during_an_edit(backend: Backend, tmp_path: Path) -> None:
    mark, hold = tmp_path / "editing", tmp_path / "never"
    half = {"write": {"half.py": "# half done\n"}, "mark": str(mark), "hold": str(hold)}
    docs = {"replace": [["README.md", "line two", "line 2"]], "say": "docs"}
    repo, agent, config = _setup(tmp_path, {"[[fix]]": [half, {"write": {"calc.py": CALC_FIXED}}],
                                            "[[docs]]": [docs]})  # fmt: skip
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        '[[task]]\nkey = "fix"\nprompt = "[[fix]] make add() add"\n\n'
        '[[task]]\nkey = "docs"\nprompt = "[[docs]] number the lines"\npriority = -1\n'
    )
    db = tmp_path / "data" / "ledger.db"
    backend.export(db)
    # killed once the agent CLI's session is in the ledger: the next attempt resumes it (and
    # is told its second turn); a kill before that commit would start the session afresh
    session = "SELECT 1 FROM events WHERE kind = 'cli_session' AND task_id = 1"
    run = await start_run(config, db, tasks)
    await _kill_tree_when(run, mark, lambda: bool(backend.query(db, session)))
    [(path, branch)] = _rows(backend, db, "SELECT path, branch FROM workspaces WHERE task_id = 1")
    assert (Path(str(path)) / "half.py").exists()  # killed with the edit under way

    await _finish(await start_run(config, db, tasks))
    assert _rows(backend, db, "SELECT id, state FROM tasks ORDER BY id") == [
        (1, "needs_review"), (2, "needs_review"),
    ]  # fmt: skip
    states = _rows(
        backend, db, "SELECT number, state FROM attempts WHERE task_id = 1 ORDER BY number"
    )
    assert states == [(1, "abandoned"), (2, "succeeded")]
    rows = _rows(
        backend,
        db,
        "SELECT attempt, state, path, note FROM workspaces WHERE task_id = 1 ORDER BY attempt",
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [(1, "abandoned", path), (2, "needs_review", path)]
    assert "discarded half.py" in str(rows[1][3])
    assert not (Path(str(path)) / "half.py").exists()
    assert sh(repo, "show", f"{branch}:calc.py") + "\n" == CALC_FIXED
    assert sh(repo, "rev-list", "--count", f"main..{branch}") == "1"
    assert "half.py" not in sh(repo, "ls-tree", "-r", "--name-only", str(branch))
    [(docs_branch,)] = _rows(
        backend, db, "SELECT DISTINCT branch FROM workspaces WHERE task_id = 2"
    )
    assert sh(repo, "diff", "--name-only", f"main...{docs_branch}") == "README.md"
    assert sh(repo, "show", "main:calc.py") + "\n" == CALC_BROKEN  # nothing merged
    assert (repo / "mine.txt").read_text() == "uncommitted, the user's\n"
    assert len(sh(repo, "worktree", "list").splitlines()) == 3  # the checkout and two tasks
    agent_cwds = {r["cwd"] for r in agent.runs() if r["marker"] == "[[fix]]"}
    assert agent_cwds == {str(path)}


@SQLITE_BACKEND
async def test_kill_9_during_the_checks(backend: Backend, tmp_path: Path) -> None:
    mark, hold = tmp_path / "checking", tmp_path / "go"
    check = f"touch {mark}; while [ ! -f {hold} ]; do sleep 0.05; done; {PYTEST}"
    fix = {"write": {"calc.py": CALC_FIXED}, "say": "fixed"}
    repo, _agent, config = _setup(tmp_path, {"[[fix]]": [fix, {"say": "already done"}]})
    shorthand = f"checks = [{json.dumps(PYTEST)}]"
    config.write_text(config.read_text().replace(shorthand, f"checks = [{json.dumps(check)}]"))
    tasks = tmp_path / "tasks.toml"
    tasks.write_text('[[task]]\nkey = "fix"\nprompt = "[[fix]] make add() add"\n')
    db = tmp_path / "data" / "ledger.db"
    backend.export(db)
    await _kill_tree_when(await start_run(config, db, tasks), mark)
    [(branch,)] = _rows(backend, db, "SELECT branch FROM workspaces WHERE task_id = 1")
    tip = sh(repo, "rev-parse", str(branch))
    assert sh(repo, "rev-list", "--count", f"main..{branch}") == "1"  # committed before checks
    assert _rows(backend, db, "SELECT COUNT(*) FROM check_runs") == [(0,)]

    hold.touch()
    await _finish(await start_run(config, db, tasks))
    assert _rows(backend, db, "SELECT state FROM tasks") == [("needs_review",)]
    assert sh(repo, "rev-parse", str(branch)) == tip  # the branch intact, nothing new
    assert _rows(backend, db, "SELECT attempt, round, passed FROM workspace_rounds") == [(2, 1, 1)]
    assert _rows(backend, db, "SELECT attempt, exit_code FROM check_runs") == [(2, 0)]
    assert (repo / "mine.txt").read_text() == "uncommitted, the user's\n"
    if not backend.postgres:
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
