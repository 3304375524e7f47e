"""``swarm-tui decide`` as a user runs it over SSH: a real subprocess on a real ledger file
where a consensus task waits for the human."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarm_tui.config import load_settings
from swarm_tui.core.models import TaskMode, TaskSpec
from swarm_tui.core.orchestrator import Orchestrator
from swarm_tui.store.ledger import Ledger
from tests.core.test_consensus_tasks import tie_providers
from tests.e2e.crash import query
from tests.test_cli import assert_user_error, env, swarm

__all__ = ["env"]

pytestmark = pytest.mark.slow

CONFIG = """
[providers.p1]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p1.models.m1]
[providers.p2]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p2.models.m1]
[providers.p3]
kind = "openai"
base_url = "http://127.0.0.1:9/v1"
[providers.p3.models.m1]

[agents.a]
[agents.a.mix]
"p1/m1" = 3
"p2/m1" = 2
"p3/m1" = 1
"""


async def a_waiting_conflict(config: Path, db: Path) -> int:
    ledger = await Ledger.open(db)
    orch = Orchestrator(load_settings(config), ledger, dict(tie_providers()))
    try:
        [(task, _)] = await orch.submit([TaskSpec("Colour?", role="a", mode=TaskMode.CONSENSUS)])
        await orch.run(until_idle=True)
        return task.id
    finally:
        await orch.stop()
        await ledger.close()


async def test_decide_lists_shows_and_settles_a_conflict(
    tmp_path: Path, env: dict[str, str]
) -> None:
    config, db = tmp_path / "config.toml", tmp_path / "l.db"
    config.write_text(CONFIG)
    task_id = await a_waiting_conflict(config, db)
    common = ("--config", str(config), "--db", str(db))

    listed = swarm("decide", *common, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [conflict] = json.loads(listed.stdout)
    assert conflict["task"] == task_id and conflict["state"] == "needs_vote"
    assert sorted(c["text"] for c in conflict["candidates"]) == ["Blue", "Green", "Red"]
    blue = next(c["label"] for c in conflict["candidates"] if c["text"] == "Blue")

    assert_user_error(swarm("decide", str(task_id), "Q", *common, env=env), "no candidate 'Q'")
    assert_user_error(
        swarm("decide", str(task_id), "--arbiter", *common, env=env), "no arbiter is configured"
    )
    shown = swarm("decide", str(task_id), *common, env=env)
    assert f"[{blue}] p3/m1" in shown.stdout and "tie between" in shown.stdout

    done = swarm("decide", str(task_id), blue.lower(), "--note", "sky", *common, env=env)
    assert done.returncode == 0, done.stderr
    assert query(db, "SELECT state, result FROM tasks") == [("succeeded", "Blue")]
    assert query(db, "SELECT decided_by, winner FROM consensus") == [("human", blue)]
    assert "no conflict waits" in swarm("decide", *common, env=env).stdout
