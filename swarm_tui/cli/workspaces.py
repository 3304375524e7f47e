"""``swarm-tui workspaces [gc]`` and ``swarm-tui review list|show|accept|reject|send-back
TASK``: the coding tasks' worktrees and their review, from a shell (over SSH, without the
room), read from the ledger's workspace rows (``core/review.py`` does the moves).

Exit status: 0 done, 1 the merge met a conflict or was refused (nothing changed), 2 bad
input (an unknown task, one not waiting for review, no ledger).
"""

from __future__ import annotations

import argparse
import sys

from swarm_tui.cli.workspace_view import print_review, print_table, review_row, workspace_row
from swarm_tui.config import ConfigError
from swarm_tui.core.errors import ControlError
from swarm_tui.core.opening import db_path, open_ledger, settings_from_args
from swarm_tui.core.review import Reviews
from swarm_tui.store.db import LedgerError
from swarm_tui.store.ledger import Ledger
from swarm_tui.workspace.cleanup import collect_garbage
from swarm_tui.workspace.git import GitError
from swarm_tui.workspace.project import open_project
from swarm_tui.workspace.worktrees import WorkspaceError

__all__ = ["cmd_review", "cmd_workspaces"]


def _fail(text: object) -> int:
    print(f"swarm-tui: {text}", file=sys.stderr)
    return 2


async def cmd_workspaces(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    try:
        ledger = await open_ledger(settings, path, readonly=True)
    except LedgerError as exc:
        return _fail(exc)
    try:
        rows = [r for r in await ledger.workspace_rows() if args.project in (None, r.project)]
        tasks = {t.id: t for t in await ledger.get_tasks(r.task_id for r in rows)}
        if args.action != "gc":
            table = [workspace_row(r, tasks[r.task_id].state.value) for r in rows]
            print_table(["TASK", "PROJECT", "WORKSPACE", "TASK STATE", "BRANCH", "WORKTREE"], table)
            return 0
        ended = {t.id for t in tasks.values() if t.state.terminal}
        for name in sorted({r.project for r in rows}):
            project = await open_project(settings, name, path.parent)
            report = await collect_garbage(project, ended)
            for where in report.removed_worktrees:
                print(f"{name}: removed worktree {where}")
            for branch in report.deleted_branches:
                print(f"{name}: deleted merged branch {branch}")
            for task, why in report.kept:
                print(f"{name}: kept task {task}: {why}")
        return 0
    except (ConfigError, WorkspaceError, GitError) as exc:
        return _fail(exc)
    finally:
        await ledger.close()


async def cmd_review(args: argparse.Namespace) -> int:
    settings = settings_from_args(args.config)
    path = db_path(settings, args.db)
    action = args.review_action
    try:
        ledger = await open_ledger(settings, path, readonly=action in ("list", "show"))
    except LedgerError as exc:
        return _fail(exc)
    try:
        return await _review(Reviews(settings, ledger, path.parent), ledger, args)
    except ControlError as exc:
        return _fail(exc)
    finally:
        await ledger.close()


async def _review(reviews: Reviews, ledger: Ledger, args: argparse.Namespace) -> int:
    action = args.review_action
    if action == "list":
        rows = await ledger.workspace_rows(states=["needs_review"])
        table = []
        for row in rows:
            review = await reviews.review_of(row.task_id)
            mine = args.project in (None, row.project)
            if review is not None and review.task_state == "needs_review" and mine:
                table.append(review_row(review))
        print_table(["TASK", "PROJECT", "FILES", "+/-", "CHECKS", "TITLE"], table)
        return 0
    if action == "show":
        review = await reviews.review_of(args.task)
        if review is None:
            raise ControlError(
                f"task {args.task} has no workspace (swarm-tui workspaces lists them)"
            )
        print_review(review, full=args.full)
        return 0
    if action == "reject":
        out = await reviews.reject(args.task, args.note or "")
        print(out.message)
        return 0
    if action == "send-back":
        out = await reviews.send_back(args.task, args.note or "")
        print(out.message)
        return 0
    out = await reviews.accept(args.task)
    print(out.message)
    for conflict in out.conflicts:
        print(f"  conflict: {conflict}")
    if out.conflicts:
        print(f"  swarm-tui review send-back {args.task} --note '...' gives the agent the conflict")
    return 0 if out.done else 1
