"""Consensus over code with three scripted agent CLIs: each works in its own worktree; one
fails the project's checks and drops out (the transcript says so), two pass with different
diffs, the vote picks one, its branch waits for review and merges. On both ledger backends
(the consensus record, the candidates' settling into needs_review and the workspace rows are
the ledger's)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from swarm_tui.config import load_settings
from swarm_tui.domain.models import TaskMode, TaskSpec, TaskState
from tests.backends import Backend
from tests.workspace.gitrepo import CALC_BROKEN, CALC_FIXED, PYTEST, make_repo, sh
from tests.workspace.swarm import build, make_agent

SUM = CALC_BROKEN.replace("return a - b", "return sum((a, b))")
WRONG = CALC_BROKEN.replace("return a - b", "return a * b")


def _config(
    tmp_path: Path,
    repo: Path,
    plays: dict[str, dict[str, object]],
    *,
    votes: dict[str, str] | None = None,
    human: bool = False,
) -> Path:
    """Scripted agent CLIs (c1, c2, c3) as one consensus agent over project calc; each votes
    for the candidate holding ``votes[name]`` (default ``sum((a, b))``)."""
    sections = []
    for name, step in plays.items():
        (tmp_path / name).mkdir()
        agent = make_agent(tmp_path / name)
        agent.play({"[[fix]]": [step]})
        wanted = (votes or {}).get(name, "sum((a, b))")
        env = {**agent.env(), "FAKE_AGENT_VOTE_FOR": wanted}
        lines = "".join(f"{k} = {json.dumps(v)}\n" for k, v in env.items())
        sections.append(
            f'[providers.{name}]\nkind = "claude-code"\n[providers.{name}.models.m]\n'
            f"[providers.{name}.cli]\nbinary = {json.dumps(str(agent.root / 'claude'))}\n"
            f"swarm_mcp = false\n[providers.{name}.cli.env]\n{lines}\n"
        )
    config = tmp_path / "config.toml"
    config.write_text(
        "".join(sections)
        + f"""
[agents.coder]
mix = {{ {", ".join(f'"{n}/m" = 1' for n in plays)} }}

[consensus]
human = {json.dumps(human)}

[projects.calc]
repo = {json.dumps(str(repo))}
checks = [{json.dumps(PYTEST)}]
"""
    )
    return config


async def test_checks_judge_first_then_the_vote_picks_a_passing_diff(
    backend: Backend, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    plays: dict[str, dict[str, object]] = {
        "c1": {"write": {"calc.py": WRONG}, "say": "multiplied"},
        "c2": {"write": {"calc.py": CALC_FIXED}, "say": "plus sign"},
        "c3": {"write": {"calc.py": SUM}, "say": "sum of both"},
    }
    config = _config(tmp_path, repo, plays)
    settings = load_settings(config)
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = build(settings, ledger, tmp_path / "logs")
    try:
        spec = TaskSpec(
            prompt="[[fix]] make add() add", role="coder", mode=TaskMode.CONSENSUS, project="calc"
        )
        [(task, _)] = await orch.submit([spec])
        await asyncio.wait_for(orch.run(until_idle=True), 240)
        done = await orch.task(task.id)
        [attempt] = await orch.attempts(task.id)
        assert done.state is TaskState.NEEDS_REVIEW, (done.error, attempt.output)
        assert "✗ c1/m failed: dropped: the checks failed" in attempt.output
        assert "waits for review" in attempt.output
        record = await orch.consensus_record(task.id)
        assert record is not None and record.decided_by == "vote", record
        review = await orch.review_of(task.id)
        assert review is not None and review.passed is True
        assert "sum((a, b))" in review.diff and review.workspace.state == "needs_review"
        branches = sh(repo, "branch", "--format=%(refname:short)").split()
        assert branches == ["main", review.workspace.branch]  # the losers are gone
        assert (await orch.review_accept(task.id)).done
        assert "sum((a, b))" in sh(repo, "show", "main:calc.py")
    finally:
        await orch.stop()
        await ledger.close()


async def test_when_every_candidate_fails_the_checks_the_task_fails_and_nothing_is_left(
    backend: Backend,
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    wrong: dict[str, object] = {"write": {"calc.py": WRONG}, "say": "multiplied"}
    config = _config(tmp_path, repo, {"c1": wrong, "c2": wrong, "c3": {"say": "no edit"}})
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = build(load_settings(config), ledger, tmp_path / "logs")
    try:
        spec = TaskSpec(
            prompt="[[fix]] make add() add", role="coder", mode=TaskMode.CONSENSUS, project="calc"
        )
        [(task, _)] = await orch.submit([spec])
        await asyncio.wait_for(orch.run(until_idle=True), 240)
        done = await orch.task(task.id)
        assert done.state is TaskState.FAILED and "no model answered" in (done.error or "")
        [attempt] = await orch.attempts(task.id)
        assert "✗ c3/m failed: changed nothing in its worktree" in attempt.output
        assert sh(repo, "branch", "--format=%(refname:short)") == "main"
        assert len(sh(repo, "worktree", "list").splitlines()) == 1
    finally:
        await orch.stop()
        await ledger.close()


async def test_a_split_vote_keeps_the_candidates_until_decide_picks_one(
    backend: Backend, tmp_path: Path
) -> None:
    """Two passing candidates, each voter for its own: the run waits for the human with both
    worktrees kept; ``decide`` makes the picked one's branch the task's workspace
    (needs_review, its checks recorded) and removes the other."""
    repo = make_repo(tmp_path / "repo")
    plays: dict[str, dict[str, object]] = {
        "c1": {"write": {"calc.py": CALC_FIXED}, "say": "plus sign"},
        "c2": {"write": {"calc.py": SUM}, "say": "sum of both"},
    }
    votes = {"c1": "plus sign", "c2": "sum of both"}
    config = _config(tmp_path, repo, plays, votes=votes, human=True)
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = build(load_settings(config), ledger, tmp_path / "logs")
    try:
        spec = TaskSpec(
            prompt="[[fix]] make add() add", role="coder", mode=TaskMode.CONSENSUS, project="calc"
        )
        [(task, _)] = await orch.submit([spec])
        await asyncio.wait_for(orch.run(until_idle=True), 240)
        waiting = await orch.task(task.id)
        [attempt] = await orch.attempts(task.id)
        assert waiting.state is TaskState.NEEDS_VOTE, (waiting.error, attempt.output)
        assert "worktrees are kept until your vote" in attempt.output
        branches = sh(repo, "branch", "--format=%(refname:short)").split()
        assert len(branches) == 3, branches  # main and both candidates
        assert len(sh(repo, "worktree", "list").splitlines()) == 3
        record = await orch.consensus_record(task.id)
        assert record is not None and record.status == "needs_human"
        [c2] = [c.id for c in record.candidates if c.model == "c2/m"]
        label = next(g.label for g in record.groups if c2 in g.members)

        decided = await orch.decide(task.id, label, "sum reads better")
        assert decided.state is TaskState.NEEDS_REVIEW, decided
        review = await orch.review_of(task.id)
        assert review is not None and review.workspace.state == "needs_review"
        assert "sum((a, b))" in review.diff and review.passed is True
        kept = sh(repo, "branch", "--format=%(refname:short)").split()
        assert sorted(kept) == sorted(["main", review.workspace.branch])
        assert len(sh(repo, "worktree", "list").splitlines()) == 2
        outcome = await orch.review_accept(task.id)
        assert outcome.done, outcome
        assert "sum((a, b))" in sh(repo, "show", "main:calc.py")
    finally:
        await orch.stop()
        await ledger.close()
