"""An attempt of a coding task in its git worktree: opened before the agent starts,
committed, checked and (with ``fix_rounds``) sent back to the agent when a check fails.

Order on the way in: the ledger's row for the attempt (``opening``) is written BEFORE the
worktree is made, so a crash in between leaves a row to find; the worktree is made (or the
task's existing one reset and reused: see ``workspace/worktrees.py``), the project's setup
runs once, the row moves to ``open``. A task sent back after its merge met a conflict gets
the base merged into its worktree first, the conflict markers left for the agent.

On the way out (:meth:`AttemptWorkspace.finish`): everything the attempt changed is committed
on the branch (author: the agent and model), the diffstat and the checks are recorded as a
round; a failing round goes back to the agent while fix rounds are left; then the task waits
for review (``needs_review``) or, under ``merge = "auto"`` with every check passed, merges.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from swarm_tui.config import ConfigError, Settings
from swarm_tui.domain.models import Attempt, Task, TaskState
from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.store.ledger import Ledger
from swarm_tui.workspace.changes import commit_changes, diffstat, identity_env
from swarm_tui.workspace.checks import checks_summary, run_checks
from swarm_tui.workspace.commands import CommandResult
from swarm_tui.workspace.git import GitError, git, git_ok
from swarm_tui.workspace.merge import merge_task
from swarm_tui.workspace.project import Project, open_project
from swarm_tui.workspace.state import WorkspaceState, save_state
from swarm_tui.workspace.worktrees import WorkspaceError, find_state, open_worktree, slug

__all__ = ["AttemptWorkspace", "Verdict", "WorkspaceTrouble"]


class WorkspaceTrouble(Exception):
    """The attempt cannot work in its workspace (project, git or setup); said in words."""


@dataclass(frozen=True, slots=True)
class Verdict:
    task_state: TaskState
    """``needs_review``, or ``succeeded`` (merged by itself, or nothing changed)."""
    feedback: str | None = None
    """Set when a fix round is due: what the agent is told (the failing checks' output)."""
    note: str = ""


@dataclass
class AttemptWorkspace:
    settings: Settings
    ledger: Ledger
    task: Task
    attempt: Attempt
    data_dir: Path
    clock: Callable[[], float] = time.time
    project: Project | None = None
    state: WorkspaceState | None = None
    rounds: int = 0
    """Commit-and-check rounds of this attempt so far."""
    told: str = ""
    """What the reviewer's note and a conflict added to the prompt (empty: nothing)."""
    reset_note: str = ""
    """What reusing the worktree discarded (an abandoned attempt's uncommitted leftovers)."""
    carried: tuple[str, tuple[str, ...]] = ("", ())
    """The reviewer's note and the conflicted files this attempt took over: kept on its own
    row until it finishes, so an attempt after a crash is told them again."""

    @property
    def worktree(self) -> Path:
        assert self.state is not None
        return Path(self.state.worktree)

    async def open(self) -> Path:
        """Make or reuse the task's worktree; its folder. :class:`WorkspaceTrouble` if not."""
        assert self.task.project is not None
        try:
            project = await open_project(self.settings, self.task.project, self.data_dir)
            return await self._open(project)
        except (ConfigError, WorkspaceError, GitError, OSError) as exc:
            await self.ledger.set_workspace(
                self.task.id, self.attempt.number, self.clock(), state="failed", note=str(exc)
            )
            raise WorkspaceTrouble(f"workspace of task {self.task.id}: {exc}") from None

    async def _open(self, project: Project) -> Path:
        self.project = project
        task, now = self.task, self.clock()
        earlier = await self.ledger.workspace_of(task.id)
        known = find_state(project, task.id)
        from_task = None if known is not None else await self._from_task(project)
        if known is not None:
            branch, path, start = known.branch, known.worktree, known.start_point
        else:
            name = f"{task.id}-{slug(task.title)}"
            branch, path = f"swarm/{name}", str(project.root / name)
            start = project.base if from_task is None else f"task {from_task}"
        row = WorkspaceRow(
            task.id,
            self.attempt.number,
            project.name,
            path,
            branch,
            project.base,
            start,
            "opening",
            created_at=now,
            updated_at=now,
        )
        await self.ledger.save_workspace(row)  # before git: a crash after it is found later
        opened = await open_worktree(project, task.id, task.title, from_task=from_task)
        self.state = opened.state
        if not opened.ready:
            said = opened.setup.output[-2000:] if opened.setup else ""
            raise WorkspaceError(f"setup failed: {opened.state.note}\n{said}")
        if earlier is not None and earlier.attempt != self.attempt.number:
            await self._take_over(earlier)
        note = f"reset: discarded {', '.join(opened.discarded[:10])}" if opened.discarded else ""
        self.reset_note = note
        await self.ledger.set_workspace(
            task.id,
            self.attempt.number,
            self.clock(),
            state="open",
            path=opened.state.worktree,
            branch=opened.state.branch,
            start_point=opened.state.start_point,
            note=note,
            feedback=self.carried[0],
            conflicts=self.carried[1],
        )
        return Path(opened.state.worktree)

    async def _from_task(self, project: Project) -> int | None:
        """The dependency whose branch this task starts from: the first one with an unmerged
        branch in the same project (QA tests the backend's branch)."""
        for dep in sorted(self.task.after):
            row = await self.ledger.workspace_of(dep)
            if row is None or row.project != project.name or row.state == "merged":
                continue
            if await git_ok(
                project.repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{row.branch}"
            ):
                return dep
        return None

    async def _take_over(self, earlier: WorkspaceRow) -> None:
        """A later attempt takes the worktree over: the reviewer's note, and the base merged
        in when accepting met a conflict (markers left for the agent to resolve)."""
        told: list[str] = []
        self.carried = (earlier.feedback, earlier.conflicts)
        if earlier.feedback:
            told.append(f"A reviewer sent your work back with this note:\n{earlier.feedback}")
        if earlier.conflicts:
            assert self.project is not None
            base = self.project.base
            env = identity_env("swarm-tui", "swarm-tui@swarm-tui.invalid")
            merged = await git(
                self.worktree, "merge", "--no-edit", "--no-ff", base, env=env, check=False
            )
            files = ", ".join(earlier.conflicts)
            if merged.code != 0:
                told.append(
                    f"Your branch conflicts with {base} in: {files}. {base} has been merged into"
                    " your worktree; resolve the conflict markers (<<<<<<< ======= >>>>>>>) in"
                    " those files, keeping both changes where they make sense."
                )
            else:
                told.append(f"{base} (which had conflicted in {files}) merged cleanly now.")
        if earlier.state in ("opening", "open", "needs_review"):
            await self.ledger.set_workspace(
                earlier.task_id,
                earlier.attempt,
                self.clock(),
                state="sent_back" if earlier.feedback or earlier.conflicts else "abandoned",
            )
        self.told = "\n\n".join(told)

    async def checks(self) -> list[CommandResult]:
        """Run the project's checks now (the ``run_checks`` tool); recorded in the state."""
        assert self.project is not None and self.state is not None
        return await run_checks(self.project, self.state)

    async def finish(self, agent: str, model: str) -> Verdict:
        """Commit, record, check; a fix round, ``needs_review`` or a merge."""
        try:
            return await self._finish(agent, model)
        except (WorkspaceError, GitError, OSError) as exc:
            raise WorkspaceTrouble(f"workspace of task {self.task.id}: {exc}") from None

    def _noted(self, note: str) -> str:
        return f"{self.reset_note}; {note}" if self.reset_note else note

    async def _finish(self, agent: str, model: str) -> Verdict:
        project, state = self.project, self.state
        assert project is not None and state is not None
        task, number = self.task, self.attempt.number
        commit = await commit_changes(project, state, agent=agent, model=model)
        at_start = await git_ok(
            project.repo,
            "merge-base",
            "--is-ancestor",
            f"refs/heads/{state.branch}",
            state.start_commit,
        )
        if commit is None and at_start:  # nothing of its own on the branch: nothing to review
            await self.ledger.set_workspace(
                task.id,
                number,
                self.clock(),
                state="empty",
                feedback="",
                conflicts=(),
                note=self._noted("the attempt changed nothing"),
            )
            return Verdict(TaskState.SUCCEEDED, note="the attempt changed nothing")
        files = await diffstat(project, state)
        results = await run_checks(project, state)
        self.rounds += 1
        passed = all(r.passed for r in results) if results else None
        now = self.clock()
        runs = [
            CheckRun(
                task.id,
                number,
                self.rounds,
                r.name,
                r.command,
                r.exit_code,
                r.timed_out,
                round(r.duration_s, 3),
                r.output[-20_000:],
                now,
            )
            for r in results
        ]
        await self.ledger.record_round(
            RoundRecord(
                task.id,
                number,
                self.rounds,
                commit or "",
                len(files),
                sum(f.added or 0 for f in files),
                sum(f.removed or 0 for f in files),
                tuple((f.path, f.added, f.removed) for f in files),
                passed,
                now,
            ),
            runs,
        )
        if passed is False and self.rounds <= project.config.fix_rounds:
            left = project.config.fix_rounds - self.rounds
            feedback = (
                "The project's checks failed on your changes. Fix the code so that they pass"
                f" ({left} more fix round(s) after this one).\n\n{checks_summary(results)}"
            )
            return Verdict(TaskState.NEEDS_REVIEW, feedback=feedback)
        state.status = "needs_review"
        save_state(project.root, state)
        shadow = "shadow" in task.tags  # a shadow sample's work is compared, never merged
        if project.config.merge == "auto" and passed is not False and not shadow:
            outcome = await merge_task(project, state)
            if outcome.merged:
                await self.ledger.set_workspace(
                    task.id,
                    number,
                    self.clock(),
                    state="merged",
                    feedback="",
                    conflicts=(),
                    merged=outcome.commit,
                    note=self._noted(outcome.message),
                )
                return Verdict(TaskState.SUCCEEDED, note=outcome.message)
            await self.ledger.set_workspace(
                task.id,
                number,
                self.clock(),
                state="needs_review",
                feedback="",
                conflicts=outcome.conflicts,
                note=self._noted(outcome.message),
            )
            return Verdict(TaskState.NEEDS_REVIEW, note=outcome.message)
        verdict = "checks passed" if passed else "no checks" if passed is None else "checks failed"
        await self.ledger.set_workspace(
            task.id,
            number,
            self.clock(),
            state="needs_review",
            note=self._noted(verdict),
            feedback="",
            conflicts=(),
        )
        return Verdict(TaskState.NEEDS_REVIEW, note=self._noted(verdict))
