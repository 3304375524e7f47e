"""The project's checks, run in a task's worktree: each round recorded with its output,
exit status and duration."""

from __future__ import annotations

from pathlib import Path

from swarm_tui.workspace.commands import CommandResult, run_command
from swarm_tui.workspace.project import Project
from swarm_tui.workspace.state import OUTPUT_KEPT, CheckRecord, WorkspaceState, save_state

__all__ = ["checks_summary", "run_checks"]


async def run_checks(project: Project, state: WorkspaceState) -> list[CommandResult]:
    """Run every check (all of them, even after a failure: the review shows each) as a new
    round; the results are kept in the workspace state."""
    state.rounds += 1
    results: list[CommandResult] = []
    for check in project.config.checks:
        result = await run_command(check.label, check.run, Path(state.worktree), check.timeout_s)
        results.append(result)
        state.checks.append(
            CheckRecord(
                name=result.name,
                command=result.command,
                exit_code=result.exit_code,
                duration_s=round(result.duration_s, 3),
                timed_out=result.timed_out,
                output=result.output[-OUTPUT_KEPT:],
                round=state.rounds,
            )
        )
        save_state(project.root, state)
    return results


def checks_summary(results: list[CommandResult], output_chars: int = 4000) -> str:
    """What an agent (or a reviewer) reads: each check's verdict, and a failing one's output."""
    if not results:
        return "no checks are configured for this project"
    lines: list[str] = []
    for r in results:
        lines.append(f"{r.name}: {r.verdict()} in {r.duration_s:.1f}s")
        if not r.passed:
            tail = r.output[-output_chars:]
            lines.append(tail if tail.endswith("\n") else tail + "\n")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} of {len(results)} checks passed")
    return "\n".join(lines)
