"""``swarm-tui workspaces [gc]`` and ``swarm-tui review list|show|accept|reject TASK``:
the coding tasks' worktrees and their review, from a shell (over SSH, without the room).

Until the ledger records workspaces, what these commands know comes from git (branches
``swarm/<task>-<slug>``, worktrees) and the state file beside each worktree. Exit status:
0 done, 1 the merge met a conflict or was refused (nothing changed), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from swarm_tui.cli.workspace_view import print_review, print_table, review_row, workspace_row
from swarm_tui.config import ConfigError, Settings
from swarm_tui.core.opening import db_path, settings_from_args
from swarm_tui.workspace.cleanup import collect_garbage, reject_task
from swarm_tui.workspace.git import GitError
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project, open_project
from swarm_tui.workspace.state import WorkspaceState, load_states
from swarm_tui.workspace.worktrees import WorkspaceError

__all__ = ["cmd_review", "cmd_workspaces"]


async def _projects(settings: Settings, data_dir: Path, only: str | None) -> list[Project]:
    """The projects to look at; one that cannot be opened is named on stderr and skipped
    (unless it is the one asked for)."""
    if only is not None:
        return [await open_project(settings, only, data_dir)]
    opened: list[Project] = []
    for name in settings.projects:
        try:
            opened.append(await open_project(settings, name, data_dir))
        except ConfigError as exc:
            print(f"swarm-tui: skipped: {exc}", file=sys.stderr)
    if not settings.projects:
        print(f"no projects are configured ([projects.NAME] in {settings.source})")
    return opened


def _states(project: Project) -> list[WorkspaceState]:
    states, bad = load_states(project.root)
    for path in bad:
        print(f"swarm-tui: {path}: not a workspace state file; left alone", file=sys.stderr)
    return [s for s in states if s.project == project.name]


async def _find(settings: Settings, data_dir: Path, task: int) -> tuple[Project, WorkspaceState]:
    for project in await _projects(settings, data_dir, None):
        for state in _states(project):
            if state.task_id == task:
                return project, state
    raise WorkspaceError(f"task {task} has no workspace (swarm-tui workspaces lists them)")


def _setup(args: argparse.Namespace) -> tuple[Settings, Path]:
    settings = settings_from_args(args.config)
    return settings, db_path(settings, args.db).parent


async def cmd_workspaces(args: argparse.Namespace) -> int:
    settings, data_dir = _setup(args)
    try:
        projects = await _projects(settings, data_dir, args.project)
        if args.action == "gc":
            for project in projects:
                report = await collect_garbage(project)
                for path in report.removed_worktrees:
                    print(f"{project.name}: removed worktree {path}")
                for branch in report.deleted_branches:
                    print(f"{project.name}: deleted merged branch {branch}")
                for task, why in report.kept:
                    print(f"{project.name}: kept task {task}: {why}")
            return 0
        rows = [await workspace_row(p, s) for p in projects for s in _states(p)]
        print_table(["TASK", "PROJECT", "STATUS", "AHEAD", "BRANCH", "WORKTREE"], rows)
        return 0
    except (WorkspaceError, GitError) as exc:
        print(f"swarm-tui: {exc}", file=sys.stderr)
        return 2


async def cmd_review(args: argparse.Namespace) -> int:
    settings, data_dir = _setup(args)
    try:
        if args.review_action == "list":
            projects = await _projects(settings, data_dir, args.project)
            waiting = [(p, s) for p in projects for s in _states(p) if s.status == "needs_review"]
            rows = [await review_row(p, s) for p, s in waiting]
            print_table(["TASK", "PROJECT", "FILES", "+/-", "CHECKS", "TITLE"], rows)
            return 0
        project, state = await _find(settings, data_dir, args.task)
        if args.review_action == "show":
            await print_review(project, state, full=args.full)
            return 0
        if args.review_action == "reject":
            tip = await reject_task(project, state)
            print(f"rejected task {state.task_id}: worktree {state.worktree} removed")
            if tip:
                print(
                    f"branch {state.branch} deleted (git branch {state.branch} {tip} restores it)"
                )
            return 0
        outcome = await merge_task(project, state)
        print(outcome.message)
        for path in outcome.conflicts:
            print(f"  conflict: {path}")
        for checkout in outcome.followed:
            print(f"  {checkout} follows {state.base}; its uncommitted changes are kept")
        return 0 if outcome.merged else 1
    except (WorkspaceError, GitError) as exc:
        print(f"swarm-tui: {exc}", file=sys.stderr)
        return 2
