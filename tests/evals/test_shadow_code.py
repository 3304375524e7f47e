"""Shadow samples of code tasks: a real git project, scripted agent CLIs (the live model and
the baseline, each its own script), the project's pytest as the check. A sampled code task's
shadow runs in a worktree of its own; the checks decide first (live passes and baseline fails:
better; the other way: worse) with no judge asked; only when both pass does the blind judge
compare the two sides' work. A shadow is never merged: its worktree and branch go once judged.
The first test runs on both ledger backends; the auto-merge one, a matter of the workspace
policy, on SQLite only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

from swarm_tui.config import load_settings
from swarm_tui.domain.models import TaskSpec, TaskState
from swarm_tui.evals.shadow import by_checks, shadow_settings
from swarm_tui.runtime import shadow_samples
from tests.backends import Backend
from tests.conftest import SQLITE_BACKEND
from tests.workspace.gitrepo import CALC_BROKEN, CALC_FIXED, PYTEST, make_repo, sh
from tests.workspace.swarm import Agent, build, make_agent, wait_for

FIX = {"write": {"calc.py": CALC_FIXED}, "say": "add() adds now"}
WRONG = {"write": {"calc.py": CALC_BROKEN.replace("a - b", "a * b")}, "say": "add() fixed"}
JUDGE_MARK = "Two answers to the same task follow"


def _provider(name: str, agent: Agent) -> str:
    env = "".join(f"{k} = {json.dumps(v)}\n" for k, v in agent.env().items())
    return (
        f'[providers.{name}]\nkind = "claude-code"\n[providers.{name}.cli]\n'
        f"binary = {json.dumps(str(agent.root / 'claude'))}\nswarm_mcp = false\n"
        f"[providers.{name}.cli.env]\n{env}[providers.{name}.models.m]\n\n"
    )


def _config(path: Path, repo: Path, live: Agent, base: Agent, merge: str = "review") -> Path:
    path.write_text(
        _provider("cli", live)
        + _provider("base", base)
        + f"""
[agents.coder]
project = "calc"
max_concurrent = 4
mix = {{ "cli/m" = 1 }}

[budget]
baseline = "base/m"

[eval]
shadow_rate = 1.0
shadow_budget_usd = 1.0

[orchestrator]
heartbeat_seconds = 3600
lease_seconds = 7200

[projects.calc]
repo = {json.dumps(str(repo))}
checks = [{json.dumps(PYTEST)}]
merge = "{merge}"
"""
    )
    return path


async def test_code_samples_are_decided_by_the_checks_before_the_judge(
    backend: Backend, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "live").mkdir()
    (tmp_path / "base").mkdir()
    live, base = make_agent(tmp_path / "live"), make_agent(tmp_path / "base")
    live.play({"[[a]]": [FIX], "[[b]]": [WRONG], "[[c]]": [FIX]})
    base.play(
        {
            JUDGE_MARK: [{"say": "WINNER: tie\nREASON: the same change"}],
            "[[a]]": [WRONG],
            "[[b]]": [FIX],
            "[[c]]": [FIX],
        }
    )
    settings = shadow_settings(load_settings(_config(tmp_path / "c.toml", repo, live, base)))
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = build(settings, ledger, tmp_path / "logs")
    runner = asyncio.create_task(orch.run())
    try:
        async with shadow_samples(orch) as sampler:
            assert sampler is not None
            made = await orch.submit(
                [TaskSpec(prompt=f"[[{m}]] make add() add", role="coder") for m in "abc"]
            )
            ids = {m: t.id for m, (t, _) in zip("abc", made, strict=True)}

            async def decided() -> bool:
                samples = await ledger.shadow_samples()
                return len(samples) == 3 and all(s.verdict != "pending" for s in samples)

            await wait_for(decided, 240, "three code samples to be decided")
    finally:
        await orch.stop()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner

    try:
        verdicts = {s.task_id: s for s in await ledger.shadow_samples()}
        assert verdicts[ids["a"]].verdict == "better"  # live passed, baseline failed
        assert verdicts[ids["b"]].verdict == "worse"  # live failed, baseline passed
        assert verdicts[ids["c"]].verdict == "same"  # both passed: the judge, a tie both ways
        for sample in verdicts.values():
            assert sample.baseline == "base/m" and sample.model == "cli/m"

        # Each shadow ran in a worktree of its own, on the same project.
        live_dirs = {Path(r["cwd"]).resolve() for r in live.runs()}
        coded = [r for r in base.runs() if JUDGE_MARK not in r["prompt"]]
        assert len(coded) == 3
        assert {Path(r["cwd"]).resolve() for r in coded}.isdisjoint(live_dirs)
        for run in coded:
            assert str(Path(run["cwd"]).resolve()).startswith(str(tmp_path.resolve()))
            assert Path(run["cwd"]).resolve() != repo.resolve()
        # The judge was asked only where the checks did not decide: twice (both orders), on c.
        judged = [r["prompt"] for r in base.runs() if JUDGE_MARK in r["prompt"]]
        assert len(judged) == 2 and all("[[c]]" in p for p in judged)
        assert all("return a + b" in p for p in judged)  # it saw the two diffs
        assert all("cli/m" not in p and "base/m" not in p for p in judged)  # blind

        # The live tasks wait for review, untouched; the shadows were never merged, and
        # their worktrees and branches are gone.
        for task_id in ids.values():
            assert (await ledger.get_task(task_id)).state is TaskState.NEEDS_REVIEW  # type: ignore[union-attr]
        samples = list(verdicts.values())
        for sample in samples:
            assert sample.shadow_task_id is not None
            shadow = await ledger.get_task(sample.shadow_task_id)
            assert shadow is not None and shadow.state is TaskState.CANCELLED
            assert sh(repo, "branch", "--list", f"swarm/{shadow.id}-*") == ""
        assert sh(repo, "show", "main:calc.py") + "\n" == CALC_BROKEN
    finally:
        await ledger.close()


@SQLITE_BACKEND
async def test_a_passing_shadow_is_never_merged_even_under_auto_merge(
    backend: Backend, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo")
    (tmp_path / "live").mkdir()
    (tmp_path / "base").mkdir()
    live, base = make_agent(tmp_path / "live"), make_agent(tmp_path / "base")
    live.play({"[[b]]": [WRONG]})
    base.play({"[[b]]": [FIX]})
    config = _config(tmp_path / "c.toml", repo, live, base, merge="auto")
    settings = shadow_settings(load_settings(config))
    ledger = await backend.open(tmp_path / "data" / "ledger.db")
    orch = build(settings, ledger, tmp_path / "logs")
    runner = asyncio.create_task(orch.run())
    try:
        async with shadow_samples(orch):
            [(task, _)] = await orch.submit([TaskSpec(prompt="[[b]] make add() add", role="coder")])

            async def decided() -> bool:
                samples = await ledger.shadow_samples()
                return bool(samples) and samples[0].verdict != "pending"

            await wait_for(decided, 240, "the code sample to be decided")
        [sample] = await ledger.shadow_samples()
        assert sample.task_id == task.id and sample.verdict == "worse"
        assert sample.shadow_task_id is not None
        row = await ledger.workspace_of(sample.shadow_task_id)
        assert row is not None and row.state != "merged" and not row.merged
        assert (
            sh(repo, "show", "main:calc.py") + "\n" == CALC_BROKEN
        )  # the passing shadow: not merged
    finally:
        await orch.stop()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
        await ledger.close()


def test_the_checks_decide_only_when_one_side_passed_and_the_other_failed() -> None:
    assert by_checks(True, False) == "better"
    assert by_checks(False, True) == "worse"
    assert by_checks(True, True) is None and by_checks(False, False) is None
    assert by_checks(True, None) is None and by_checks(None, False) is None
