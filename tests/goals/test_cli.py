"""The goal commands as real processes against a loopback stand-in (an OpenAI-compatible
server in the test process): the ``feature`` template runs without the planner and
``report --by goal`` shows tokens per model, cost, time, quality and the saving against the
baseline; a goal killed with SIGKILL while planning, and again mid-step, resumes to its end
with every step run once."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

import psutil

from swarm_tui.domain.goals import GoalState
from tests.backends import Backend
from tests.e2e.crash import cli
from tests.goals.standin import Script
from tests.providers.loopback import LoopbackServer, Recorded, Reply

CONFIG = """
[providers.p]
kind = "openai"
base_url = "{url}/v1"
max_concurrent = 8
[providers.p.models.cheap]
input_per_mtok = 0.1
output_per_mtok = 0.4
max_tokens = 256
[providers.p.models.dear]
input_per_mtok = 3.0
output_per_mtok = 15.0
max_tokens = 256
[agents.project-manager]
mix = {{ "p/cheap" = 1.0 }}
[agents.backend]
mix = {{ "p/cheap" = 1.0 }}
[agents.qa-lead]
mix = {{ "p/cheap" = 1.0 }}
[agents.code-reviewer]
mix = {{ "p/dear" = 1.0 }}
[budget]
baseline = "p/dear"
[goals]
poll_seconds = 0.2
[orchestrator]
poll_seconds = 0.2
lease_seconds = 4
heartbeat_seconds = 1

[workflows.feature]
description = "implement, test, review"
[[workflows.feature.steps]]
name = "implement"
role = "backend"
prompt = "Implement: {{goal}}"
[[workflows.feature.steps]]
name = "tests"
role = "qa-lead"
depends_on = ["implement"]
prompt = "Write tests for:\\n{{result:implement}}"
[[workflows.feature.steps]]
name = "review"
role = "code-reviewer"
depends_on = ["tests"]
reviews = "tests"
prompt = "Review the tests."
"""


async def run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cli(*args), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(600):
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


def where(tmp_path: Path, url: str, backend: Backend | None = None) -> tuple[str, ...]:
    """The commands' options (and, on PostgreSQL, their ledger's URL in the environment)."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(url=url))
    if backend is not None:
        backend.export(tmp_path / "ledger.db")
    return ("--config", str(config), "--db", str(tmp_path / "ledger.db"))


async def test_feature_template_and_report_by_goal(backend: Backend, tmp_path: Path) -> None:
    script = Script(["unused"], [{"score": 6, "reason": "thin"}, {"score": 9, "reason": "good"}])
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        args = where(tmp_path, server.url, backend)
        code, out = await run(*args, "goal", "--workflow", "feature", "add /health",
                              "--approve-plan")  # fmt: skip
        assert code == 0, out
        assert "goal #1 succeeded" in out and "score 9/10" in out
        asked = [(b.get("response_format") or {}).get("json_schema", {}) for b in script.asked]
        assert [a["name"] for a in asked if a] == ["review", "review"]  # no planner asked
        code, out = await run(*args, "report", "--by", "goal", "--format", "json")
    assert code == 0, out
    [fig] = json.loads(out)["goals"]
    assert fig["workflow"] == "feature" and fig["score"] == 9.0 and fig["rounds"] == 1
    assert [s["step"] for s in fig["steps"]] == [
        "implement#1", "tests#1", "review#1", "tests#2", "review#2", "synthesis#1",
    ]  # fmt: skip
    models = fig["by_model"]
    assert models["p/cheap"]["tokens_in"] == 4 * 100 and models["p/dear"]["tokens_out"] == 2 * 20
    # 4 cheap calls of 100 in / 20 out, 2 dear ones; the baseline prices all 6 as dear
    cheap, dear = (100 * 0.1 + 20 * 0.4) / 1e6, (100 * 3.0 + 20 * 15.0) / 1e6
    assert abs(fig["cost_usd"] - (4 * cheap + 2 * dear)) < 1e-9
    assert abs(fig["baseline_usd"] - 6 * dear) < 1e-9
    assert fig["saving_percent"] == round(100 * (6 * dear - fig["cost_usd"]) / (6 * dear), 2)
    assert fig["wall_s"] > 0 and all(s["seconds"] is not None for s in fig["steps"])
    code, table = await run(*args, "report", "--by", "goal", "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(table)))
    assert row["tokens_by_model"] == "p/cheap 400/80; p/dear 200/40"
    code, text = await run(*args, "report", "--by", "goal")
    assert "| 1 | succeeded | feature |" in text


RUNNING = (
    "SELECT 1 FROM attempts a JOIN tasks t ON t.id = a.task_id"
    " WHERE t.step = '{step}' AND a.state = 'running'"
)


async def _kill_when(
    proc: asyncio.subprocess.Process, backend: Backend, db: Path, sql: str
) -> None:
    """SIGKILL ``proc`` (and wait for its children) once ``sql`` finds a row."""
    async with asyncio.timeout(120):
        while not backend.query(db, sql):
            assert proc.returncode is None, "the goal ended before the kill"
            await asyncio.sleep(0.02)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.kill()
    await proc.wait()
    psutil.wait_procs(children, timeout=30)


async def test_a_goal_killed_while_planning_and_mid_step_resumes(
    backend: Backend, tmp_path: Path
) -> None:
    plan = {"steps": [
        {"name": "a", "role": "backend", "prompt": "do a", "depends_on": [], "mode": "single",
         "acceptance": ""},
        {"name": "b", "role": "qa-lead", "prompt": "do b", "depends_on": ["a"], "mode": "single",
         "acceptance": ""},
    ]}  # fmt: skip
    script = Script([plan], [{"score": 9, "reason": "ok"}])

    def slow(request: Recorded) -> Reply:
        reply = script.reply(request)
        reply.drip = 0.4  # each piece waits: time to kill mid-stream
        return reply

    db = tmp_path / "ledger.db"
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", slow)
        args = where(tmp_path, server.url, backend)
        proc = await asyncio.create_subprocess_exec(
            *cli(*args, "goal", "ship it", "--approve-plan"),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await _kill_when(proc, backend, db, RUNNING.format(step="plan#1"))
        assert backend.query(db, "SELECT state, plan FROM goals") == [("planning", None)]

        proc = await asyncio.create_subprocess_exec(
            *cli(*args, "goal", "resume", "1"),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await _kill_when(proc, backend, db, RUNNING.format(step="a#1"))
        [(state, stored)] = backend.query(db, "SELECT state, plan FROM goals")
        assert state == "running" and json.loads(str(stored))["steps"][0]["name"] == "a"

        code, out = await run(*args, "goal", "resume", "1")
    assert code == 0, out
    assert backend.query(db, "SELECT state FROM goals") == [(GoalState.SUCCEEDED.value,)]
    steps = backend.query(db, "SELECT step, state FROM tasks ORDER BY id")
    assert steps == [("plan#1", "succeeded"), ("a#1", "succeeded"), ("b#1", "succeeded"),
                     ("synthesis#1", "succeeded")]  # fmt: skip
    abandoned = backend.query(db, "SELECT COUNT(*) FROM attempts WHERE state = 'abandoned'")
    assert abandoned == [(2,)]  # the two killed attempts, each run again once


async def test_a_headless_run_drives_a_recorded_goal_to_its_end(
    backend: Backend, tmp_path: Path
) -> None:
    script = Script(["unused"], [{"score": 6, "reason": "thin"}, {"score": 8, "reason": "ok"}])
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        args = where(tmp_path, server.url, backend)
        code, out = await run(*args, "goal", "--workflow", "feature", "add /health",
                              "--approve-plan", "--no-wait")  # fmt: skip
        assert code == 4 and "goal #1 running" in out, out  # recorded, not done: NOT_DONE
        code, out = await run(*args, "run", "--headless", "--until-idle")
        assert code == 0, out
    db = tmp_path / "ledger.db"
    assert backend.query(db, "SELECT state, score, rounds FROM goals") == [("succeeded", 8.0, 1)]
    steps = [r[0] for r in backend.query(db, "SELECT step FROM tasks ORDER BY id")]
    assert steps == ["implement#1", "tests#1", "review#1", "tests#2", "review#2", "synthesis#1"]


async def test_a_task_file_goal_runs_once_however_often_submitted(
    backend: Backend, tmp_path: Path
) -> None:
    script = Script(["unused"], [{"score": 9, "reason": "ok"}])
    tasks = tmp_path / "tasks.toml"
    tasks.write_text(
        '[[task]]\nmode = "goal"\nprompt = "add /health"\nworkflow = "feature"\nkey = "h"\n'
    )
    async with LoopbackServer() as server:
        server.choose("POST", "/v1/chat/completions", script.reply)
        args = where(tmp_path, server.url, backend)
        config = tmp_path / "config.toml"  # headless: the auto_approve policy runs the plan
        config.write_text(config.read_text().replace("[goals]\n", "[goals]\nauto_approve = true\n"))
        for _ in range(2):
            code, out = await run(*args, "run", "--headless", "--until-idle", "--tasks", str(tasks))
            assert code == 0, out
            assert "goal #1 " in out
    db = tmp_path / "ledger.db"
    assert backend.query(db, "SELECT id, state, workflow FROM goals") == [
        (1, "succeeded", "feature")
    ]
    steps = [r[0] for r in backend.query(db, "SELECT step FROM tasks ORDER BY id")]
    assert steps == ["implement#1", "tests#1", "review#1", "synthesis#1"]


async def test_mistakes_are_told_in_one_line(tmp_path: Path) -> None:
    args = where(tmp_path, "http://127.0.0.1:9")
    cases = [
        (("goal", "--workflow", "nope", "x"), "unknown workflow 'nope' (known: feature)"),
        (("goal", "show", "7"), "no goal #7"),
        (("goal", "cancel", "subscriptions"), "quote it as one argument"),
        (("goal", "  "), "a goal needs a request"),
    ]
    for argv, expected in cases:
        code, out = await run(*args, *argv)
        assert code == 2 and expected in out and "Traceback" not in out, (argv, out)
