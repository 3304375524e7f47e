"""How ``swarm-tui workspaces`` and ``swarm-tui review`` print: tables, one review."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.domain.workspaces import Review, WorkspaceRow

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


def workspace_row(row: WorkspaceRow, task_state: str) -> list[str]:
    where = row.path if Path(row.path).is_dir() else "(removed)"
    return [str(row.task_id), row.project, row.state, task_state, row.branch, where]


def checks_verdict(review: Review) -> str:
    if not review.checks:
        return "none run" if not review.rounds else "none configured"
    failed = [c.name for c in review.checks if not c.passed]
    return f"{len(review.checks) - len(failed)}/{len(review.checks)} passed" + (
        f" (failed: {', '.join(failed)})" if failed else ""
    )


def review_row(review: Review) -> list[str]:
    added = sum(f.added or 0 for f in review.files)
    removed = sum(f.removed or 0 for f in review.files)
    return [
        str(review.task_id),
        review.workspace.project,
        str(len(review.files)),
        f"+{added}/-{removed}",
        checks_verdict(review),
        review.title[:50],
    ]


def print_review(review: Review, *, full: bool) -> None:
    row = review.workspace
    print(f"task {review.task_id}: {review.title} ({review.task_state})")
    print(f"project {row.project}: {row.branch} -> {row.base} (workspace {row.state})")
    print(f"worktree: {row.path}")
    if row.note:
        print(f"note: {row.note}")
    if row.conflicts:
        print(f"conflicts with {row.base}: {', '.join(row.conflicts)} (send it back to resolve)")
    if not review.branch_exists:
        print("the branch no longer exists")
        return
    print("\nfiles changed:")
    for change in review.files:
        counts = "binary" if change.added is None else f"+{change.added} -{change.removed}"
        print(f"  {counts:>12}  {change.path}")
    last = review.checks[0].round if review.checks else len(review.rounds)
    print(f"\nchecks (round {last} of attempt {row.attempt}): {checks_verdict(review)}")
    for check in review.checks:
        print(f"--- {check.name}: {check.verdict()} in {check.duration_s:.1f}s ({check.command})")
        output = check.output if full else check.output[-SHOWN_OUTPUT:]
        print(output.rstrip())
    if review.summary.strip():
        print("\nthe agent said:")
        print(review.summary.strip())
    print("\ndiff:")
    print(review.diff.rstrip())
