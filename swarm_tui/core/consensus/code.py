"""Consensus over code: each model works in a worktree of its own, the checks judge first.

A consensus task with a project gives each answering model its own worktree of the project
(branch ``swarm/<task>-<slug>-<attempt>.<n>``, in ``.candidates`` under the project's
worktree folder), as an agent CLI's working directory. When the model has answered, its
changes are committed and the project's checks run there: a candidate that changed nothing
or fails a check drops out of the run (the transcript says which check); the others'
answers become their summary and their diff, which the anonymised vote (and the arbiter)
compare as today. The winner's worktree becomes the task's workspace (its ledger row, round
and checks recorded) and the task waits for review; the other candidates' worktrees and
branches (the swarm's own, made for this run) are removed. Votes run in an empty scratch
folder, so a voting CLI cannot touch any worktree. An API model answers through the
workspace tools (``workspace__write_file`` and the rest, behind the approval gate like a
single task's), confined to its own candidate's worktree.

A run that ends waiting for a human vote keeps every candidate's worktree (each state file
names its model: ``consensus candidate of REF``); ``decide`` then reloads them
(:meth:`CodeCandidates.reload`), adopts the chosen one and removes the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from swarm_tui.config import AgentConfig, Settings
from swarm_tui.core.consensus import Answer
from swarm_tui.core.router import split_ref
from swarm_tui.core.toolloop import ToolLoop
from swarm_tui.core.workspace_tools import WorkspaceHost
from swarm_tui.domain.models import Attempt, Task
from swarm_tui.domain.workspaces import CheckRun, RoundRecord, WorkspaceRow
from swarm_tui.providers.base import ChatMessage
from swarm_tui.store.ledger import Ledger
from swarm_tui.workspace.changes import commit_changes, diff_text, diffstat
from swarm_tui.workspace.checks import run_checks
from swarm_tui.workspace.commands import CommandResult
from swarm_tui.workspace.git import git
from swarm_tui.workspace.project import Project, open_project
from swarm_tui.workspace.state import WorkspaceState, load_states, save_state, state_path
from swarm_tui.workspace.worktrees import slug

__all__ = ["CANDIDATE_NOTE", "CodeCandidates"]

CANDIDATE_NOTE = "consensus candidate of "
"""A candidate's state-file note, followed by its model's ref."""

Call = Callable[[str, Sequence[ChatMessage], str | None, ToolLoop | None], Awaitable[Answer]]
"""``call(ref, messages, workdir, tools)``: one model call run in ``workdir`` (an API model
with ``tools``: its tool loop)."""

LoopMaker = Callable[
    [Attempt, str, AgentConfig, bool], tuple[ToolLoop | None, WorkspaceHost | None]
]
""":meth:`Tools.tool_loop <swarm_tui.core.toolcontrol.Tools.tool_loop>`."""


@dataclasses.dataclass
class _Candidate:
    state: WorkspaceState
    results: list[CommandResult] = dataclasses.field(default_factory=list)


class CodeCandidates:
    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        task: Task,
        attempt: Attempt,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings, self.ledger, self.task, self.attempt = settings, ledger, task, attempt
        self.data_dir, self.clock = data_dir, clock
        self.project: Project | None = None
        self.candidates: dict[str, _Candidate] = {}
        self.scratch = Path(tempfile.mkdtemp(prefix="swarm-vote-"))
        self._lock = asyncio.Lock()
        self.tool_loop: LoopMaker | None = None
        """Set by the orchestrator: API models then answer through the workspace tools."""

    def _loop_for(self, ref: str, project: Project, state: WorkspaceState) -> ToolLoop | None:
        """An API model's tool loop over its own candidate's worktree (None: an agent CLI,
        which runs its own tools there, or no loops configured)."""
        agent = self.settings.agents.get(self.attempt.agent)
        if self.tool_loop is None or agent is None:
            return None
        provider, model = split_ref(ref)
        as_call = dataclasses.replace(self.attempt, provider=provider, model=model)
        loop, host = self.tool_loop(as_call, self.attempt.agent, agent, True)
        if host is not None:

            async def checks() -> list[CommandResult]:
                return await run_checks(project, state)

            host.attach(Path(state.worktree), checks)
        return loop

    async def _project(self) -> Project:
        if self.project is None:
            assert self.task.project is not None
            opened = await open_project(self.settings, self.task.project, self.data_dir)
            self.project = dataclasses.replace(opened, root=opened.root / ".candidates")
        return self.project

    async def _worktree(self, ref: str) -> _Candidate:
        async with self._lock:  # the models answer at once: one worktree made at a time
            return self.candidates.get(ref) or await self._new_worktree(ref)

    async def _new_worktree(self, ref: str) -> _Candidate:
        project = await self._project()
        number = f"{self.attempt.number}.{len(self.candidates) + 1}"
        name = f"{self.task.id}-{slug(self.task.title)}-{number}"
        worktree = project.root / name
        start = (await git(project.repo, "rev-parse", f"refs/heads/{project.base}")).out.strip()
        state = WorkspaceState(
            task_id=self.task.id,
            project=project.name,
            branch=f"swarm/{name}",
            worktree=str(worktree),
            base=project.base,
            start_point=project.base,
            start_commit=start,
            created_at=self.clock(),
            title=self.task.title,
            note=CANDIDATE_NOTE + ref,
        )
        project.root.mkdir(parents=True, exist_ok=True)
        save_state(project.root, state)
        await git(
            project.repo, "worktree", "add", "--quiet", "-b", state.branch, str(worktree), start
        )
        self.candidates[ref] = _Candidate(state)
        return self.candidates[ref]

    async def answer(self, ref: str, messages: Sequence[ChatMessage], call: Call) -> Answer:
        """The model's answer made in its own worktree, committed and checked; raises (the
        candidate drops out) when it changed nothing or a check failed."""
        candidate = await self._worktree(ref)
        project, state = await self._project(), candidate.state
        got = await call(ref, messages, state.worktree, self._loop_for(ref, project, state))
        await commit_changes(project, state, agent=self.attempt.agent, model=ref)
        if not state.commits:
            raise RuntimeError("changed nothing in its worktree")
        candidate.results = await run_checks(project, state)
        failed = [r for r in candidate.results if not r.passed]
        if failed:
            said = ", ".join(f"{r.name} {r.verdict()}" for r in failed)
            raise RuntimeError(f"dropped: the checks failed ({said})")
        diff = await diff_text(project, state)
        return Answer(f"{got.text.strip()}\n\n```diff\n{diff}```", got.usage, got.cost)

    async def vote(self, ref: str, messages: Sequence[ChatMessage], call: Call) -> Answer:
        return await call(ref, messages, str(self.scratch), None)

    async def adopt(self, winner: str) -> str:
        """The winning model's worktree becomes the task's workspace; the rest are removed.
        Returns its branch."""
        project = await self._project()
        chosen = self.candidates[winner]
        for ref, candidate in self.candidates.items():
            if ref != winner:
                await self._remove(project, candidate.state)
        state = chosen.state
        state.status = "needs_review"
        home = project.root.parent  # the project's own folder: where review finds it
        save_state(home, state)
        state_path(project.root, state.name).unlink(missing_ok=True)
        now = self.clock()
        number = self.attempt.number
        await self.ledger.save_workspace(
            WorkspaceRow(
                self.task.id,
                number,
                project.name,
                state.worktree,
                state.branch,
                project.base,
                project.base,
                "needs_review",
                note=f"consensus over code: {winner}'s candidate won",
                created_at=now,
                updated_at=now,
            )
        )
        files = await diffstat(project, state)
        runs = (
            [
                CheckRun(
                    self.task.id,
                    number,
                    1,
                    r.name,
                    r.command,
                    r.exit_code,
                    r.timed_out,
                    round(r.duration_s, 3),
                    r.output[-20_000:],
                    now,
                )
                for r in chosen.results
            ]
            or [  # a candidate reloaded for ``decide``: its checks from its state file
                CheckRun(
                    self.task.id,
                    number,
                    1,
                    c.name,
                    c.command,
                    c.exit_code,
                    c.timed_out,
                    round(c.duration_s, 3),
                    c.output[-20_000:],
                    now,
                )
                for c in state.last_checks()
            ]
        )
        await self.ledger.record_round(
            RoundRecord(
                self.task.id,
                number,
                1,
                state.commits[-1],
                len(files),
                sum(f.added or 0 for f in files),
                sum(f.removed or 0 for f in files),
                tuple((f.path, f.added, f.removed) for f in files),
                all(r.exit_code == 0 and not r.timed_out for r in runs) if runs else None,
                now,
            ),
            runs,
        )
        return state.branch

    async def reload(self) -> None:
        """The candidates a run kept for the human (their state files under ``.candidates``),
        by model ref: what :meth:`adopt` needs once ``decide`` picked one."""
        project = await self._project()
        states, _bad = load_states(project.root) if project.root.is_dir() else ([], [])
        for state in states:
            if state.task_id == self.task.id and state.note.startswith(CANDIDATE_NOTE):
                self.candidates[state.note[len(CANDIDATE_NOTE) :]] = _Candidate(state)

    async def discard(self) -> None:
        """Remove every candidate (the run failed or waits for a human)."""
        project = await self._project()
        for candidate in self.candidates.values():
            await self._remove(project, candidate.state)

    async def _remove(self, project: Project, state: WorkspaceState) -> None:
        await git(project.repo, "worktree", "remove", "--force", state.worktree, check=False)
        await git(project.repo, "branch", "-D", state.branch, check=False)
        state_path(project.root, state.name).unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
