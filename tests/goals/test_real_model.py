"""A goal end to end on the real embedded model (SmolLM2-135M behind llama.cpp, temperature
0) through the real CLI: the planner's reply is grammar-constrained to the plan's JSON
schema and validates, its steps run, the synthesis ends the goal, and the ledger holds the
goal, the plan, every step and the figures (``goal show --json``, ``report --by goal``).

The model's words are nonsense; this checks the plumbing, not the quality.

SQLite only: the real embedded model is slow; goals on PostgreSQL run in test_engine.py,
test_cli.py, test_code_rounds.py and test_feature_workspace.py."""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import io
import json
from pathlib import Path

import pytest

from swarm_tui.goals.plan import Plan
from tests.e2e.crash import cli, query

CONFIG = """
[providers.local]
kind = "local"
max_concurrent = 1
[providers.local.models.smollm2]
max_tokens = 400
context = 4096
temperature = 0.0
[agents.generalist]
role = "does any task"
mix = { "local/smollm2" = 1.0 }
max_concurrent = 1
[budget]
baseline = "local/smollm2"
"""


async def run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cli(*args), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    async with asyncio.timeout(600):
        out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


@pytest.mark.llama
@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama_cpp is not importable: install the 'local' extra (make setup)",
)
async def test_a_goal_on_the_real_embedded_model(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    db = tmp_path / "ledger.db"
    where = ("--config", str(config), "--db", str(db))
    code, out = await run(*where, "goal", "Write a haiku about the sea.", "--approve-plan")
    assert code == 0, out
    [(goal_id, state, plan_json, result)] = query(db, "SELECT id, state, plan, result FROM goals")
    assert state == "succeeded", out
    plan = Plan.model_validate_json(str(plan_json))  # schema-valid, as stored
    names = [s.name for s in plan.steps]
    assert names == [f"step{i}" for i in range(1, len(names) + 1)]  # the grammar's order
    tasks = query(
        db, "SELECT step, state, output_schema, result FROM tasks WHERE goal_id = ? ORDER BY id",
        (goal_id,),
    )  # fmt: skip
    assert len(tasks) == len(query(db, "SELECT id FROM tasks"))  # every task belongs to it
    steps = [t[0] for t in tasks]
    assert steps[0] == "plan#1" and steps[-1] == "synthesis#1"
    assert sorted(steps[1:-1]) == sorted(f"{n}#1" for n in names)
    assert json.loads(str(tasks[0][2]))["title"] == "plan"  # structured output asked
    assert all(t[1] == "succeeded" for t in tasks)
    assert result == tasks[-1][3]

    code, shown = await run(*where, "goal", "show", str(goal_id), "--json")
    assert code == 0, shown
    fig = json.loads(shown)
    assert fig["state"] == "succeeded" and fig["tokens_out"] > 0
    assert fig["by_model"]["local/smollm2"]["tokens_in"] > 0  # counted by the tokenizer
    assert [s["step"] for s in fig["steps"]] == steps
    assert all(s["seconds"] is not None for s in fig["steps"])
    assert fig["wall_s"] > 0 and fig["saving_percent"] == 0.0  # baseline is the same model

    code, table = await run(*where, "report", "--by", "goal", "--format", "csv")
    assert code == 0, table
    [row] = list(csv.DictReader(io.StringIO(table)))
    assert row["id"] == str(goal_id) and row["state"] == "succeeded"
    assert row["tokens_by_model"].startswith("local/smollm2 ")
