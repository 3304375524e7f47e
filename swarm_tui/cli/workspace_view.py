"""How ``swarm-tui workspaces`` and ``swarm-tui review`` print: tables, one review."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.workspace.changes import diff_text, diffstat
from swarm_tui.workspace.git import git
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import WorkspaceState
from swarm_tui.workspace.worktrees import branch_exists, is_folder

__all__ = ["print_review", "print_table", "review_row", "workspace_row"]

SHOWN_OUTPUT = 3000
"""Characters of a check's output ``review show`` prints (the end) without ``--full``."""


def print_table(header: list[str], rows: list[list[str]]) -> None:
    if not rows:
        print("(none)")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


async def _ahead(project: Project, state: WorkspaceState) -> str:
    if not await branch_exists(project.repo, state.branch):
        return "-"
    span = f"refs/heads/{state.base}..refs/heads/{state.branch}"
    return (await git(project.repo, "rev-list", "--count", span)).out.strip()


async def workspace_row(project: Project, state: WorkspaceState) -> list[str]:
    path = Path(state.worktree)
    where = state.worktree if is_folder(path) else "(removed)"
    branch = state.branch if await branch_exists(project.repo, state.branch) else "(deleted)"
    return [
        str(state.task_id),
        project.name,
        state.status,
        await _ahead(project, state),
        branch,
        where,
    ]


def _checks_verdict(state: WorkspaceState) -> str:
    last = state.last_checks()
    if not last:
        return "none run" if state.rounds == 0 else "none configured"
    failed = [c.name for c in last if c.exit_code != 0 or c.timed_out]
    return f"{len(last) - len(failed)}/{len(last)} passed" + (
        f" (failed: {', '.join(failed)})" if failed else ""
    )


async def review_row(project: Project, state: WorkspaceState) -> list[str]:
    files = (
        await diffstat(project, state) if await branch_exists(project.repo, state.branch) else []
    )
    added = sum(f.added or 0 for f in files)
    removed = sum(f.removed or 0 for f in files)
    return [
        str(state.task_id),
        project.name,
        str(len(files)),
        f"+{added}/-{removed}",
        _checks_verdict(state),
        state.title[:50],
    ]


async def print_review(project: Project, state: WorkspaceState, *, full: bool) -> None:
    print(f"task {state.task_id}: {state.title}")
    print(f"project {project.name}: {state.branch} -> {state.base} ({state.status})")
    if state.note:
        print(f"note: {state.note}")
    if not await branch_exists(project.repo, state.branch):
        print("the branch no longer exists")
        return
    print("\nfiles changed:")
    for change in await diffstat(project, state):
        counts = "binary" if change.added is None else f"+{change.added} -{change.removed}"
        print(f"  {counts:>12}  {change.path}")
    print(f"\nchecks (round {state.rounds}): {_checks_verdict(state)}")
    for check in state.last_checks():
        verdict = "timed out" if check.timed_out else f"exit {check.exit_code}"
        print(f"--- {check.name}: {verdict} in {check.duration_s:.1f}s ({check.command})")
        output = check.output if full else check.output[-SHOWN_OUTPUT:]
        print(output.rstrip())
    print("\ndiff:")
    print((await diff_text(project, state)).rstrip())
